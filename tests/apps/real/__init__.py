"""Real apps from Debian's packages, served by Dram and by gunicorn in tests/Dram.Tests/Apps."""
