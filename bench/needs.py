"""Needs: reporting (routing, deadlines, audit, outbox) and the overdue sweep, against the raw
database doing the bare minimum of the same work.

- report: ``report_need`` for people spread over the city's communities — it routes each to its
  community committee, works out the deadlines, writes the need, its audit entries and its
  outbox rows (every community has an SMS channel and one duty person here) — against one
  multi-row INSERT of the same needs on the cursor (no routing, no audit, no outbox).
- sweep: ``sweep_overdue`` escalating every overdue need once (one transaction per need, a
  conditional UPDATE on its version, an Escalation row, an audit entry and outbox rows each) —
  against one set-based UPDATE that raises every overdue need's level (no record of the breach,
  nobody told, no guard against a second sweep).
"""

import datetime as dt
import random

from django.db import connection
from django.utils import timezone

from bench.measure import Result, compare, peak_memory

LABEL_REPORT = "one executemany INSERT of the same needs (no routing, audit or outbox)"
LABEL_SWEEP = "one set-based UPDATE of every overdue need (no record, nobody told, no guard)"


def _people(rng: random.Random, count: int):
    from kapok.regions.models import Region
    from kapok.registry.models import Person

    communities = list(
        Region.objects.filter(level=Region.Level.COMMUNITY).values_list("code", flat=True)
    )
    rng.shuffle(communities)
    chosen = communities[: max(1, count // 4)]
    return Person.objects.bulk_create(
        [
            Person(name=f"基准{n}号", residence_region_id=rng.choice(chosen), phones=[])
            for n in range(count)
        ],
        batch_size=1000,
    )


def _channels(people) -> None:
    from kapok.notifications.models import ChannelKind, DutyPerson, UnitChannel
    from kapok.units.models import Unit

    codes = {person.residence_region_id for person in people}
    units = list(Unit.objects.filter(region_id__in=codes, kind=Unit.Kind.COMMUNITY_COMMITTEE))
    UnitChannel.objects.bulk_create(
        [UnitChannel(unit=unit, kind=ChannelKind.SMS) for unit in units], ignore_conflicts=True
    )
    DutyPerson.objects.bulk_create(
        [
            DutyPerson(unit=unit, name="值班员", phone=f"139{index:08d}")
            for index, unit in enumerate(units)
        ]
    )


def run(rng: random.Random, *, quick: bool) -> list[Result]:
    from kapok.needs.actions import report_need
    from kapok.needs.escalation import sweep_overdue
    from kapok.needs.models import Escalation, Need

    count = 300 if quick else 1_000
    people = _people(rng, count)
    _channels(people)
    reported_at = timezone.now() - dt.timedelta(days=2)

    def ours_report():
        for person in people:
            report_need(person=person, kind="FOOD", urgency="normal", now=reported_at)

    table = Need._meta.db_table

    def raw_report():
        now = timezone.now()
        rows = [
            (
                person.pk,
                "FOOD",
                "normal",
                "",
                "DISPATCHED",
                person.residence_region_id,
                "",
                1,
                0,
                "",
                "",
                now,
                now,
            )
            for person in people
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} (person_id, kind, urgency, description, status,"  # noqa: S608
                " region_code, hukou_region_code, version, escalation_level, result, reason,"
                " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
                " %s, %s)",
                rows,
            )

    report_ours, report_raw = compare(ours_report, raw_report, repeat=3)
    report = Result(
        name="needs: report",
        description=f"{count:,} needs reported, routed to their communities and announced",
        unit="needs",
        operations=count,
        ours=report_ours,
        alternative=report_raw,
        alternative_label=LABEL_REPORT,
        peak_ours=peak_memory(ours_report),
        peak_alternative=peak_memory(raw_report),
    )

    # The sweep: the needs reported by our runs are all overdue (reported two days ago).
    overdue = Need.objects.open().filter(next_escalation_at__isnull=False)
    ids = list(overdue.values_list("pk", flat=True))
    deadline = reported_at + dt.timedelta(hours=1)

    def reset():
        Escalation.objects.filter(need_id__in=ids).delete()
        Need.objects.filter(pk__in=ids).update(
            escalation_level=0, escalated_to=None, next_escalation_at=deadline
        )

    def ours_sweep():
        while sweep_overdue()["escalated"]:
            pass

    def raw_sweep():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET escalation_level = escalation_level + 1,"  # noqa: S608
                " next_escalation_at = NULL WHERE next_escalation_at <= %s AND status IN"
                " ('REPORTED', 'DISPATCHED', 'ACCEPTED', 'RETURNED', 'REOPENED')",
                [timezone.now()],
            )

    # One level per run: the next breach is hours away, so each need escalates once.
    sweep_ours, sweep_raw = compare(ours_sweep, raw_sweep, repeat=3, setup=reset)
    peak_ours = peak_memory(ours_sweep, setup=reset)
    escalated = Escalation.objects.filter(need_id__in=ids).count()
    return [
        report,
        Result(
            name="needs: overdue sweep",
            description=f"{len(ids):,} overdue needs escalated one level, each exactly once",
            unit="needs",
            operations=len(ids),
            ours=sweep_ours,
            alternative=sweep_raw,
            alternative_label=LABEL_SWEEP,
            peak_ours=peak_ours,
            peak_alternative=peak_memory(raw_sweep, setup=reset),
            notes=[f"after our run: {escalated:,} escalations recorded for {len(ids):,} needs"],
        ),
    ]
