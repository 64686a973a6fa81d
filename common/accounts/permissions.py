"""Role checks for DRF views. Every API view names its permission explicitly (a test walks the URL
conf to keep it so); the project default is ``DenyAll``, so an endpoint that forgets is closed.

Unauthenticated requests get 401, authenticated ones with too low a role 403 (DRF decides which
from the authenticators; ours answer ``WWW-Authenticate: Bearer``).
"""

from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission

from common.accounts.roles import ADMIN, EDITOR, VIEWER, has_role


class Public(AllowAny):
    """Anyone, signed in or not (health, config, sign-in, the API schema)."""


class DenyAll(BasePermission):
    def has_permission(self, request, view):
        return False


class _RolePermission(BasePermission):
    role = VIEWER
    message = "Your role does not allow this."

    def has_permission(self, request, view):
        return has_role(request.user, self.role)


class IsViewer(_RolePermission):
    role = VIEWER
    message = "Viewers and up only."


class IsEditor(_RolePermission):
    role = EDITOR
    message = "This changes NEXUS: editors and admins only."


class IsAdmin(_RolePermission):
    role = ADMIN
    message = "Admins only."


class ViewerReadsEditorWrites(BasePermission):
    """GET/HEAD/OPTIONS for viewers, every other method for editors."""

    def has_permission(self, request, view):
        needed = VIEWER if request.method in SAFE_METHODS else EDITOR
        if has_role(request.user, needed):
            return True
        self.message = IsViewer.message if needed == VIEWER else IsEditor.message
        return False
