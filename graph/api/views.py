"""Graph API views: validate, call a selector or service, serialise. Errors use the one JSON shape."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.gzip import gzip_page
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from common.accounts.permissions import IsEditor, IsViewer, ViewerReadsEditorWrites
from common.api import ApiView, json_object, validated_query
from common.pagination import page_window, paginate
from graph import selectors, services, time_travel
from graph.api import serializers as s
from graph.embeddings import describe_provider
from graph.search import search_nodes
from graph.validation import EdgeCreateIn, NodeCreateIn, NodeUpdateIn, validate


def _node_filters(query: dict) -> selectors.NodeFilters:
    """The node filters of a validated ``NodeFilterQuery`` (its other parameters are not filters)."""
    return selectors.NodeFilters(
        node_type=query.get("node_type"),
        division=query.get("division"),
        department=query.get("department"),
        team=query.get("team"),
        status=query.get("status"),
    )


def _errors(*codes: int) -> dict:
    descriptions = {
        400: "invalid input (fields named)",
        404: "unknown id",
        409: "duplicate",
        413: "body over the size limit",
        503: "database or embedding service unavailable",
    }
    return {code: OpenApiResponse(s.ErrorOut, description=descriptions[code]) for code in codes}


class GraphView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        operation_id="graph_read",
        parameters=[s.GraphQuery],
        responses={
            200: PolymorphicProxySerializer(
                component_name="GraphRead", serializers=[s.GraphOut, s.GraphCompactOut], resource_type_field_name=None
            ),
            **_errors(400, 503),
        },
        summary="The whole graph (or the filtered part): nodes, edges between them, metadata; "
        "with as_of, as it stood then (from the version tables)",
    )
    @method_decorator(gzip_page)  # the largest answer there is; gzip only when the client accepts it
    def get(self, request):
        # serialised by PostgreSQL (one statement); same shape as selectors.graph_snapshot
        query = validated_query(s.GraphQuery, request)
        filters = _node_filters(query)
        if query.get("as_of") is not None:
            document = time_travel.graph_as_of_json(as_of=query["as_of"], filters=filters)
        else:
            document = selectors.graph_snapshot_json(view=query["view"], filters=filters)
        return HttpResponse(document, content_type="application/json")


class GraphDiffView(ApiView):
    permission_classes = [IsViewer]
    records_actor = False

    @extend_schema(
        operation_id="graph_diff",
        parameters=[s.DiffQuery],
        responses={200: s.GraphDiffOut, **_errors(400, 503)},
        summary="Nodes and edges added, removed and changed between two moments (field by field)",
    )
    def get(self, request):
        query = validated_query(s.DiffQuery, request)
        document = time_travel.graph_diff_json(from_time=query["from"], to_time=query["to"])
        return HttpResponse(document, content_type="application/json")


class GraphTimelineView(ApiView):
    permission_classes = [IsViewer]
    records_actor = False

    @extend_schema(
        operation_id="graph_timeline",
        responses={200: s.GraphTimelineOut, **_errors(503)},
        summary="The span time travel answers for: the earliest kept version up to now",
    )
    def get(self, request):
        return Response(s.GraphTimelineOut(time_travel.history_range()).data)


class NodesView(ApiView):
    permission_classes = [ViewerReadsEditorWrites]

    @extend_schema(
        operation_id="nodes_list", parameters=[s.NodeListQuery], responses={200: s.NodePageOut, **_errors(400)}
    )
    def get(self, request):
        filters = _node_filters(validated_query(s.NodeListQuery, request))
        return paginate(self, request, selectors.nodes_list(filters=filters))

    @extend_schema(
        operation_id="nodes_create", request=NodeCreateIn, responses={201: s.NodeOut, **_errors(400, 409, 413, 503)}
    )
    def post(self, request):
        data = validate(NodeCreateIn, request.data)
        node = services.node_create(node_type=data.pop("type"), node_id=data.pop("id", None), **data)
        return Response(selectors.node_get(node_id=node.id), status=status.HTTP_201_CREATED)


class NodeDetailView(ApiView):
    permission_classes = [ViewerReadsEditorWrites]

    @extend_schema(
        operation_id="nodes_retrieve",
        responses={200: s.NodeDetailOut, **_errors(404)},
        summary="A node with its edges, neighbours and recent history",
    )
    def get(self, request, node_id: str):
        detail = selectors.node_detail(node_id=node_id)
        if detail is None:
            raise NotFound(f"No node with id {node_id!r}.")
        return Response(detail)

    @extend_schema(
        operation_id="nodes_update",
        request=NodeUpdateIn,
        responses={200: s.NodeOut, **_errors(400, 404, 413, 503)},
        summary="Change fields; updated_at and freshness restart (freshness_score 1.0 unless given)",
    )
    def patch(self, request, node_id: str):
        changes = validate(NodeUpdateIn, request.data, partial=True)
        node = services.node_update(node_id=node_id, **changes)
        return Response(selectors.node_get(node_id=node.id))

    @extend_schema(
        operation_id="nodes_delete",
        request=None,
        responses={200: s.NodeDeletedOut, **_errors(404)},
        summary="Delete a node; its edges and embedding go with it (listed in history)",
    )
    def delete(self, request, node_id: str):
        return Response(services.node_delete(node_id=node_id))


class NodeCascadeView(ApiView):
    permission_classes = [IsEditor]  # only editors delete, so only they need to know what goes
    records_actor = False

    @extend_schema(
        operation_id="nodes_cascade",
        responses={200: s.NodeCascadeOut, **_errors(404)},
        summary="What deleting this node removes with it, and what it leaves pointing at nothing",
    )
    def get(self, request, node_id: str):
        found = selectors.node_cascade(node_id=node_id)
        if found is None:
            raise NotFound(f"No node with id {node_id!r}.")
        return Response(found)


class NodeVersionsView(ApiView):
    permission_classes = [IsViewer]
    records_actor = False

    @extend_schema(
        operation_id="nodes_versions",
        parameters=[s.VersionsQuery],
        responses={200: s.NodeVersionsOut, **_errors(400, 404)},
        summary="Every recorded version of a node, newest first (also after it was deleted)",
    )
    def get(self, request, node_id: str):
        page = page_window(validated_query(s.VersionsQuery, request))
        found = time_travel.node_versions(node_id=node_id, **page)
        if found is None:
            raise NotFound(f"No versions of a node with id {node_id!r}.")
        return Response(found)


class EdgesView(ApiView):
    permission_classes = [ViewerReadsEditorWrites]

    @extend_schema(
        operation_id="edges_list", parameters=[s.EdgeListQuery], responses={200: s.EdgePageOut, **_errors(400)}
    )
    def get(self, request):
        query = validated_query(s.EdgeListQuery, request)
        rows = selectors.edges_list(
            source_id=query.get("source_id"),
            target_id=query.get("target_id"),
            edge_type=query.get("edge_type"),
            node_id=query.get("node_id"),
        )
        return paginate(self, request, rows, selectors.edge_row)

    @extend_schema(
        operation_id="edges_create", request=EdgeCreateIn, responses={201: s.EdgeOut, **_errors(400, 409, 413)}
    )
    def post(self, request):
        data = validate(EdgeCreateIn, request.data)
        edge = services.edge_create(edge_type=data.pop("type"), edge_id=data.pop("id", None), **data)
        return Response(selectors.edge_get(edge_id=edge.id), status=status.HTTP_201_CREATED)


class EdgeDetailView(ApiView):
    permission_classes = [ViewerReadsEditorWrites]

    @extend_schema(operation_id="edges_retrieve", responses={200: s.EdgeOut, **_errors(404)})
    def get(self, request, edge_id: str):
        edge = selectors.edge_get(edge_id=edge_id)
        if edge is None:
            raise NotFound(f"No edge with id {edge_id!r}.")
        return Response(edge)

    @extend_schema(operation_id="edges_delete", request=None, responses={200: s.EdgeDeletedOut, **_errors(404)})
    def delete(self, request, edge_id: str):
        return Response(services.edge_delete(edge_id=edge_id))


class MutationsView(ApiView):
    permission_classes = [IsEditor]

    @extend_schema(
        operation_id="graph_mutations_apply",
        request=s.MutationBatchIn,
        responses={200: s.MutationBatchOut, **_errors(400, 404, 409, 413, 503)},
        summary="Apply a batch of mutations, all or nothing",
    )
    def post(self, request):
        body = json_object(request)
        unknown = sorted(set(body) - {"mutations"})
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in unknown})
        if "mutations" not in body:
            raise ValidationError({"mutations": ["This field is required."]})
        return Response({"results": services.mutations_apply(mutations=body["mutations"])})


class HistoryView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        operation_id="graph_history",
        parameters=[s.HistoryQuery],
        responses={200: s.HistoryPageOut, **_errors(400)},
        summary="Mutation history, newest first",
    )
    def get(self, request):
        query = validated_query(s.HistoryQuery, request)
        rows = selectors.history_list(node_id=query.get("node_id"), since=query.get("since"), until=query.get("until"))
        return paginate(self, request, rows)


class MetadataView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        operation_id="graph_metadata",
        responses={200: s.MetadataOut},
        summary="graph_metadata (organisation, hierarchy) and node/edge counts",
    )
    def get(self, request):
        return Response({"metadata": selectors.graph_metadata(), "counts": selectors.graph_counts()})


class SearchView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        operation_id="search",
        parameters=[s.SearchQuery],
        responses={200: s.SearchOut, **_errors(400, 503)},
        summary="Search nodes: hybrid (full-text + vector, reciprocal rank fusion), vector or text",
        description="503 `embeddings_stale` when stored vectors were made by another model than "
        "the configured one (run `python manage.py rebuild_embeddings --recreate`); "
        "mode=text still answers then.",
    )
    def get(self, request):
        query = validated_query(s.SearchQuery, request)
        results = search_nodes(
            query=query["q"],
            k=query["k"],
            threshold=query["threshold"],
            node_type=query.get("node_type"),
            mode=query["mode"],
            freshness_weight=query["freshness"],
        )
        return Response(
            {
                "query": query["q"],
                "k": query["k"],
                "threshold": query["threshold"],
                "type": query.get("node_type"),
                "mode": query["mode"],
                "freshness": query["freshness"],
                "provider": describe_provider(),
                "results": results,
            }
        )
