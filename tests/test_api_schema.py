"""Schemathesis over the API's own OpenAPI schema (/api/v1/openapi.json), called through the WSGI
application with a valid integration token: whatever it sends, valid or not, the API never
answers with a server error, and what it answers matches the schema."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from kapok.api.integrations import create_integration
from kapok.needs.actions import report_need
from tests.factories import PersonFactory, region

EXAMPLES = 20  # per operation and generation mode: about half a minute for the four


@pytest.fixture(autouse=True)
def _one_connection_per_test():
    """The WSGI application closes the database connection at the end of each request, as a
    server must; inside a test's transaction (PostgreSQL) that would close the test's own. The
    test client avoids it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(personas):
    """A district integration (region-limited, so scoping is exercised), with one need."""
    person = PersonFactory(name="张小明", residence_region=region("白云区松洲街螺涌"))
    person.set_id_number("44011119450312123X")
    person.save()
    report_need(person=person, kind="FOOD", urgency="normal", actor=personas.district)
    _integration, token = create_integration(actor=None, name="fuzz", user=personas.district)
    return token


# Read through the WSGI application, as a client reads it (the schema shows no records).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_the_api_never_answers_with_a_server_error(case, token):
    response = case.call(headers={"Authorization": f"Bearer {token}"})

    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
