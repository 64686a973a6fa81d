from django.urls import path

from graph.api import views

urlpatterns = [
    path("graph", views.GraphView.as_view(), name="graph"),
    path("graph/mutations", views.MutationsView.as_view(), name="graph-mutations"),
    path("graph/diff", views.GraphDiffView.as_view(), name="graph-diff"),
    path("graph/timeline", views.GraphTimelineView.as_view(), name="graph-timeline"),
    path("graph/history", views.HistoryView.as_view(), name="graph-history"),
    path("graph/metadata", views.MetadataView.as_view(), name="graph-metadata"),
    path("nodes", views.NodesView.as_view(), name="nodes"),
    path("nodes/<str:node_id>/cascade", views.NodeCascadeView.as_view(), name="node-cascade"),
    path("nodes/<str:node_id>/versions", views.NodeVersionsView.as_view(), name="node-versions"),
    path("nodes/<str:node_id>", views.NodeDetailView.as_view(), name="node-detail"),
    path("edges", views.EdgesView.as_view(), name="edges"),
    path("edges/<str:edge_id>", views.EdgeDetailView.as_view(), name="edge-detail"),
    path("search", views.SearchView.as_view(), name="search"),
]
