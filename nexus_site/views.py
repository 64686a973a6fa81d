from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from nexus_site.errors import json_404


def frontend_index(request):
    """Serve the built React app, or a short placeholder until `make setup` has built it."""
    index = settings.FRONTEND_DIST / "index.html"
    if index.exists():
        return FileResponse(index.open("rb"), content_type="text/html")
    return render(request, "placeholder.html", status=200)


@csrf_exempt  # nothing to protect: an unknown /api/ path answers 404 JSON whatever the method
def api_not_found(request):
    return json_404(request)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return json_404(request, exception)
    return HttpResponse("Not found", status=404, content_type="text/plain")
