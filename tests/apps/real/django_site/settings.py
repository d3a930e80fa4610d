"""Settings for the test Django site.

The SQLite database and upload temp files live in DRAM_DJANGO_DIR. Under Dram the app runs inside
the test process, whose environment was fixed when that process started, so the test cannot set a
variable for it: the directory then defaults to one named after the process id, which the test
computes the same way (tests/Dram.Tests/Apps/DjangoSite.cs).
"""
import os
import tempfile

DATA_DIR = os.environ.get("DRAM_DJANGO_DIR") or os.path.join(
    tempfile.gettempdir(), "dram-django-%d" % os.getpid())

SECRET_KEY = "dram-tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "real.django_site.urls"
WSGI_APPLICATION = "real.django_site.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

DATABASES = {"default": {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": os.path.join(DATA_DIR, "db.sqlite3"),
}}

# Uploads above 2.5 MB go to a temporary file here: the test uploads one that large.
FILE_UPLOAD_TEMP_DIR = DATA_DIR
STATIC_URL = "/static/"
