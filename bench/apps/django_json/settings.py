"""Just enough for Django to route a request: no apps, no database, one middleware.

CommonMiddleware (in every `django-admin startproject`) sets Content-Length. Without it a
JsonResponse has none, and uWSGI's --http11-socket then neither chunks nor closes: the client
waits for the end of the body until it times out.
"""
SECRET_KEY = "benchmark-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "django_json.urls"
INSTALLED_APPS = []
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES = {}
USE_TZ = True
