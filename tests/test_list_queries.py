"""List pages take the same number of queries however many rows they show (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kapok.accounts.roles import Role
from kapok.audit.actions import log_action
from tests.factories import UnitFactory, UserFactory, unit_for

pytestmark = pytest.mark.django_db


def queries_for(client, url) -> int:
    client.get(url)  # warm the per-process caches (security policy, region index)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_account_list(personas, login):
    client = login(personas.sysadmin)
    url = reverse("accounts:user_list")
    few = queries_for(client, url)
    for _ in range(20):
        UserFactory(unit=personas.community_unit, roles=[Role.CALLER, Role.COMMUNITY_WORKER])
    assert queries_for(client, url) == few <= 10


def test_the_unit_list(personas, login):
    client = login(personas.district)
    url = reverse("units:unit_list")
    few = queries_for(client, url)
    street = unit_for("白云区景泰街")
    for _ in range(20):
        UnitFactory(region=street.region, parent=street)
    assert queries_for(client, url) == few <= 8


def test_the_unit_page(personas, login):
    client = login(personas.district)
    url = reverse("units:unit_detail", args=[personas.street_unit.pk])
    few = queries_for(client, url)
    for _ in range(10):
        UserFactory(unit=personas.street_unit, roles=[Role.STREET_STAFF])
        UnitFactory(region=personas.community_unit.region, parent=personas.street_unit)
    assert queries_for(client, url) == few <= 10


def test_the_audit_log(personas, login):
    client = login(personas.auditor)
    url = reverse("audit:log_list")
    few = queries_for(client, url)
    for _ in range(30):
        log_action("units.unit.viewed", actor=personas.community, obj=personas.community_unit)
    assert queries_for(client, url) == few <= 8
