"""The WSGI entry point: real.django_site.wsgi:application."""
import os

# Settings are process-wide: this is the only Django project a test process serves.
os.environ["DJANGO_SETTINGS_MODULE"] = "real.django_site.settings"

from django.core.wsgi import get_wsgi_application  # noqa: E402 (needs the variable above)

application = get_wsgi_application()
