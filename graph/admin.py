"""The graph in the Django admin. Node and edge forms save through the graph services, so an admin
edit gets the same validation, history (with the admin as actor), embedding and realtime event as
an API write."""

from collections.abc import Callable

from django import forms
from django.contrib import admin
from django.db import transaction

from common.actor import acting_as
from common.errors import Invalid
from graph import services
from graph.models import Edge, GraphMetadata, MutationHistory, Node, NodeEmbedding
from graph.validation import EdgeCreateIn, NodeCreateIn, NodeUpdateIn, validate

NODE_FORM_FIELDS = (
    "id",
    "type",
    "label",
    "division",
    "department",
    "team",
    "health",
    "status",
    "size",
    "x",
    "y",
    "freshness_score",
    "half_life_days",
    "source_type",
    "source_id",
    "extras",
)


def _blank_to_none(value):
    return None if value == "" else value


def _add_service_errors(form, exc: Invalid) -> None:
    if not exc.fields:
        form.add_error(None, exc.message)
        return
    for name, messages in exc.fields.items():
        field = name if name in form.fields else None
        for message in messages:
            form.add_error(field, str(message))


class NodeAdminForm(forms.ModelForm):
    class Meta:
        model = Node
        fields = NODE_FORM_FIELDS

    def service_input(self) -> dict:
        """New node: the fields filled in (the rest take the database defaults). Change: what changed."""
        if self.instance._state.adding:
            values = {name: _blank_to_none(self.cleaned_data.get(name)) for name in self.fields}
            return {name: value for name, value in values.items() if value is not None}
        return {
            name: _blank_to_none(self.cleaned_data.get(name)) for name in self.changed_data if name in self.cleaned_data
        }

    def clean(self):
        cleaned = super().clean()
        data = self.service_input()
        try:
            if self.instance._state.adding:
                validate(NodeCreateIn, data)
            else:
                data.pop("id", None)
                validate(NodeUpdateIn, data, partial=True)
        except Invalid as exc:
            _add_service_errors(self, exc)
        return cleaned


class EdgeAdminForm(forms.ModelForm):
    class Meta:
        model = Edge
        fields = ("id", "source", "target", "type", "weight", "animated", "extras")

    def service_input(self) -> dict:
        data = {name: _blank_to_none(self.cleaned_data.get(name)) for name in self.Meta.fields}
        for end in ("source", "target"):
            data[end] = data[end].pk if data[end] is not None else None
        return {name: value for name, value in data.items() if value is not None}  # unset: the service's default

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                validate(EdgeCreateIn, self.service_input())
            except Invalid as exc:
                _add_service_errors(self, exc)
        return cleaned


class OutEdgeInline(admin.TabularInline):
    model = Edge
    fk_name = "source"
    fields = ("id", "type", "target", "weight", "animated")
    raw_id_fields = ("target",)
    extra = 0
    verbose_name_plural = "edges from this node"
    # Shown, not edited here: edges are added and removed on the edge pages (through the services).
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class InEdgeInline(OutEdgeInline):
    fk_name = "target"
    fields = ("id", "type", "source", "weight", "animated")
    raw_id_fields = ("source",)
    verbose_name_plural = "edges to this node"


class DeleteThroughServices:
    """Deletes one row or a selection through the graph service named by ``delete_service``,
    with the signed-in admin as actor."""

    delete_service: Callable[[str], object] | None = None  # set by each admin

    def delete_model(self, request, obj):
        self.delete_queryset(request, type(obj).objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        with acting_as(request.user.get_username()), transaction.atomic():
            assert self.delete_service is not None
            for pk in queryset.values_list("pk", flat=True):
                self.delete_service(pk)


@admin.register(Node)
class NodeAdmin(DeleteThroughServices, admin.ModelAdmin):
    list_display = ("id", "type", "label", "division", "health", "status", "freshness_score", "updated_at")
    list_filter = ("type", "division", "status", "health")
    search_fields = ("id", "label")
    ordering = ("id",)
    inlines = [OutEdgeInline, InEdgeInline]
    form = NodeAdminForm

    def get_readonly_fields(self, request, obj=None):
        return ("id", "created_at", "updated_at") if obj is not None else ("created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        data = form.service_input()
        with acting_as(request.user.get_username()), transaction.atomic():
            if change:
                data.pop("id", None)
                node = services.node_update(node_id=obj.pk, **data) if data else obj
            else:
                node = services.node_create(node_type=data.pop("type"), node_id=data.pop("id", None), **data)
        obj.pk = node.pk
        obj.refresh_from_db()

    delete_service = staticmethod(lambda pk: services.node_delete(node_id=pk))


@admin.register(Edge)
class EdgeAdmin(DeleteThroughServices, admin.ModelAdmin):
    list_display = ("id", "source", "type", "target", "weight", "animated")
    list_filter = ("type", "animated")
    search_fields = ("id", "source__id", "target__id", "source__label", "target__label")
    raw_id_fields = ("source", "target")
    list_select_related = ("source", "target")
    form = EdgeAdminForm

    def has_change_permission(self, request, obj=None):
        return False  # an edge is created or deleted (there is no edge update in the services)

    def save_model(self, request, obj, form, change):
        with acting_as(request.user.get_username()):
            data = form.service_input()
            edge = services.edge_create(edge_type=data.pop("type"), edge_id=data.pop("id", None), **data)
        obj.pk = edge.pk
        obj.refresh_from_db()

    delete_service = staticmethod(lambda pk: services.edge_delete(edge_id=pk))


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
    list_display = ("id", "action", "node_id", "edge_id", "actor", "created_at")
    list_filter = ("action", "actor")
    search_fields = ("node_id", "edge_id")
