"""The ASGI entry point: real.django_site.asgi:application (Django's own ASGIHandler)."""
import os

# Settings are process-wide: this is the only Django project a test process serves.
os.environ["DJANGO_SETTINGS_MODULE"] = "real.django_site.settings"

from django.core.asgi import get_asgi_application  # noqa: E402 (needs the variable above)

application = get_asgi_application()
