from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from common.accounts.permissions import IsViewer
from common.api import ApiView
from common.api_schema import ErrorOut
from common.pagination import PageQuery, paginate
from conversations import selectors, services
from conversations.api import serializers as s

ERROR = ErrorOut  # the shared {"error": {...}} shape (common.api_errors)


class AskView(ApiView):
    permission_classes = [IsViewer]
    throttle_scope = "ask"  # calls the LLM: rate-limited per user

    @extend_schema(
        request=s.AskRequestSerializer,
        responses={200: s.AskResponseSerializer, 400: ERROR, 404: ERROR},
        summary="Ask NEXUS a question; pass conversation_id for a follow-up",
    )
    def post(self, request):
        body = s.AskRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.answer_question(
            question=body.validated_data["question"], conversation_id=body.validated_data.get("conversation_id") or None
        )
        return Response(result, status=status.HTTP_200_OK)


def _turn(t) -> dict:
    return {"seq": t.seq, "role": t.role, "content": t.content, "created_at": t.created_at}


class ConversationDetailView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(responses={200: s.ConversationSerializer, 404: ERROR}, summary="All turns of one conversation")
    def get(self, request, conversation_id: str):
        turns = [_turn(t) for t in selectors.conversation_turns(conversation_id=conversation_id)]
        if not turns:
            raise exceptions.NotFound(f"No conversation with id {conversation_id!r}.")
        return Response({"id": conversation_id, "turns": turns})


class ConversationListView(ApiView):
    permission_classes = [IsViewer]

    @extend_schema(
        parameters=[PageQuery],
        responses={200: s.ConversationPageSerializer, 400: ERROR},
        operation_id="conversations_list",
        summary="Recent conversations: one row each with the last turn and the turn count",
    )
    def get(self, request):
        return paginate(self, request, selectors.conversations_recent(), page_mapper=_with_last_turns)


def _with_last_turns(page: list[dict]) -> list[dict]:
    last = selectors.last_turns(conversation_ids=[r["id"] for r in page], seqs=[r["last_seq"] for r in page])
    return [
        {
            "id": r["id"],
            "turn_count": r["turn_count"],
            "last_at": r["last_at"],
            "last_turn": _turn(last[r["id"]]) if r["id"] in last else None,
        }
        for r in page
    ]
