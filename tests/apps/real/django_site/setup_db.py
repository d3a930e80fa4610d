"""Creates the schema and the admin user: python3 -m real.django_site.setup_db USER PASSWORD.

Run once per test run, as its own process, before the site is served.
"""
import os
import sys

os.environ["DJANGO_SETTINGS_MODULE"] = "real.django_site.settings"

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402


def main():
    user, password = sys.argv[1], sys.argv[2]
    os.makedirs(settings.DATA_DIR, exist_ok=True)
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.auth.models import User
    if not User.objects.filter(username=user).exists():
        User.objects.create_superuser(user, "%s@example.invalid" % user, password)
    print("ready", settings.DATABASES["default"]["NAME"])


if __name__ == "__main__":
    main()
