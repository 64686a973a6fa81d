"""NEXUS_ENV=production settings — the clear start-up error, `check --deploy` clean,
HTTPS redirect behind a proxy, secure cookies, HSTS and the security headers, staff-only admin.

Production settings are read in subprocesses with a clean environment (the test settings strip
NEXUS_ENV on purpose), so nothing here depends on the machine's environment.
"""

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

STRONG_KEY = "k7Vq-2mZp9XrT4wLs8NbHy3CdJf6GuEa1RoKi5Pn0QxWv_tMzYe"  # 51 varied chars (fake)


def production_env(tmp_path, **overrides) -> dict:
    from django.conf import settings

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "NEXUS_IGNORE_DOTENV": "1",
        # The test home: its embedded server already runs (system checks read the database), and
        # SECRET_KEY comes from the environment, so nothing is written there.
        "NEXUS_HOME": str(settings.NEXUS_HOME),
        "DJANGO_SETTINGS_MODULE": "nexus_site.settings",
        "NEXUS_ENV": "production",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "nexus.example.com",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run(args, env, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


SETTINGS_PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({k: getattr(s, k) for k in (
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS")}))
"""


@pytest.mark.parametrize("missing", [["SECRET_KEY"], ["ALLOWED_HOSTS"], ["SECRET_KEY", "ALLOWED_HOSTS"]])
def test_production_refuses_to_start_without_secrets(tmp_path, missing):
    env = production_env(tmp_path, **dict.fromkeys(missing))
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert f"NEXUS_ENV=production needs {' and '.join(missing)} in the environment" in result.stderr
    assert "Traceback" not in result.stdout


def test_production_settings_values(tmp_path):
    result = run(["-c", SETTINGS_PROBE], production_env(tmp_path, ALLOWED_HOSTS="nexus.example.com,.example.org"))
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["ALLOWED_HOSTS"] == ["nexus.example.com", ".example.org"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://nexus.example.com", "https://*.example.org"]


def test_production_csrf_origins_from_environment(tmp_path):
    env = production_env(tmp_path, CSRF_TRUSTED_ORIGINS="https://app.example.com")
    values = json.loads(run(["-c", SETTINGS_PROBE], env).stdout)
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://app.example.com"]


def test_production_check_deploy_is_clean(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_check_deploy_flags_debug_when_asked_for(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path, DEBUG="true"))
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


REQUEST_PROBE = """
import json, django
django.setup()
from django.test import Client
c = Client(HTTP_HOST="nexus.example.com")
plain = c.get("/api/nope")
secure = c.get("/api/nope", HTTP_X_FORWARDED_PROTO="https")
login = c.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https")
health = c.get("/api/health")  # plain HTTP: platform health checks are exempt from the redirect
cookie = login.cookies.get("csrftoken")
print(json.dumps({
    "plain_status": plain.status_code, "plain_location": plain.get("Location"),
    "secure_status": secure.status_code, "secure_json": secure.json(),
    "headers": {h: secure.get(h) for h in ("Strict-Transport-Security", "X-Content-Type-Options",
                "Referrer-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy")},
    "login_status": login.status_code, "health_status": health.status_code,
    "csrf_cookie_secure": bool(cookie and cookie["secure"]),
}))
"""


def test_production_https_redirect_hsts_headers_and_secure_cookies(tmp_path):
    result = run(["-c", REQUEST_PROBE], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["plain_status"] == 301
    assert seen["plain_location"] == "https://nexus.example.com/api/nope"
    assert seen["secure_status"] == 404 and seen["secure_json"]["error"]["status"] == 404
    assert seen["headers"] == {
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    assert seen["login_status"] == 200
    assert seen["health_status"] in (200, 503)  # answered, not redirected
    assert seen["csrf_cookie_secure"] is True


def test_security_headers_in_development(client):
    response = client.get("/api/nope")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # HSTS only in production, over https


@pytest.mark.django_db
def test_admin_only_for_staff(client, django_user_model):
    assert client.get("/admin/").status_code == 302  # anonymous → login
    user = django_user_model.objects.create_user("visitor", password="x-unused-9f")
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    user.is_staff = True
    user.save()
    assert client.get("/admin/").status_code == 200
