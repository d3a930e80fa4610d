"""django_json.wsgi:application, as bench/run serves it."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_json.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402 (needs the variable above)

application = get_wsgi_application()
