"""Integrations of the needs API, kept by system administrators: made for an existing account
with the token shown once, listed by region, revoked (audited); and `kapok integrations`."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kapok.api.integrations import create_integration, hash_token
from kapok.api.models import Integration
from kapok.audit.models import LogEntry

pytestmark = pytest.mark.django_db


def test_an_administrator_makes_an_integration_and_sees_its_token_once(login, personas):
    client = login(personas.sysadmin)

    response = client.post(
        reverse("integrations:create"), {"name": "12345 热线", "user": personas.district.username}
    )

    assert response.status_code == 200
    integration = Integration.objects.get()
    token = response.context["token"]
    assert token in response.content.decode()
    assert integration.user == personas.district
    assert integration.created_by == personas.sysadmin
    assert integration.token_hash == hash_token(token)
    assert token not in client.get(reverse("integrations:list")).content.decode()
    created = LogEntry.objects.get(action="api.integration.created")
    assert created.actor == personas.sysadmin
    assert token not in str(created.data)


def test_the_new_token_works_on_the_api(login, personas, client):
    response = login(personas.sysadmin).post(
        reverse("integrations:create"), {"name": "12345", "user": personas.district.username}
    )
    client.logout()

    answer = client.get(
        "/api/v1/needs", headers={"Authorization": f"Bearer {response.context['token']}"}
    )

    assert answer.status_code == 200


def test_a_district_administrator_only_chooses_accounts_of_the_district(login, personas):
    client = login(personas.district_sysadmin)

    refused = client.post(
        reverse("integrations:create"), {"name": "荔湾", "user": personas.outsider.username}
    )
    form = client.get(reverse("integrations:create")).context["form"]

    assert refused.status_code == 200
    assert "user" in refused.context["form"].errors
    assert not Integration.objects.exists()
    assert personas.district in form.fields["user"].queryset
    assert personas.outsider not in form.fields["user"].queryset


def test_a_name_is_used_once(login, personas):
    create_integration(actor=None, name="12345", user=personas.district)

    response = login(personas.sysadmin).post(
        reverse("integrations:create"), {"name": "12345", "user": personas.street.username}
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Integration.objects.count() == 1


def test_the_list_shows_the_administrators_region_only(login, personas):
    create_integration(actor=None, name="白云 12345", user=personas.district)
    create_integration(actor=None, name="荔湾 12345", user=personas.outsider)

    city = login(personas.sysadmin).get(reverse("integrations:list")).content.decode()
    district = login(personas.district_sysadmin).get(reverse("integrations:list"))

    assert "白云 12345" in city
    assert "荔湾 12345" in city
    assert [i.name for i in district.context["integrations"]] == ["白云 12345"]


def test_revoking_stops_the_token_and_is_audited(login, personas, client):
    integration, token = create_integration(actor=None, name="12345", user=personas.district)

    response = login(personas.sysadmin).post(reverse("integrations:revoke", args=[integration.pk]))

    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.revoked_at is not None
    entry = LogEntry.objects.get(action="api.integration.revoked")
    assert entry.actor == personas.sysadmin
    assert token not in str(entry.data)
    client.logout()
    answer = client.get("/api/v1/needs", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


def test_another_regions_integration_cannot_be_revoked(login, personas):
    integration, _token = create_integration(actor=None, name="荔湾", user=personas.outsider)

    response = login(personas.district_sysadmin).post(
        reverse("integrations:revoke", args=[integration.pk])
    )

    assert response.status_code == 404
    integration.refresh_from_db()
    assert integration.revoked_at is None


@pytest.mark.parametrize("persona", ["district", "auditor", "secadmin", "city"])
def test_people_who_do_not_manage_accounts_are_refused(login, personas, persona):
    client = login(getattr(personas, persona))

    assert client.get(reverse("integrations:list")).status_code == 403
    assert client.get(reverse("integrations:create")).status_code == 403


def test_the_command_line_adds_lists_and_revokes(personas):
    out = io.StringIO()

    call_command("integrations", "add", "12345 热线", "--user", "district", stdout=out)
    token = out.getvalue().rsplit(" ", 1)[-1].strip()
    listing = io.StringIO()
    call_command("integrations", "list", stdout=listing)
    call_command("integrations", "revoke", "12345 热线", stdout=io.StringIO())

    integration = Integration.objects.get()
    assert integration.token_hash == hash_token(token)
    assert "12345 热线" in listing.getvalue()
    assert "district" in listing.getvalue()
    assert token not in listing.getvalue()
    assert integration.revoked_at is not None
    with pytest.raises(CommandError):
        call_command("integrations", "add", "x", "--user", "nobody", stdout=io.StringIO())
