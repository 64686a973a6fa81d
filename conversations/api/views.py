from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from common.accounts.permissions import IsViewer
from common.api import ApiView, validated_body
from common.api_schema import ErrorOut
from common.pagination import PageQuery, paginate
from conversations import selectors, services
from conversations.api import serializers as s


class AskView(ApiView):
    permission_classes = [IsViewer]
    throttle_scope = "ask"  # calls the LLM: rate-limited per user

    @extend_schema(
        request=s.AskIn,
        responses={200: s.AskOut, 400: ErrorOut, 404: ErrorOut},
        summary="Ask NEXUS a question; pass conversation_id for a follow-up",
    )
    def post(self, request):
        body = validated_body(s.AskIn, request)
        result = services.answer_question(
            question=body["question"], conversation_id=body.get("conversation_id") or None
        )
        return Response(result, status=status.HTTP_200_OK)


class ConversationDetailView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(responses={200: s.ConversationOut, 404: ErrorOut}, summary="All turns of one conversation")
    def get(self, request, conversation_id: str):
        conversation = selectors.conversation_detail(conversation_id=conversation_id)
        if conversation is None:
            raise exceptions.NotFound(f"No conversation with id {conversation_id!r}.")
        return Response(conversation)


class ConversationListView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        parameters=[PageQuery],
        responses={200: s.ConversationPageOut, 400: ErrorOut},
        operation_id="conversations_list",
        summary="Recent conversations: one row each with the last turn and the turn count",
    )
    def get(self, request):
        return paginate(self, request, selectors.conversations_recent(), page_mapper=selectors.conversation_summaries)
