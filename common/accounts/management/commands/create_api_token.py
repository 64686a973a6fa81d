"""``python manage.py create_api_token USERNAME --role viewer|editor|admin [--days N | --no-expiry]``

Creates the user when missing (with that role), creates an API token and prints it alone on the
last line. The token is stored hashed and shown only this once; revoke it in the admin.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from common.accounts import services
from common.accounts.roles import ROLES, role_of
from common.actor import SYSTEM, acting_as


class Command(BaseCommand):
    help = "Create an API token (and the user, when missing) for scripts and integrations."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=ROLES, help="role for a new user; changes an existing user's role")
        parser.add_argument("--person", help="link a new user to this person node id")
        expiry = parser.add_mutually_exclusive_group()
        expiry.add_argument("--days", type=float, default=90.0, help="days until the token expires (default 90)")
        expiry.add_argument("--no-expiry", action="store_true", help="a token that never expires")

    def handle(self, *args, username, role, person, days, no_expiry, **options):
        if days is not None and days <= 0:
            raise CommandError("--days must be positive.")
        User = get_user_model()
        with acting_as(SYSTEM):
            user = User.objects.filter(username=username).first()
            if user is None:
                if role is None:
                    raise CommandError(f"No user {username!r}; pass --role to create it.")
                user = services.user_create(username=username, role=role, person_id=person)
                self.stdout.write(f"Created user {username!r} with role {role}.")
            elif role is not None and role_of(user) != role:
                services.user_set_role(user=user, role=role)
                self.stdout.write(f"User {username!r} now has role {role}.")
            if role_of(user) is None:
                raise CommandError(f"User {username!r} has no role; pass --role.")
            instance, token = services.api_token_create(user=user, days=None if no_expiry else days)
        expires = instance.expiry.isoformat(timespec="seconds") if instance.expiry else "never"
        self.stdout.write(f"Token for {username!r} (role {role_of(user)}, expires {expires}); shown only once:")
        self.stdout.write(token)
