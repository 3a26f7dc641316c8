"""The throw-away database the benchmarks run on, and the data they need in it.

SQLite: a file in a temporary directory. PostgreSQL: a database named kapok_bench, created on the
server the given URL points at and dropped afterwards; no other database is touched.
"""

import os
import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

BENCH_DATABASE = "kapok_bench"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# The PostgreSQL database the test suite uses: never created, emptied or dropped here.
PROTECTED_DATABASES = {"test"}


@dataclass(frozen=True)
class Target:
    vendor: str  # "sqlite" or "postgresql"
    url: str  # what Django connects to


def _postgres_admin(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def _drop(admin_url: str) -> None:
    with _postgres_admin(admin_url) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")


@contextmanager
def throwaway_database(postgres_url: str | None) -> Iterator[Target]:
    """Point Kapok's settings at a fresh, empty database; must run before django.setup()."""
    with tempfile.TemporaryDirectory(prefix="kapok-bench-") as tmp:
        # Secrets are generated into the temporary directory, not the project's var/.
        os.environ["DJANGO_SETTINGS_MODULE"] = "kapok.settings"
        os.environ["KAPOK_VAR_DIR"] = tmp
        os.environ["KAPOK_ENV"] = "development"
        os.environ["KAPOK_DEBUG"] = "false"  # with DEBUG on Django would keep every query
        os.environ.setdefault("KAPOK_LOG_LEVEL", "WARNING")
        if postgres_url is None:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            os.environ["KAPOK_DATABASE_URL"] = url
            yield Target("sqlite", url)
            return
        parts = urlsplit(postgres_url)
        admin_db = parts.path.lstrip("/") or "postgres"
        if admin_db == BENCH_DATABASE or admin_db in PROTECTED_DATABASES:
            raise SystemExit(
                f"--postgres wants the server's maintenance database (…/postgres), "
                f"not {admin_db!r}: the benchmark creates and drops its own {BENCH_DATABASE}"
            )
        url = urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))
        _drop(postgres_url)  # left over from an interrupted run
        with _postgres_admin(postgres_url) as admin:
            admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
        os.environ["KAPOK_DATABASE_URL"] = url
        try:
            yield Target("postgresql", url)
        finally:
            from django.db import connections

            connections.close_all()
            _drop(postgres_url)


@dataclass
class World:
    """What the benchmarks look at, made once."""

    city_user: object
    district_user: object  # 白云区民政局
    street_user: object  # 松洲街道
    district_prefix: str
    log_entries: int
    units: int
    setup_seconds: dict


COPY_LOG_ENTRIES = (
    "COPY audit_logentry (created_at, actor_id, actor_name, unit_id, unit_name, action,"
    " object_type, object_id, object_repr, region_code, data, ip) FROM STDIN"
)
ACTIONS = (
    "person.viewed",
    "person.changed",
    "person.unmasked",
    "need.created",
    "need.resolved",
    "visit.recorded",
    "accounts.login",
    "roster.imported",
)


def _make_units():
    """One administrative unit per region below the province, parents first."""
    from kapok.regions.models import Region
    from kapok.units.models import Unit

    unit_of: dict[str, Unit] = {}
    for level in (Region.Level.CITY, Region.Level.DISTRICT, Region.Level.STREET):
        level_units = []
        for region in Region.objects.filter(level=level).order_by("code"):
            name = f"{region.name}民政局" if level <= Region.Level.DISTRICT else region.name
            level_units.append(
                Unit(
                    name=name,
                    kind=Unit.ADMINISTRATIVE_KIND_BY_LEVEL[level],
                    region=region,
                    parent=unit_of.get(region.parent_id),
                )
            )
        for unit in Unit.objects.bulk_create(level_units, batch_size=500):
            unit_of[unit.region_id] = unit
    communities = [
        Unit(
            name=region.name,
            kind=Unit.Kind.COMMUNITY_COMMITTEE,
            region_id=region.code,
            parent=unit_of[region.parent_id],
        )
        for region in Region.objects.filter(level=Region.Level.COMMUNITY).order_by("code")
    ]
    Unit.objects.bulk_create(communities, batch_size=500)
    return unit_of


def _make_user(username: str, full_name: str, unit):
    from kapok.accounts.models import User

    user = User(username=username, full_name=full_name, unit=unit)
    user.set_unusable_password()  # hashing a real password costs a second: not measured here
    user.save()
    return User.objects.select_related("unit__region").get(pk=user.pk)


def _make_log_entries(count: int, users: list, rng: random.Random) -> None:
    """Entries spread over 90 days and every community of the city, as the log would hold.

    Written with executemany (COPY on PostgreSQL): set-up is not what is measured here.
    """
    import json

    from django.db import connection, transaction
    from django.utils import timezone

    from bench.audit import INSERT
    from kapok.units.models import Unit

    communities = list(
        Unit.objects.filter(kind=Unit.Kind.COMMUNITY_COMMITTEE).values_list(
            "id", "name", "region_id"
        )
    )
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    rows = []
    for number in range(count):
        actor = rng.choice(users)
        unit_id, unit_name, region_code = rng.choice(communities)
        phone = f"1{rng.randint(3, 9)}{rng.randint(0, 9)}****{rng.randint(0, 9999):04d}"
        rows.append(
            (
                adapt(now - timedelta(seconds=rng.uniform(0, 90 * 86400))),
                actor.pk,
                actor.full_name,
                actor.unit_id,
                actor.unit.name,
                rng.choice(ACTIONS),
                "units.unit",
                str(unit_id),
                unit_name,
                region_code,
                json.dumps({"phone": phone, "note": f"第{number}次回访，已联系"}),
                f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            )
        )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(COPY_LOG_ENTRIES) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(INSERT[connection.vendor], rows)


def _analyze() -> None:
    """Fresh planner statistics, as a database in service has; both sides profit alike."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def build_world(*, log_entries: int, rng: random.Random) -> World:
    import time

    from django.core.management import call_command

    from kapok.regions.loading import BUNDLED, load_regions

    seconds = {}
    start = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    seconds["migrate"] = time.perf_counter() - start

    start = time.perf_counter()
    load_regions(BUNDLED["guangzhou"].read_text(encoding="utf-8"))
    seconds["load_regions"] = time.perf_counter() - start

    start = time.perf_counter()
    unit_of = _make_units()
    baiyun = unit_of["440111000000"]
    users = [
        _make_user("city", "陈指挥", unit_of["440100000000"]),
        _make_user("baiyun", "黄区干", baiyun),
        _make_user("songzhou", "梁街干", unit_of["440111003000"]),
        _make_user("liwan", "李区干", unit_of["440103000000"]),
    ]
    seconds["units_and_users"] = time.perf_counter() - start

    start = time.perf_counter()
    _make_log_entries(log_entries, users, rng)
    _analyze()
    seconds["log_entries"] = time.perf_counter() - start

    from kapok.units.models import Unit

    return World(
        city_user=users[0],
        district_user=users[1],
        street_user=users[2],
        district_prefix=baiyun.region.prefix,
        log_entries=log_entries,
        units=Unit.objects.count(),
        setup_seconds=seconds,
    )
