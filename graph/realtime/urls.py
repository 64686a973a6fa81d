"""HTTP routes of the realtime feature (/api/realtime/changes, /api/config)."""
urlpatterns = []
