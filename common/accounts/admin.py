"""Users with their role and person link in the Django admin (admins only). API tokens are
django-rest-knox's own admin: listed there, and revoked by deleting them."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from common.accounts.models import Profile
from common.accounts.roles import role_of

User = get_user_model()


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ("person_id", "supabase_sub")
    readonly_fields = ("supabase_sub",)


admin.site.unregister(User)


@admin.register(User)
class NexusUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ("username", "nexus_role", "person", "is_active", "last_login")
    list_filter = ("groups", "is_active", "is_superuser")

    @admin.display(description="role")
    def nexus_role(self, user):
        return role_of(user) or "—"

    @admin.display(description="person")
    def person(self, user):
        profile = getattr(user, "nexus_profile", None)
        return profile.person_id if profile else None
