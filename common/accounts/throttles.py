"""Rate limits. Sign-in failures: django-axes (counts failures, not requests, per username and per
client address, and covers the Django admin's login too). Paid endpoints (they call the LLM):
DRF's scoped throttle per user, rates in settings, counters in Django's cache."""

from django.conf import settings
from django.http import JsonResponse


def lockout_body() -> dict:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else None
    when = f"try again in {minutes} minutes" if minutes else "ask an admin to unlock the account"
    return {
        "error": {
            "status": 429,
            "code": "throttled",
            "message": f"Too many failed sign-ins for this account or address; {when}.",
        }
    }


def lockout_response(request, original_response=None, credentials=None):
    return JsonResponse(lockout_body(), status=429)
