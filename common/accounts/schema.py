"""How the OpenAPI schema describes NEXUS's sign-in schemes (drf-spectacular extensions)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "common.accounts.authentication.ApiTokenAuthentication"
    name = "bearerAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A NEXUS API token (python manage.py create_api_token)",
        }


class SupabaseBearerScheme(OpenApiAuthenticationExtension):
    target_class = "common.accounts.authentication.SupabaseJWTAuthentication"
    name = "supabaseAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A Supabase Auth access token (when SUPABASE_URL is set)",
        }


class SessionCookieScheme(OpenApiAuthenticationExtension):
    target_class = "common.accounts.authentication.CsrfSessionAuthentication"
    match_subclasses = True
    name = "sessionAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "Browser session from POST /api/auth/login; unsafe methods need X-CSRFToken",
        }
