"""A tiny Django project for the benchmark: one JSON view, no database, only CommonMiddleware."""
