"""Thin views: validate, call a service or selector, serialise."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from common.accounts.permissions import IsEditor, IsViewer
from common.accounts.roles import notification_scope
from common.api import ApiView, validated_body, validated_query
from common.api_schema import ErrorOut
from common.pagination import PageQuery, paginate
from insights import selectors, services
from insights.api import serializers as s
from insights.immune import ScanConfig


class UsageView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        parameters=[s.UsageQuery],
        responses={200: s.UsageReportOut, 400: ErrorOut},
        summary="LLM usage and cost by model, task type (feature) and day",
    )
    def get(self, request):
        query = validated_query(s.UsageQuery, request)
        return Response(selectors.usage_report(days=query.get("days")))


class NotificationListView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        parameters=[s.NotificationListQuery, PageQuery],
        responses={200: s.NotificationPageOut, 400: ErrorOut},
        summary="Notifications written by the info router (newest first, paginated)",
    )
    def get(self, request):
        query = validated_query(s.NotificationListQuery, request)
        qs = selectors.notifications_list(scope=notification_scope(request.user), **query)
        return paginate(self, request, qs, lambda row: s.NotificationOut(row).data)


class NotificationAckView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        request=None,
        responses={200: s.NotificationOut, 404: ErrorOut},
        summary="Acknowledge a notification (idempotent)",
    )
    def post(self, request, notification_id: int):
        notification = services.notification_acknowledge(
            notification_id=notification_id, scope=notification_scope(request.user)
        )
        return Response(s.NotificationOut(notification).data)


class ImmuneScanView(ApiView):
    permission_classes = [IsEditor]
    throttle_scope = "immune_scan"  # calls the LLM: rate-limited per user

    @extend_schema(
        request=s.ImmuneScanIn,
        responses={201: s.ImmuneScanOut, 400: ErrorOut},
        summary="Run the immune-system agents over the graph and store the scan",
    )
    def post(self, request):
        options = validated_body(s.ImmuneScanIn, request)
        scan = services.immune_scan_run(config=ScanConfig.from_options(options))
        return Response(s.ImmuneScanOut(scan).data, status=status.HTTP_201_CREATED)


class ImmuneScanListView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        parameters=[PageQuery],
        responses={200: s.ImmuneScanPageOut, 400: ErrorOut},
        summary="Stored immune scans, newest first (paginated)",
    )
    def get(self, request):
        return paginate(self, request, selectors.immune_scans_list(), lambda row: s.ImmuneScanOut(row).data)


class ImmuneAlertsView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(responses={200: s.AlertsOut}, summary="Alerts of the latest scan")
    def get(self, request):
        return Response(s.AlertsOut(selectors.immune_alerts_current()).data)


def _state_response(state):
    return Response({"fingerprint": state.fingerprint, **selectors.alert_state_data(state)})


class _AlertActionView(ApiView):
    permission_classes = [IsEditor]
    body_serializer: type[serializers.Serializer] | None = None  # set by the views that take a body

    def body(self, request) -> dict:
        assert self.body_serializer is not None
        return validated_body(self.body_serializer, request)


class ImmuneAlertResolveView(_AlertActionView):
    body_serializer = s.AlertResolveIn

    @extend_schema(
        request=s.AlertResolveIn,
        responses={200: s.AlertActionOut, 400: ErrorOut, 404: ErrorOut},
        summary="Resolve an alert: later scans do not raise it again unless its evidence changes",
    )
    def post(self, request, fingerprint: str):
        return _state_response(services.immune_alert_resolve(fingerprint=fingerprint, **self.body(request)))


class ImmuneAlertDismissView(_AlertActionView):
    body_serializer = s.AlertDismissIn

    @extend_schema(
        request=s.AlertDismissIn,
        responses={200: s.AlertActionOut, 400: ErrorOut, 404: ErrorOut},
        summary="Dismiss an alert with a reason: later scans do not raise it again unless its evidence changes",
    )
    def post(self, request, fingerprint: str):
        return _state_response(services.immune_alert_dismiss(fingerprint=fingerprint, **self.body(request)))


class ImmuneAlertReopenView(_AlertActionView):
    @extend_schema(
        request=None,
        responses={200: s.AlertActionOut, 404: ErrorOut},
        summary="Reopen a resolved or dismissed alert",
    )
    def post(self, request, fingerprint: str):
        return _state_response(services.immune_alert_reopen(fingerprint=fingerprint))


class ImmuneAlertAssignView(_AlertActionView):
    body_serializer = s.AlertPersonIn

    @extend_schema(
        request=s.AlertPersonIn,
        responses={200: s.AlertActionOut, 400: ErrorOut, 404: ErrorOut},
        summary="Assign an alert to a person, who is notified",
    )
    def post(self, request, fingerprint: str):
        state, _note = services.immune_alert_assign(fingerprint=fingerprint, **self.body(request))
        return _state_response(state)


class ImmuneAlertApplyView(_AlertActionView):
    @extend_schema(
        request=None,
        responses={200: s.AlertActionOut, 400: ErrorOut, 404: ErrorOut},
        summary="Carry out the alert's suggestion (re-verify a stale node, supersede the older of two), then resolve it",
    )
    def post(self, request, fingerprint: str):
        return _state_response(services.immune_alert_apply(fingerprint=fingerprint))


class ImmuneAlertSetOwnerView(_AlertActionView):
    body_serializer = s.AlertPersonIn

    @extend_schema(
        request=s.AlertPersonIn,
        responses={200: s.AlertActionOut, 400: ErrorOut, 404: ErrorOut},
        summary="Carry out an orphan alert: make a person the commitment's owner, then resolve it",
    )
    def post(self, request, fingerprint: str):
        return _state_response(services.immune_alert_set_owner(fingerprint=fingerprint, **self.body(request)))


class TaskGraphView(ApiView):
    permission_classes = [IsEditor]

    @extend_schema(
        request=s.TaskGraphCreateIn,
        responses={201: s.TaskGraphOut, 400: ErrorOut},
        summary="Schedule a task DAG (critical path) and make it the active task graph",
    )
    def post(self, request):
        graph, _plan = services.task_graph_create(**validated_body(s.TaskGraphCreateIn, request))
        return Response(s.TaskGraphOut(graph).data, status=status.HTTP_201_CREATED)


class TaskGraphCurrentView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(responses={200: s.TaskGraphOut, 404: ErrorOut}, summary="The active task graph")
    def get(self, request):
        graph = selectors.task_graph_current()
        if graph is None:
            raise exceptions.NotFound("No task graph yet.")
        return Response(s.TaskGraphOut(graph).data)


class WorkerAnalyzeView(ApiView):
    permission_classes = [IsEditor]

    @extend_schema(
        request=None,
        responses={201: s.WorkerAnalysisOut},
        summary="Analyse conflicts, duplicates, overloads, reallocations and collaborations",
    )
    def post(self, request):
        analysis = services.worker_analysis_run()
        return Response(s.WorkerAnalysisOut(analysis).data, status=status.HTTP_201_CREATED)


class WorkerLatestView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(responses={200: s.WorkerAnalysisOut, 404: ErrorOut}, summary="The latest worker analysis")
    def get(self, request):
        analysis = selectors.worker_analysis_latest()
        if analysis is None:
            raise exceptions.NotFound("No worker analysis yet.")
        return Response(s.WorkerAnalysisOut(analysis).data)


class ReallocationApplyView(ApiView):
    permission_classes = [IsEditor]

    @extend_schema(
        request=s.ReallocationApplyIn,
        responses={200: s.AppliedReallocationOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
        summary="Apply a reallocation suggestion: the commitment's owner becomes the suggested colleague",
    )
    def post(self, request, analysis_id: int):
        body = validated_body(s.ReallocationApplyIn, request)
        return Response(services.reallocation_apply(analysis_id=analysis_id, **body))


class InfoDropView(ApiView):
    permission_classes = [IsEditor]
    throttle_scope = "info_drop"  # calls the LLM: rate-limited per user

    @extend_schema(
        request=s.InfoDropIn,
        responses={201: s.InfoDropOut, 400: ErrorOut, 413: ErrorOut},
        summary="Turn a piece of information into graph changes and notifications",
    )
    def post(self, request):
        body = validated_body(s.InfoDropIn, request)
        result = services.info_drop_process(text=body["text"], source=body["source"], author=body["author"])
        return Response(result, status=status.HTTP_201_CREATED)
