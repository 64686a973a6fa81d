import pytest

from graph.tests.helpers import Api
from tests.actors import signed_in


@pytest.fixture
def api(db):
    """JSON calls as a signed-in editor (every graph read and write)."""
    return Api(signed_in("editor"))
