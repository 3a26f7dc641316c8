import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from kapok.accounts import actions
from kapok.accounts.errors import AccountError
from kapok.accounts.models import SecurityPolicy, User
from kapok.accounts.roles import (
    PERSONAL_DATA_CAPABILITIES,
    ROLE_CAPABILITIES,
    SEPARATED_ROLES,
    Capability,
    Role,
)
from kapok.audit.models import LogEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_every_role_has_capabilities():
    assert set(ROLE_CAPABILITIES) == set(Role)
    assert all(ROLE_CAPABILITIES[role] for role in Role)


def test_the_three_administrators_cannot_read_personal_data_or_cross_duties():
    sysadmin = ROLE_CAPABILITIES[Role.SYSTEM_ADMIN]
    secadmin = ROLE_CAPABILITIES[Role.SECURITY_ADMIN]
    auditor = ROLE_CAPABILITIES[Role.AUDITOR]
    for capabilities in (sysadmin, secadmin, auditor):
        assert not capabilities & PERSONAL_DATA_CAPABILITIES
    assert Capability.AUDIT_READ not in sysadmin | secadmin
    assert Capability.ACCOUNTS_MANAGE not in secadmin | auditor
    assert Capability.SECURITY_MANAGE not in sysadmin | auditor
    assert auditor == {Capability.AUDIT_READ}


@pytest.mark.parametrize(
    "roles",
    [
        [Role.SYSTEM_ADMIN, Role.AUDITOR],
        [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN],
        [Role.SECURITY_ADMIN, Role.AUDITOR, Role.CALLER],
    ],
)
def test_it_refuses_an_account_holding_two_of_the_three_administrator_roles(personas, roles):
    with pytest.raises(AccountError) as error:
        actions.create_user(
            actor=personas.sysadmin,
            username="both",
            full_name="两职",
            unit=personas.city_unit,
            roles=roles,
            password="a-long-enough-pass",
        )
    assert error.value.code == "separation_of_duties"
    assert not User.objects.filter(username="both").exists()
    assert len(SEPARATED_ROLES) == 3


def test_it_refuses_adding_a_second_administrator_role_to_an_existing_account(personas):
    with pytest.raises(AccountError):
        actions.update_user(
            actor=personas.sysadmin,
            user=personas.secadmin,
            full_name=personas.secadmin.full_name,
            unit=personas.city_unit,
            roles=[Role.SECURITY_ADMIN, Role.AUDITOR],
            phone="",
            email="",
        )
    assert personas.secadmin.role_grants.count() == 1


def test_the_system_admin_creates_an_account_and_it_is_audited(personas, login):
    client = login(personas.sysadmin)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "newworker",
            "full_name": "新社工",
            "unit": personas.community_unit.pk,
            "roles": [Role.COMMUNITY_WORKER],
            "phone": "13812345678",
            "password": "a-long-enough-pass",
        },
    )
    user = User.objects.get(username="newworker")
    assert response.status_code == 302
    assert user.roles == [Role.COMMUNITY_WORKER]
    entry = LogEntry.objects.get(action="accounts.user.created")
    assert entry.actor == personas.sysadmin
    assert entry.object_id == str(user.pk)
    assert entry.region_code == personas.community_unit.region_id


def test_a_district_admin_cannot_create_accounts_in_another_district(personas, login):
    client = login(personas.district_sysadmin)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "sneaky",
            "full_name": "越权",
            "unit": personas.outsider_unit.pk,
            "roles": [Role.DISTRICT_STAFF],
            "password": "a-long-enough-pass",
        },
    )
    assert response.status_code == 200  # the form refuses the unit: it is not a choice
    assert "unit" in response.context["form"].errors
    assert not User.objects.filter(username="sneaky").exists()
    with pytest.raises(PermissionDenied):
        actions.create_user(
            actor=personas.district_sysadmin,
            username="sneaky",
            full_name="越权",
            unit=personas.outsider_unit,
            roles=[Role.DISTRICT_STAFF],
            password="a-long-enough-pass",
        )


def test_a_system_admin_cannot_change_their_own_roles(personas):
    with pytest.raises(AccountError) as error:
        actions.update_user(
            actor=personas.sysadmin,
            user=personas.sysadmin,
            full_name="x",
            unit=personas.city_unit,
            roles=[Role.SYSTEM_ADMIN, Role.CITY_COMMANDER],
            phone="",
            email="",
        )
    assert error.value.code == "self_roles"


def test_roles_change_is_audited_with_before_and_after(personas):
    actions.update_user(
        actor=personas.sysadmin,
        user=personas.community,
        full_name=personas.community.full_name,
        unit=personas.community_unit,
        roles=[Role.COMMUNITY_WORKER, Role.CALLER],
        phone="",
        email="",
    )
    entry = LogEntry.objects.get(action="accounts.user.updated")
    assert entry.data["roles"] == [["COMMUNITY_WORKER"], ["CALLER", "COMMUNITY_WORKER"]]
    assert User.objects.get(pk=personas.community.pk).roles == [
        Role.CALLER,
        Role.COMMUNITY_WORKER,
    ]


def test_a_weak_password_is_refused_with_the_policy_length(personas):
    with pytest.raises(AccountError.__mro__[1]) as error:
        actions.reset_password(actor=personas.sysadmin, user=personas.community, password="short")
    assert "password_too_short" in [e.code for e in error.value.error_list]


