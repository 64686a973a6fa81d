from django.contrib import admin

from graph.models import Edge, GraphMetadata, MutationHistory, Node, NodeEmbedding


class OutEdgeInline(admin.TabularInline):
    model = Edge
    fk_name = "source"
    fields = ("id", "type", "target", "weight", "animated")
    raw_id_fields = ("target",)
    extra = 0
    verbose_name_plural = "edges from this node"


class InEdgeInline(OutEdgeInline):
    fk_name = "target"
    fields = ("id", "type", "source", "weight", "animated")
    raw_id_fields = ("source",)
    verbose_name_plural = "edges to this node"


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ("id", "type", "label", "division", "health", "status", "freshness_score", "updated_at")
    list_filter = ("type", "division", "status", "health")
    search_fields = ("id", "label")
    ordering = ("id",)
    inlines = [OutEdgeInline, InEdgeInline]


@admin.register(Edge)
class EdgeAdmin(admin.ModelAdmin):
    list_display = ("id", "source", "type", "target", "weight", "animated")
    list_filter = ("type", "animated")
    search_fields = ("id", "source__id", "target__id", "source__label", "target__label")
    raw_id_fields = ("source", "target")
    list_select_related = ("source", "target")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse-only: these rows are written by NEXUS's services, not by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GraphMetadata)
class GraphMetadataAdmin(ReadOnlyAdmin):
    list_display = ("key", "updated_at")


@admin.register(NodeEmbedding)
class NodeEmbeddingAdmin(ReadOnlyAdmin):
    list_display = ("node", "text_content", "created_at")
    search_fields = ("node__id", "text_content")
    exclude = ("embedding",)  # thousands of floats are no use on a page


@admin.register(MutationHistory)
class MutationHistoryAdmin(ReadOnlyAdmin):
    list_display = ("id", "action", "node_id", "edge_id", "created_at")
    list_filter = ("action",)
    search_fields = ("node_id", "edge_id")
