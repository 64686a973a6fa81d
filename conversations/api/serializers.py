"""Request validation and response shapes of the Ask API (``<Thing>In`` / ``<Thing>Out``; the
OpenAPI component names are the ones these shapes had before they were named this way)."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from common.api_schema import page_of

QUESTION_MAX_CHARS = 2_000


@extend_schema_serializer(component_name="AskRequest")
class AskIn(serializers.Serializer):
    question = serializers.CharField(max_length=QUESTION_MAX_CHARS, trim_whitespace=True)
    conversation_id = serializers.CharField(max_length=200, required=False, allow_null=True, allow_blank=True)


@extend_schema_serializer(component_name="Citation")
class CitationOut(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    current_freshness = serializers.FloatField(allow_null=True, help_text="null when the node's freshness is unknown")
    similarity = serializers.FloatField(allow_null=True)


@extend_schema_serializer(component_name="AskResponse")
class AskOut(serializers.Serializer):
    conversation_id = serializers.CharField()
    question = serializers.CharField()
    interpreted_as = serializers.CharField(help_text="the question after follow-up resolution")
    answer = serializers.CharField()
    mode = serializers.ChoiceField(choices=["offline", "llm"])
    source = serializers.ChoiceField(choices=["llm", "ask_cache", "graph"])  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    citations = CitationOut(many=True)
    abstained = serializers.BooleanField(help_text="nothing in the graph is about the question: no citations")
    looked_for = serializers.ListField(
        child=serializers.CharField(), help_text="the question's key terms and the people/teams/agents it names"
    )
    turns = serializers.ListField(child=serializers.IntegerField(), help_text="seq of the user and assistant turns")


@extend_schema_serializer(component_name="Turn")
class TurnOut(serializers.Serializer):
    seq = serializers.IntegerField()
    role = serializers.CharField()
    content = serializers.CharField()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="Conversation")
class ConversationOut(serializers.Serializer):
    id = serializers.CharField()
    turns = TurnOut(many=True)


@extend_schema_serializer(component_name="ConversationSummary")
class ConversationSummaryOut(serializers.Serializer):
    id = serializers.CharField()
    turn_count = serializers.IntegerField()
    last_at = serializers.DateTimeField()
    last_turn = TurnOut(allow_null=True)


ConversationPageOut = page_of("ConversationPage", ConversationSummaryOut(many=True))
