"""The built frontend is served compressed (whitenoise picks the .br/.gz beside each asset)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

ASSETS = Path(settings.FRONTEND_DIST) / "assets"


@pytest.mark.skipif(not ASSETS.exists(), reason="the frontend is not built (npm run build)")
@pytest.mark.parametrize("accept,encoding", [("gzip", "gzip"), ("gzip, deflate, br", "br"), ("", None)])
def test_frontend_assets_are_served_compressed_when_accepted(accept, encoding):
    sigma = next(ASSETS.glob("sigma-*.js"))
    headers = {"HTTP_ACCEPT_ENCODING": accept} if accept else {}
    response = Client().get(f"/static/assets/{sigma.name}", **headers)
    assert response.status_code == 200
    assert response.get("Content-Encoding") == encoding
    body = b"".join(response.streaming_content)
    size = len(body)
    if encoding:
        assert size * 3 < sigma.stat().st_size
    else:
        assert size == sigma.stat().st_size
