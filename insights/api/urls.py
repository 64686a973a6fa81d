from django.urls import path

from insights.api import views

urlpatterns = [
    path("usage", views.UsageView.as_view(), name="usage"),
    path("info-drop", views.InfoDropView.as_view(), name="info-drop"),
    path("notifications", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/<int:notification_id>/ack", views.NotificationAckView.as_view(), name="notification-ack"),
    path("immune/scan", views.ImmuneScanView.as_view(), name="immune-scan"),
    path("immune/scans", views.ImmuneScanListView.as_view(), name="immune-scans"),
    path("immune/alerts", views.ImmuneAlertsView.as_view(), name="immune-alerts"),
    path(
        "immune/alerts/<path:fingerprint>/resolve", views.ImmuneAlertResolveView.as_view(), name="immune-alert-resolve"
    ),
    path(
        "immune/alerts/<path:fingerprint>/dismiss", views.ImmuneAlertDismissView.as_view(), name="immune-alert-dismiss"
    ),
    path("immune/alerts/<path:fingerprint>/reopen", views.ImmuneAlertReopenView.as_view(), name="immune-alert-reopen"),
    path("immune/alerts/<path:fingerprint>/assign", views.ImmuneAlertAssignView.as_view(), name="immune-alert-assign"),
    path("immune/alerts/<path:fingerprint>/apply", views.ImmuneAlertApplyView.as_view(), name="immune-alert-apply"),
    path(
        "immune/alerts/<path:fingerprint>/set-owner",
        views.ImmuneAlertSetOwnerView.as_view(),
        name="immune-alert-set-owner",
    ),
    path("tasks", views.TaskGraphView.as_view(), name="tasks"),
    path("tasks/current", views.TaskGraphCurrentView.as_view(), name="tasks-current"),
    path("workers/analyze", views.WorkerAnalyzeView.as_view(), name="workers-analyze"),
    path("workers/latest", views.WorkerLatestView.as_view(), name="workers-latest"),
    path("workers/analyses/<int:analysis_id>/apply", views.ReallocationApplyView.as_view(), name="workers-apply"),
]
