"""Region-scoped listings through kapok.access.policy.scoped() against raw SQL on the cursor.

The raw side fetches the same rows, in the same order, on Django's cursor, in two variants timed
side by side: the query a careful hand would write (a prefix condition the index can serve, see
bench.sql) and the very SQL the ORM generated; the faster one is the alternative. The ORM without
model instances (values_list) is recorded too, so that query shape, model instances and the rest
of the ORM can be told apart.
"""

from django.core.paginator import Paginator
from django.db import connection

from bench.measure import Result, compare, peak_memory, timed
from bench.sql import for_vendor, prefix_params
from kapok.access.policy import scoped
from kapok.audit.models import LogEntry
from kapok.units.models import Unit

PAGE_SIZE = 50  # kapok.audit.views.log_list

UNITS = {
    "sqlite": (
        "SELECT id, name, kind, region_id, parent_id, phone, is_active, created_at, updated_at"
        " FROM units_unit WHERE region_id >= %s AND region_id < %s"
        " ORDER BY region_id, kind, name"
    ),
    "postgresql": (
        "SELECT id, name, kind, region_id, parent_id, phone, is_active, created_at, updated_at"
        " FROM units_unit WHERE region_id LIKE %s ORDER BY region_id, kind, name"
    ),
}
_LOG_COLUMNS = (
    "SELECT id, created_at, actor_id, actor_name, unit_id, unit_name, action, object_type,"
    " object_id, object_repr, region_code, data, ip FROM audit_logentry"
)
LOG_ALL = {
    "sqlite": _LOG_COLUMNS + " WHERE region_code >= %s AND region_code < %s"
    " ORDER BY created_at DESC, id DESC",
    "postgresql": _LOG_COLUMNS + " WHERE region_code LIKE %s ORDER BY created_at DESC, id DESC",
}
LOG_PAGE = {vendor: sql + " LIMIT 50" for vendor, sql in LOG_ALL.items()}
LOG_COUNT = {
    "sqlite": "SELECT COUNT(*) FROM audit_logentry WHERE region_code >= %s AND region_code < %s",
    "postgresql": "SELECT COUNT(*) FROM audit_logentry WHERE region_code LIKE %s",
}


