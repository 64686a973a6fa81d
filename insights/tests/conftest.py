import pytest


@pytest.fixture
def seeded_embedded(seeded):
    """The mock organisation with every node embedded by the (offline) provider, as `make run` has it."""
    from graph.embedding_store import embed_nodes
    from graph.models import Node

    embed_nodes(list(Node.objects.all()))


@pytest.fixture
def openai_stand_in(settings):
    """OpenAI configured against a local HTTP stand-in; the response cache starts empty."""
    from insights import llm
    from insights.tests.openai_stand_in import OpenAIStandIn

    llm.cache_clear()
    with OpenAIStandIn() as stand_in:
        settings.OPENAI_API_KEY = "sk-stand-in-secret-key"
        settings.OPENAI_BASE_URL = stand_in.url
        settings.OPENAI_CHAT_MODEL = "gpt-4o-mini"
        settings.OPENAI_TIMEOUT_SECONDS = 2.0
        yield stand_in
    llm.cache_clear()
