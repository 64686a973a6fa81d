from rest_framework import serializers

from common.api_schema import page_of

QUESTION_MAX_CHARS = 2_000


class AskRequestSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=QUESTION_MAX_CHARS, trim_whitespace=True)
    conversation_id = serializers.CharField(max_length=200, required=False, allow_null=True, allow_blank=True)


class CitationSerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    current_freshness = serializers.FloatField(allow_null=True, help_text="null when the node's freshness is unknown")
    similarity = serializers.FloatField(allow_null=True)


class AskResponseSerializer(serializers.Serializer):
    conversation_id = serializers.CharField()
    question = serializers.CharField()
    interpreted_as = serializers.CharField(help_text="the question after follow-up resolution")
    answer = serializers.CharField()
    mode = serializers.ChoiceField(choices=["offline", "llm"])
    source = serializers.ChoiceField(choices=["llm", "ask_cache", "graph"])  # type: ignore[assignment]  # a field, not the attribute: DRF's metaclass moves it off the class
    citations = CitationSerializer(many=True)
    abstained = serializers.BooleanField(help_text="nothing in the graph is about the question: no citations")
    looked_for = serializers.ListField(
        child=serializers.CharField(), help_text="the question's key terms and the people/teams/agents it names"
    )
    turns = serializers.ListField(child=serializers.IntegerField(), help_text="seq of the user and assistant turns")


class TurnSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    role = serializers.CharField()
    content = serializers.CharField()
    created_at = serializers.DateTimeField()


class ConversationSerializer(serializers.Serializer):
    id = serializers.CharField()
    turns = TurnSerializer(many=True)


class ConversationSummarySerializer(serializers.Serializer):
    id = serializers.CharField()
    turn_count = serializers.IntegerField()
    last_at = serializers.DateTimeField()
    last_turn = TurnSerializer(allow_null=True)


ConversationPageSerializer = page_of("ConversationPage", ConversationSummarySerializer(many=True))
