import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

CREDENTIALS_FILE = "admin_credentials.txt"


class Command(BaseCommand):
    help = "Create the admin account on first run with a random password, and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")

    def handle(self, *args, username: str, url: str, **options):
        path = settings.NEXUS_HOME / CREDENTIALS_FILE
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            where = f"its password is in {path}" if path.exists() else "its password was set by you"
            self.stdout.write(f"Admin: {url} (user {username!r}; {where})")
            return
        password = secrets.token_urlsafe(18)
        User.objects.create_superuser(username=username, email="", password=password)
        path.write_text(f"url={url}\nusername={username}\npassword={password}\n")
        path.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created admin account — log in at {url}\n  username: {username}\n  password: {password}\n"
                f"  (also saved to {path})"
            )
        )