def _raw(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _orm_sql(queryset) -> tuple[str, tuple]:
    return queryset.query.get_compiler(using=queryset.db).as_sql()


def _values(queryset):
    return queryset.values_list(*[field.attname for field in queryset.model._meta.concrete_fields])


def _plan(sql: str, params) -> list[str]:
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    return [" ".join(map(str, row)) for row in _raw(explain + sql, params)]


def _best(raw_variants: dict[str, tuple], timings) -> tuple[str, object, object]:
    """The fastest of the raw variants: (label, timing, function)."""
    (label, fn), timing = min(
        zip(raw_variants.items(), timings, strict=True), key=lambda pair: pair[1].median
    )
    return label, timing, fn


def _compared(name, description, unit, times, ours, raw_variants, *, repeat, extra) -> Result:
    """Ours against the best of the raw variants, all timed in the same interleaved rounds."""
    ours_time, *raw_times = compare(ours, *raw_variants.values(), repeat=repeat)
    label, raw_time, raw_fn = _best(raw_variants, raw_times)
    extra["raw_variants_seconds_per_operation"] = {
        variant: timing.median / times
        for variant, timing in zip(raw_variants, raw_times, strict=True)
    }
    return Result(
        name=name,
        description=description,
        unit=unit,
        operations=times,
        ours=ours_time,
        alternative=raw_time,
        alternative_label=f"raw cursor, fetchall(): the faster of its variants, {label}",
        peak_ours=peak_memory(ours),
        peak_alternative=peak_memory(raw_fn),
        extra=extra,
    )


def _listing(
    name: str, description: str, queryset_of, raw_sql: str, prefix: str, *, times: int, repeat: int
) -> Result:
    params = prefix_params(prefix)
    rows = len(_raw(raw_sql, params))
    orm_sql, orm_params = _orm_sql(queryset_of())
    assert len(list(queryset_of())) == rows, "the raw query must fetch the same rows"

    def ours():
        for _ in range(times):
            list(queryset_of())

    def raw():
        for _ in range(times):
            _raw(raw_sql, params)

    def raw_same_sql():
        for _ in range(times):
            _raw(orm_sql, orm_params)

    def ours_values():
        for _ in range(times):
            list(_values(queryset_of()))

    result = _compared(
        name,
        description,
        f"listings of {rows} rows",
        times,
        ours,
        {"hand-written prefix SQL": raw, "the ORM's own SQL": raw_same_sql},
        repeat=repeat,
        extra={
            "rows": rows,
            "orm_sql": orm_sql,
            "plan_orm_sql": _plan(orm_sql, orm_params),
            "plan_raw_sql": _plan(raw_sql, params),
        },
    )
    result.extra["ours_values_list_seconds_per_operation"] = (
        timed(ours_values, repeat=3).median / times
    )
    result.extra["rows_per_s_ours"] = rows * result.ours_rate
    result.extra["rows_per_s_alternative"] = rows * result.alternative_rate
    return result


def _log_page(user, prefix: str, *, times: int, repeat: int) -> Result:
    """What the audit log page does: count the scoped entries, show the newest 50."""
    params = prefix_params(prefix)

    def queryset():
        return scoped(LogEntry.objects.all(), user)

    def ours():
        for _ in range(times):
            page = Paginator(queryset(), PAGE_SIZE).get_page(1)
            list(page.object_list)

    def raw():
        for _ in range(times):
            _raw(for_vendor(LOG_COUNT), params)
            _raw(for_vendor(LOG_PAGE), params)

    count_sql, count_params = _orm_sql(queryset().order_by())
    count_sql = "SELECT COUNT(*) FROM (" + count_sql + ") sub"  # noqa: S608 - Django's own SQL
    page_sql, page_params = _orm_sql(queryset()[:PAGE_SIZE])

    def raw_same_sql():
        for _ in range(times):
            _raw(count_sql, count_params)
            _raw(page_sql, page_params)

    def raw_mixed():
        for _ in range(times):
            _raw(for_vendor(LOG_COUNT), params)
            _raw(page_sql, page_params)

    total = _raw(for_vendor(LOG_COUNT), params)[0][0]
    assert total == queryset().count()
    return _compared(
        "audit log page (scoped)",
        f"count + newest {PAGE_SIZE} of a district's entries, as log_list does",
        "pages",
        times,
        ours,
        {
            "hand-written prefix SQL": raw,
            "the ORM's own SQL": raw_same_sql,
            "hand-written COUNT, the ORM's page query": raw_mixed,
        },
        repeat=repeat,
        extra={
            "entries_in_scope": total,
            "plan_orm_count": _plan(count_sql, count_params),
            "plan_raw_count": _plan(for_vendor(LOG_COUNT), params),
            "plan_orm_page": _plan(page_sql, page_params),
            "plan_raw_page": _plan(for_vendor(LOG_PAGE), params),
        },
    )


def run(world, *, repeat: int) -> list[Result]:
    district = world.district_user
    prefix = world.district_prefix
    return [
        _listing(
            "units a district sees",
            "scoped(Unit.objects.all(), district user), model instances",
            lambda: scoped(Unit.objects.all(), district),
            for_vendor(UNITS),
            prefix,
            times=20,
            repeat=repeat,
        ),
        _log_page(district, prefix, times=10, repeat=repeat),
        _listing(
            "audit entries a district sees",
            f"all of a district's entries of {world.log_entries} in the log, model instances",
            lambda: scoped(LogEntry.objects.all(), district),
            for_vendor(LOG_ALL),
            prefix,
            times=1,
            repeat=repeat,
        ),
    ]
