# The same fixtures as the insights tests: the embedded mock organisation and the OpenAI stand-in.
from insights.tests.conftest import openai_stand_in, seeded_embedded  # noqa: F401