def test_login_and_logout_are_audited_with_the_ip(client, personas):
    response = client.post(
        reverse("accounts:login"),
        {"username": "community", "password": PASSWORD},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    entry = LogEntry.objects.get(action="accounts.user.logged_in")
    assert entry.actor == personas.community
    assert entry.ip == "10.1.2.3"
    assert entry.unit_name == personas.community_unit.name
    client.post(reverse("accounts:logout"))
    assert LogEntry.objects.filter(action="accounts.user.logged_out").count() == 1


def test_a_failed_login_is_audited_and_the_password_is_not_stored(client, personas):
    response = client.post(
        reverse("accounts:login"), {"username": "community", "password": "wrong-guess"}
    )
    assert response.status_code == 200
    entry = LogEntry.objects.get(action="accounts.user.login_failed")
    assert entry.data == {"username": "community"}
    assert "wrong-guess" not in str(entry.data)
    assert entry.region_code == personas.community_unit.region_id


def test_a_failed_login_with_a_phone_as_username_is_masked(client, db):
    client.post(reverse("accounts:login"), {"username": "13812345678", "password": "x"})
    entry = LogEntry.objects.get(action="accounts.user.login_failed")
    assert entry.data == {"username": "138****5678"}


def test_the_account_locks_after_the_policy_number_of_failures(client, personas):
    SecurityPolicy.objects.update_or_create(id=1, defaults={"max_failed_logins": 3})
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": "community", "password": "bad"})
    user = User.objects.get(username="community")
    assert user.is_locked()
    assert LogEntry.objects.filter(action="accounts.user.locked").count() == 1
    response = client.post(
        reverse("accounts:login"), {"username": "community", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["__all__"][0].startswith("登录失败次数过多")
    assert "_auth_user_id" not in client.session


def test_a_lock_ends_after_the_lockout_time(client, personas):
    User.objects.filter(pk=personas.community.pk).update(
        failed_logins=5, locked_until=timezone.now() - timezone.timedelta(minutes=1)
    )
    response = client.post(
        reverse("accounts:login"), {"username": "community", "password": PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(pk=personas.community.pk)
    assert user.failed_logins == 0
    assert user.locked_until is None


def test_the_security_admin_changes_the_policy_and_it_takes_effect(personas, login):
    client = login(personas.secadmin)
    response = client.post(
        reverse("accounts:security_policy"),
        {
            "password_min_length": 14,
            "max_failed_logins": 4,
            "lockout_minutes": 30,
            "session_idle_minutes": 20,
        },
    )
    assert response.status_code == 302
    assert SecurityPolicy.current().password_min_length == 14
    entry = LogEntry.objects.get(action="accounts.security_policy.changed")
    assert entry.data["password_min_length"] == [10, 14]
    with pytest.raises(AccountError.__mro__[1]):
        actions.reset_password(
            actor=personas.sysadmin, user=personas.community, password="thirteen-char"
        )
    home = login(personas.community).get(reverse("web:home"))
    assert home.status_code == 200
    assert client.session.get_expiry_age() == 20 * 60


def test_the_security_policy_refuses_a_too_short_password_minimum(personas, login):
    response = login(personas.secadmin).post(
        reverse("accounts:security_policy"),
        {
            "password_min_length": 4,
            "max_failed_logins": 4,
            "lockout_minutes": 30,
            "session_idle_minutes": 20,
        },
    )
    assert response.status_code == 200
    assert SecurityPolicy.current().password_min_length == 10


def test_a_deactivated_account_cannot_log_in(client, personas):
    actions.set_user_active(actor=personas.sysadmin, user=personas.community, active=False)
    response = client.post(
        reverse("accounts:login"), {"username": "community", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert LogEntry.objects.filter(action="accounts.user.deactivated").count() == 1


def test_the_user_list_shows_only_accounts_of_the_admins_region(personas, login):
    response = login(personas.district_sysadmin).get(reverse("accounts:user_list"))
    usernames = {user.username for user in response.context["page"]}
    assert {"district", "street", "community", "district_sysadmin"} <= usernames
    assert "outsider" not in usernames
    assert "city" not in usernames


def test_createsuperuser_makes_a_system_admin_that_sees_no_personal_data(db):
    user = User.objects.create_superuser("root", "a-long-enough-pass")
    assert user.roles == [Role.SYSTEM_ADMIN]
    assert not user.can(Capability.PERSON_VIEW)
    assert user.can(Capability.ACCOUNTS_MANAGE)


def test_the_home_page_shows_cards_for_the_role(personas, login):
    response = login(personas.community).get(reverse("web:home"))
    shown = {card.capability for card in response.context["cards"]}
    assert Capability.VISIT_HOME in shown
    assert Capability.AUDIT_READ not in shown
    assert "上门探访" in response.content.decode()
    response = login(personas.auditor).get(reverse("web:home"))
    assert [card.capability for card in response.context["cards"]] == [Capability.AUDIT_READ]


def test_navigation_hides_pages_a_region_limited_admin_would_be_refused(personas, login):
    response = login(personas.district_sysadmin).get(reverse("web:home"))
    urls = [link.url_name for link in response.context["navigation"]]
    assert "accounts:user_list" in urls
    assert "site:task_list" not in urls
    response = login(personas.sysadmin).get(reverse("web:home"))
    assert "site:task_list" in [link.url_name for link in response.context["navigation"]]
