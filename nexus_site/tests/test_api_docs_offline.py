"""Swagger UI at /api/docs/ works offline: every asset it loads is served by NEXUS itself."""

import re
import urllib.request


def test_swagger_ui_loads_only_assets_served_by_nexus(nexus_server):
    with urllib.request.urlopen(nexus_server.url + "/api/docs/", timeout=30) as response:
        assert response.status == 200
        html = response.read().decode()
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert any("swagger-ui-bundle" in a for a in assets), assets
    external = [a for a in assets if re.match(r"^(https?:)?//", a)]
    assert not external, f"loaded from outside: {external}"
    for asset in assets:
        with urllib.request.urlopen(nexus_server.url + asset, timeout=30) as response:
            assert response.status == 200 and len(response.read()) > 100, asset
    # the page points Swagger UI at our schema
    assert "/api/schema/" in html
