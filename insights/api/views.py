"""Thin views: validate, call a service or selector, serialise."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from common.accounts.permissions import IsEditor, IsViewer
from common.accounts.roles import notification_scope
from common.api import ApiView
from common.api_schema import ErrorOut
from common.pagination import PageQuery, paginate
from insights import selectors, services
from insights.api import serializers as s
from insights.immune import ScanConfig

ERROR = ErrorOut  # the shared {"error": {...}} shape (common.api_errors)
PAGE_PARAMS = [PageQuery]


class UsageView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        parameters=[s.UsageQuerySerializer],
        responses={200: s.UsageReportSerializer, 400: ERROR},
        summary="LLM usage and cost by model, task type (feature) and day",
    )
    def get(self, request):
        query = s.UsageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(selectors.usage_report(days=query.validated_data.get("days")))


class NotificationListView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        parameters=[s.NotificationQuerySerializer, *PAGE_PARAMS],
        responses={200: s.NotificationPageSerializer, 400: ERROR},
        summary="Notifications written by the info router (newest first, paginated)",
    )
    def get(self, request):
        query = s.NotificationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.notifications_list(scope=notification_scope(request.user), **query.validated_data)
        return paginate(self, request, qs, lambda row: s.NotificationSerializer(row).data)


class NotificationAckView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        request=None,
        responses={200: s.NotificationSerializer, 404: ERROR},
        summary="Acknowledge a notification (idempotent)",
    )
    def post(self, request, notification_id: int):
        notification = services.notification_acknowledge(
            notification_id=notification_id, scope=notification_scope(request.user)
        )
        return Response(s.NotificationSerializer(notification).data)


class ImmuneScanView(ApiView):
    permission_classes = [IsEditor]
    throttle_scope = "immune_scan"  # calls the LLM: rate-limited per user

    @extend_schema(
        request=s.ScanRequestSerializer,
        responses={201: s.ImmuneScanSerializer, 400: ERROR},
        summary="Run the immune-system agents over the graph and store the scan",
    )
    def post(self, request):
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["The body must be a JSON object."]})
        body = s.ScanRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scan = services.immune_scan_run(config=ScanConfig.from_options(body.validated_data))
        return Response(s.ImmuneScanSerializer(scan).data, status=status.HTTP_201_CREATED)


class ImmuneScanListView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        parameters=PAGE_PARAMS,
        responses={200: s.ImmuneScanPageSerializer, 400: ERROR},
        summary="Stored immune scans, newest first (paginated)",
    )
    def get(self, request):
        return paginate(self, request, selectors.immune_scans_list(), lambda row: s.ImmuneScanSerializer(row).data)


class ImmuneAlertsView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(responses={200: s.AlertsResponseSerializer}, summary="Alerts of the latest scan")
    def get(self, request):
        return Response(s.AlertsResponseSerializer(selectors.immune_alerts_current()).data)


def _state_response(state):
    return Response({"fingerprint": state.fingerprint, **selectors.alert_state_data(state)})


class _AlertActionView(ApiView):
    permission_classes = [IsEditor]
    body_serializer: type[serializers.Serializer] | None = None  # set by the views that take a body

    def body(self, request) -> dict:
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["The body must be a JSON object."]})
        assert self.body_serializer is not None
        body = self.body_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data


class ImmuneAlertResolveView(_AlertActionView):
    body_serializer = s.AlertResolveSerializer

    @extend_schema(
        request=s.AlertResolveSerializer,
        responses={200: s.AlertStateResponseSerializer, 400: ERROR, 404: ERROR},
        summary="Resolve an alert: later scans do not raise it again unless its evidence changes",
    )
    def post(self, request, fingerprint: str):
        return _state_response(services.immune_alert_resolve(fingerprint=fingerprint, **self.body(request)))


class ImmuneAlertDismissView(_AlertActionView):
    body_serializer = s.AlertDismissSerializer

    @extend_schema(
        request=s.AlertDismissSerializer,
        responses={200: s.AlertStateResponseSerializer, 400: ERROR, 404: ERROR},
        summary="Dismiss an alert with a reason: later scans do not raise it again unless its evidence changes",
    )
    def post(self, request, fingerprint: str):
        return _state_response(services.immune_alert_dismiss(fingerprint=fingerprint, **self.body(request)))


class ImmuneAlertReopenView(_AlertActionView):
    @extend_schema(
        request=None,
        responses={200: s.AlertStateResponseSerializer, 404: ERROR},
        summary="Reopen a resolved or dismissed alert",
    )
    def post(self, request, fingerprint: str):
        return _state_response(services.immune_alert_reopen(fingerprint=fingerprint))


class ImmuneAlertAssignView(_AlertActionView):
    body_serializer = s.AlertPersonSerializer

    @extend_schema(
        request=s.AlertPersonSerializer,
        responses={200: s.AlertStateResponseSerializer, 400: ERROR, 404: ERROR},
        summary="Assign an alert to a person, who is notified",
    )
    def post(self, request, fingerprint: str):
        state, _note = services.immune_alert_assign(fingerprint=fingerprint, **self.body(request))
        return _state_response(state)


class ImmuneAlertApplyView(_AlertActionView):
    @extend_schema(
        request=None,
        responses={200: s.AlertStateResponseSerializer, 400: ERROR, 404: ERROR},
        summary="Carry out the alert's suggestion (re-verify a stale node, supersede the older of two), then resolve it",
    )
    def post(self, request, fingerprint: str):
        return _state_response(services.immune_alert_apply(fingerprint=fingerprint))


class ImmuneAlertSetOwnerView(_AlertActionView):
    body_serializer = s.AlertPersonSerializer

    @extend_schema(
        request=s.AlertPersonSerializer,
        responses={200: s.AlertStateResponseSerializer, 400: ERROR, 404: ERROR},
        summary="Carry out an orphan alert: make a person the commitment's owner, then resolve it",
    )
    def post(self, request, fingerprint: str):
        return _state_response(services.immune_alert_set_owner(fingerprint=fingerprint, **self.body(request)))


class TaskGraphView(ApiView):
    permission_classes = [IsEditor]

    @extend_schema(
        request=s.TaskGraphRequestSerializer,
        responses={201: s.TaskGraphSerializer, 400: ERROR},
        summary="Schedule a task DAG (critical path) and make it the active task graph",
    )
    def post(self, request):
        body = s.TaskGraphRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        graph, _plan = services.task_graph_create(**body.validated_data)
        return Response(s.TaskGraphSerializer(graph).data, status=status.HTTP_201_CREATED)


class TaskGraphCurrentView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(responses={200: s.TaskGraphSerializer, 404: ERROR}, summary="The active task graph")
    def get(self, request):
        graph = selectors.task_graph_current()
        if graph is None:
            raise exceptions.NotFound("No task graph yet.")
        return Response(s.TaskGraphSerializer(graph).data)


class WorkerAnalyzeView(ApiView):
    permission_classes = [IsEditor]

    @extend_schema(
        request=None,
        responses={201: s.WorkerAnalysisSerializer},
        summary="Analyse conflicts, duplicates, overloads, reallocations and collaborations",
    )
    def post(self, request):
        analysis = services.worker_analysis_run()
        return Response(s.WorkerAnalysisSerializer(analysis).data, status=status.HTTP_201_CREATED)


class WorkerLatestView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(responses={200: s.WorkerAnalysisSerializer, 404: ERROR}, summary="The latest worker analysis")
    def get(self, request):
        analysis = selectors.worker_analysis_latest()
        if analysis is None:
            raise exceptions.NotFound("No worker analysis yet.")
        return Response(s.WorkerAnalysisSerializer(analysis).data)


class ReallocationApplyView(ApiView):
    permission_classes = [IsEditor]

    @extend_schema(
        request=s.ReallocationApplySerializer,
        responses={200: s.AppliedReallocationSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
        summary="Apply a reallocation suggestion: the commitment's owner becomes the suggested colleague",
    )
    def post(self, request, analysis_id: int):
        body = s.ReallocationApplySerializer(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        return Response(services.reallocation_apply(analysis_id=analysis_id, **body.validated_data))


class InfoDropView(ApiView):
    permission_classes = [IsEditor]
    throttle_scope = "info_drop"  # calls the LLM: rate-limited per user

    @extend_schema(
        request=s.InfoDropRequestSerializer,
        responses={201: s.InfoDropResponseSerializer, 400: ERROR, 413: ERROR},
        summary="Turn a piece of information into graph changes and notifications",
    )
    def post(self, request):
        body = s.InfoDropRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        result = services.info_drop_process(text=data["text"], source=data["source"], author=data["author"])
        return Response(result, status=status.HTTP_201_CREATED)
