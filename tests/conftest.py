import os

import pytest
from django.core.cache import cache

from kapok.accounts.roles import Role
from kapok.regions.loading import BUNDLED, load_regions
from kapok.regions.lookup import invalidate_index
from tests.factories import PASSWORD, UserFactory, unit_for


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database holds Guangzhou's division codes, as a real site does."""
    with django_db_blocker.unblock():
        load_regions(BUNDLED["guangzhou"].read_text(encoding="utf-8"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends with the database flushed, Guangzhou's codes with it: load them
    again for the tests that follow."""
    result = yield
    marker = item.get_closest_marker("django_db")
    # After the last test the test database is already gone: nothing follows to need the codes.
    if nextitem is not None and marker is not None and marker.kwargs.get("transaction"):
        from pytest_django.plugin import blocking_manager_key

        from kapok.regions.models import Region

        with item.config.stash[blocking_manager_key].unblock():
            if not Region.objects.exists():
                load_regions(BUNDLED["guangzhou"].read_text(encoding="utf-8"))
    return result


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches():
    invalidate_index()
    cache.clear()
    yield
    invalidate_index()


def pytest_report_header(config):
    from django.conf import settings

    return f"kapok database: {settings.DATABASES['default']['ENGINE']}"


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests run in the PostgreSQL pass; in CI they must not silently vanish."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if on_postgres:
        return
    skip = pytest.mark.skip(reason="PostgreSQL only: runs in the PostgreSQL pass of make test")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


class Personas:
    """People at each level of 白云区, and an outsider in 荔湾区."""

    password = PASSWORD

    def __init__(self):
        self.city_unit = unit_for("广州市", name="广州市民政局")
        self.district_unit = unit_for("白云区", name="白云区民政局", parent=self.city_unit)
        self.street_unit = unit_for(
            "白云区松洲街", name="松洲街道办事处", parent=self.district_unit
        )
        self.community_unit = unit_for("白云区松洲街螺涌", parent=self.street_unit)
        self.outsider_unit = unit_for("荔湾区", name="荔湾区民政局", parent=self.city_unit)
        self.city = UserFactory(username="city", unit=self.city_unit, roles=[Role.CITY_COMMANDER])
        self.district = UserFactory(
            username="district", unit=self.district_unit, roles=[Role.DISTRICT_STAFF]
        )
        self.street = UserFactory(
            username="street", unit=self.street_unit, roles=[Role.STREET_STAFF]
        )
        self.community = UserFactory(
            username="community", unit=self.community_unit, roles=[Role.COMMUNITY_WORKER]
        )
        self.outsider = UserFactory(
            username="outsider", unit=self.outsider_unit, roles=[Role.DISTRICT_STAFF]
        )
        self.sysadmin = UserFactory(
            username="sysadmin", unit=self.city_unit, roles=[Role.SYSTEM_ADMIN]
        )
        self.secadmin = UserFactory(
            username="secadmin", unit=self.city_unit, roles=[Role.SECURITY_ADMIN]
        )
        self.auditor = UserFactory(username="auditor", unit=self.city_unit, roles=[Role.AUDITOR])
        self.district_sysadmin = UserFactory(
            username="district_sysadmin", unit=self.district_unit, roles=[Role.SYSTEM_ADMIN]
        )
        self.outsider_sysadmin = UserFactory(
            username="outsider_sysadmin", unit=self.outsider_unit, roles=[Role.SYSTEM_ADMIN]
        )
        self.outsider_auditor = UserFactory(
            username="outsider_auditor", unit=self.outsider_unit, roles=[Role.AUDITOR]
        )


@pytest.fixture
def personas(db):
    return Personas()


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture(scope="session")
def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"
