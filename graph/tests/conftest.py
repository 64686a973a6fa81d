import pytest

from graph.tests.helpers import Api


@pytest.fixture
def api(client, db):
    return Api(client)
