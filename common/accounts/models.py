"""What NEXUS adds to Django's users: the link to the person node whose notifications are theirs.

Roles are Django groups (see ``roles``); tokens are django-rest-knox's ``AuthToken``.
"""

from django.conf import settings
from django.db import models


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nexus_profile")
    # A node id, not a foreign key: the person node may be deleted or not yet exist (Supabase claims).
    person_id = models.TextField(null=True, blank=True, help_text="the person node this user is, e.g. p-02")
    supabase_sub = models.TextField(
        null=True, blank=True, unique=True, help_text="Supabase Auth user id, for users who sign in with Supabase"
    )

    class Meta:
        db_table = "nexus_user_profiles"

    def __str__(self):
        return f"{self.user} → {self.person_id or 'no person'}"
