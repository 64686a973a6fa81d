import json

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from graph.admin import ReadOnlyAdmin
from insights.models import ImmuneAlertState, ImmuneScan, LlmUsage, Notification, TaskGraph, WorkerAnalysis


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "person_id",
        "person_name",
        "priority",
        "action_required",
        "summary",
        "acknowledged",
        "created_at",
    )
    list_filter = ("priority", "acknowledged", "action_required")
    search_fields = ("person_id", "person_name", "summary")
    actions = ["acknowledge"]

    @admin.action(description="Acknowledge selected notifications")
    def acknowledge(self, request, queryset):
        count = queryset.filter(acknowledged=False).update(acknowledged=True)
        self.message_user(request, f"{count} notification(s) acknowledged.", messages.SUCCESS)


def _pretty(value) -> str:
    return format_html("<pre style='white-space: pre-wrap'>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


@admin.register(ImmuneScan)
class ImmuneScanAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "total_findings", "alerts_generated", "agents")
    readonly_fields = ("created_at", "agents_run", "total_findings", "alerts_generated", "alert_list", "per_agent")
    exclude = ("alerts", "by_agent")

    @admin.display(description="agents run")
    def agents(self, obj):
        return ", ".join(obj.agents_run or [])

    @admin.display(description="alerts")
    def alert_list(self, obj):
        rows = (
            (a.get("severity", ""), a.get("title", ""), ", ".join(a.get("node_ids", [])), a.get("suggested_action", ""))
            for a in obj.alerts or []
        )
        return format_html(
            "<table><tr><th>severity</th><th>alert</th><th>nodes</th><th>suggested action</th></tr>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description="results by agent")
    def per_agent(self, obj):
        return _pretty(obj.by_agent)


@admin.register(TaskGraph)
class TaskGraphAdmin(ReadOnlyAdmin):
    list_display = ("id", "active", "created_at")
    list_filter = ("active",)


@admin.register(WorkerAnalysis)
class WorkerAnalysisAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at")


@admin.register(LlmUsage)
class LlmUsageAdmin(ReadOnlyAdmin):
    list_display = ("id", "model", "task_type", "input_tokens", "output_tokens", "cost_usd", "created_at")
    list_filter = ("model", "task_type")


@admin.register(ImmuneAlertState)
class ImmuneAlertStateAdmin(ReadOnlyAdmin):
    list_display = ("fingerprint", "agent", "state", "title", "assignee_id", "actor", "updated_at")
    list_filter = ("state", "agent")
    search_fields = ("fingerprint", "title", "reason", "assignee_id")
