"""A minimal Django project: the admin (login with CSRF and sessions), an upload, files, streams."""
