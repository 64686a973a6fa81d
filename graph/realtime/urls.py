"""HTTP routes of the realtime feature (mounted under /api/)."""

from django.urls import path

from graph.realtime import views

urlpatterns = [
    path("realtime/changes", views.ChangesView.as_view(), name="realtime-changes"),
]
