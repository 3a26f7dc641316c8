"""The visit board's numbers: the one place that says how many of a day's visit tasks were
planned, are open or in progress, reached the person or did not, found difficulties and needs —
by team, by district and by street — and who has not been reached yet.

    board = visit_board(day, user)   # what ``user`` may see; user=None: the whole city (the CLI)
    board.total.reached, board.by_team, board.by_district, board.as_dict()
    people = not_reached(day, user)  # kapok.visits.calling.unreached_people, scoped

What is counted (the task statuses are kapok.visits.calling's):

- planned: the day's tasks (phone visits, urgent call-backs, home visits), cancelled ones left out;
- open: waiting for a caller (OPEN, retries waiting their gap included); in progress: CLAIMED;
- reached: DONE — record_visit finishes a task as done only when a visit reached the person;
- unreached: UNREACHED — finished without reaching the person (the home visit that follows a
  call is a task of its own, counted on the home-visit row);
- with difficulty: the visits made on those tasks that found difficulties; needs: the Needs
  those visits reported (whatever has happened to them since);
- a row's reach rate: reached ÷ planned tasks.

People: ``people`` are those with a task that day, ``people_not_reached`` those of them whom no
visit reached that day (unreached_people); the headline reach rate is reached ÷ planned people.

By team: call tasks by the team that holds them now (robot teams are flagged), the call tasks
without a team (the plan found no rule for them: a leader places them), and the home visits,
which go to the person's community rather than to a team. By district and street: every task
by the person's community when the task was made (CallTask.region_code, which scoping reads too).
Four grouped queries make a board, however many tasks the day has.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, fields

from django.db.models import Count, F, Prefetch, Q, prefetch_related_objects
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from kapok.access.policy import scoped
from kapok.audit.masking import mask_phone
from kapok.needs.models import Need
from kapok.regions.models import Region
from kapok.visits.calling import unreached_people
from kapok.visits.models import CallTask, Team, Visit
from kapok.web.spreadsheets import new_sheet, saved
from kapok.zones.models import local_day_bounds

DISTRICT_DIGITS = Region.PREFIX_LENGTH[Region.Level.DISTRICT]
STREET_DIGITS = Region.PREFIX_LENGTH[Region.Level.STREET]

S = CallTask.Status
STATUS_COUNTS = {
    "open": Q(status=S.OPEN),
    "in_progress": Q(status=S.CLAIMED),
    "reached": Q(status=S.DONE),
    "unreached": Q(status=S.UNREACHED),
}
# The outcomes that count as reaching the person (as Visit.reached and calling.py say).
REACHED_OUTCOMES = tuple(o for o in Visit.Outcome if Visit(outcome=o).reached)


@dataclass
class Counts:
    planned: int = 0
    open: int = 0
    in_progress: int = 0
    reached: int = 0
    unreached: int = 0
    with_difficulty: int = 0
    needs: int = 0

    def add(self, other: "Counts") -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    @property
    def finished(self) -> int:
        return self.reached + self.unreached

    @property
    def reach_rate(self) -> float | None:
        return self.reached / self.planned if self.planned else None

    @property
    def reach_percent(self) -> int | None:
        return _percent(self.reached, self.planned)

    def as_dict(self) -> dict:
        data = {item.name: getattr(self, item.name) for item in fields(self)}
        data["reach_rate"] = _rounded(self.reach_rate)
        return data


@dataclass
class TeamRow:
    """One row of the by-team table: a team, the tasks without a team, or the home visits."""

    TEAM = "TEAM"
    NO_TEAM = "NO_TEAM"
    HOME = "HOME"

    kind: str
    team: Team | None = None
    counts: Counts = field(default_factory=Counts)

    @property
    def is_robot(self) -> bool:
        return self.team is not None and self.team.kind == Team.Kind.ROBOT

    @property
    def label(self) -> str:
        if self.team is not None:
            return self.team.name
        if self.kind == self.HOME:
            return _("Home visits by communities")
        return _("No team yet")

    def as_dict(self) -> dict:
        return {
            "row": self.kind,
            "team": self.team.pk if self.team else None,
            "name": self.label,
            "robot": self.is_robot,
            **self.counts.as_dict(),
        }


@dataclass
class AreaRow:
    """A district, or a street of one, by the significant prefix of its division code."""

    prefix: str
    region: Region | None = None
    counts: Counts = field(default_factory=Counts)
    streets: list["AreaRow"] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.region.name if self.region else _("Area not known")

    def as_dict(self) -> dict:
        data = {"code": self.prefix, "name": self.label, **self.counts.as_dict()}
        if self.streets or len(self.prefix) == DISTRICT_DIGITS:
            data["streets"] = [street.as_dict() for street in self.streets]
        return data


@dataclass
class Board:
    day: dt.date
    total: Counts
    people: int
    people_not_reached: int
    by_team: list[TeamRow]
    by_district: list[AreaRow]

    @property
    def people_reached(self) -> int:
        return self.people - self.people_not_reached

    @property
    def reach_rate(self) -> float | None:
        return self.people_reached / self.people if self.people else None

    @property
    def reach_percent(self) -> int | None:
        return _percent(self.people_reached, self.people)

    @property
    def without_team(self) -> int:
        return sum(row.counts.planned for row in self.by_team if row.kind == TeamRow.NO_TEAM)

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "total": self.total.as_dict(),
            "people": {
                "planned": self.people,
                "reached": self.people_reached,
                "not_reached": self.people_not_reached,
                "reach_rate": _rounded(self.reach_rate),
            },
            "without_team": self.without_team,
            "by_team": [row.as_dict() for row in self.by_team],
            "by_district": [row.as_dict() for row in self.by_district],
        }


def day_tasks(day: dt.date, user=None):
    """The day's tasks the board counts: not cancelled, and within ``user``'s region."""
    tasks = CallTask.objects.filter(day=day).exclude(status=S.CANCELLED)
    return tasks if user is None else scoped(tasks, user)


def _task_groups(tasks) -> dict[tuple, Counts]:
    """Counts by (team, kind, street prefix): the cells every table of the board adds up."""
    groups: dict[tuple, Counts] = defaultdict(Counts)
    street = Substr("region_code", 1, STREET_DIGITS)
    rows = (
        tasks.order_by()
        .values("team", "kind", street=street)
        .annotate(
            planned=Count("pk"),
            **{name: Count("pk", filter=condition) for name, condition in STATUS_COUNTS.items()},
        )
    )
    for row in rows:
        counts = groups[(row["team"], row["kind"], row["street"])]
        for name in ("planned", *STATUS_COUNTS):
            setattr(counts, name, row[name])
    for model, path, attribute, extra in (
        (Visit, "task", "with_difficulty", Q(has_difficulty=True)),
        (Need, "visit__task", "needs", Q()),
    ):
        found = (
            model.objects.filter(extra, **{f"{path}__in": tasks.values("pk")})
            .order_by()
            .values(
                task_team=F(f"{path}__team"),
                task_kind=F(f"{path}__kind"),
                task_street=Substr(f"{path}__region_code", 1, STREET_DIGITS),
            )
            .annotate(count=Count("pk"))
        )
        for row in found:
            counts = groups[(row["task_team"], row["task_kind"], row["task_street"])]
            setattr(counts, attribute, getattr(counts, attribute) + row["count"])
    return groups


def counts_of(tasks) -> Counts:
    """The totals of a set of tasks (a team's, say), counted as the board counts them."""
    total = Counts()
    for counts in _task_groups(tasks).values():
        total.add(counts)
    return total


def visit_board(day: dt.date, user=None, *, tasks=None) -> Board:
    """The board of ``day`` as ``user`` may see it (None: everything); ``tasks`` narrows it."""
    tasks = day_tasks(day, user) if tasks is None else tasks
    groups = _task_groups(tasks)
    total = Counts()
    by_team: dict[object, Counts] = defaultdict(Counts)
    by_street: dict[str, Counts] = defaultdict(Counts)
    for (team_id, kind, street), counts in groups.items():
        total.add(counts)
        key = TeamRow.HOME if kind == CallTask.Kind.HOME else team_id
        by_team[key].add(counts)
        by_street[street or ""].add(counts)
    people = tasks.values("person").distinct().count()
    people_not_reached = not_reached(day, user, tasks=tasks).count()
    return Board(
        day=day,
        total=total,
        people=people,
        people_not_reached=people_not_reached,
        by_team=_team_rows(by_team),
        by_district=_area_rows(by_street),
    )


def _team_rows(by_team: dict[object, Counts]) -> list[TeamRow]:
    teams = Team.objects.filter(pk__in=[key for key in by_team if isinstance(key, int)])
    rows = [
        TeamRow(TeamRow.TEAM, team, by_team[team.pk])
        for team in teams.select_related("unit", "vendor")
    ]
    if None in by_team:
        rows.append(TeamRow(TeamRow.NO_TEAM, None, by_team[None]))
    if TeamRow.HOME in by_team:
        rows.append(TeamRow(TeamRow.HOME, None, by_team[TeamRow.HOME]))
    return rows


def _area_rows(by_street: dict[str, Counts]) -> list[AreaRow]:
    districts: dict[str, AreaRow] = {}
    for street in sorted(by_street):
        district = street[:DISTRICT_DIGITS]
        row = districts.setdefault(district, AreaRow(district))
        row.counts.add(by_street[street])
        if len(street) == STREET_DIGITS:
            row.streets.append(AreaRow(street, counts=by_street[street]))
    codes = {_code(prefix) for prefix in by_street} | {_code(prefix) for prefix in districts}
    regions = Region.objects.in_bulk([code for code in codes if code])
    for row in districts.values():
        row.region = regions.get(_code(row.prefix))
        for street in row.streets:
            street.region = regions.get(_code(street.prefix))
    return list(districts.values())


def _code(prefix: str) -> str:
    return prefix.ljust(12, "0") if len(prefix) in (DISTRICT_DIGITS, STREET_DIGITS) else ""


@dataclass
class CallerCounts:
    visits: int = 0
    reached: int = 0
    with_difficulty: int = 0
    needs: int = 0
    holding: int = 0  # tasks claimed and not recorded yet

    @property
    def not_reached(self) -> int:
        return self.visits - self.reached


def caller_counts(team: Team, day: dt.date) -> dict[int, CallerCounts]:
    """What each caller of ``team`` did on ``day`` for the team, by user id: the visits they
    recorded (reached: the person answered, as Visit.reached says), with difficulty, the needs
    reported, and the tasks they hold now."""
    start, end = local_day_bounds(day)
    counts: dict[int, CallerCounts] = defaultdict(CallerCounts)
    visits = (
        Visit.objects.filter(team=team, made_at__gte=start, made_at__lt=end, made_by__isnull=False)
        .order_by()
        .values("made_by")
        .annotate(
            visits=Count("pk", distinct=True),
            reached=Count("pk", distinct=True, filter=Q(outcome__in=REACHED_OUTCOMES)),
            with_difficulty=Count("pk", distinct=True, filter=Q(has_difficulty=True)),
            needs=Count("needs", distinct=True),
        )
    )
    for row in visits:
        caller = counts[row["made_by"]]
        caller.visits, caller.reached = row["visits"], row["reached"]
        caller.with_difficulty, caller.needs = row["with_difficulty"], row["needs"]
    holding = (
        CallTask.objects.filter(team=team, day=day, status=S.CLAIMED, claimed_by__isnull=False)
        .order_by()
        .values("claimed_by")
        .annotate(count=Count("pk"))
    )
    for row in holding:
        counts[row["claimed_by"]].holding = row["count"]
    return dict(counts)


def not_reached(day: dt.date, user=None, *, tasks=None):
    """The people with a task on ``day`` (within ``user``'s region) whom no visit reached that
    day: kapok.visits.calling.unreached_people, narrowed to the board's tasks."""
    tasks = day_tasks(day, user) if tasks is None else tasks
    return unreached_people(day).filter(pk__in=tasks.values("person"))


@dataclass
class NotReachedRow:
    """A person not reached yet, as the list and its download show them: phones masked."""

    person: object
    phones: list[str]
    call: CallTask | None
    home: CallTask | None
    last_outcome: str

    @property
    def attempts(self) -> str:
        if self.call is None:
            return ""
        return f"{self.call.attempts}/{self.call.max_attempts}"


def not_reached_rows(people, day: dt.date) -> list[NotReachedRow]:
    """One row per person of ``people`` (a page of not_reached()): the day's call, its attempts
    and last outcome, and the state of the home visit that follows it."""
    start, end = local_day_bounds(day)
    people = list(people)
    prefetch_related_objects(
        people,
        "residence_region",
        Prefetch(
            "tasks",
            queryset=CallTask.objects.filter(day=day).select_related("team", "unit"),
            to_attr="day_tasks",
        ),
        Prefetch(
            "visits",
            queryset=Visit.objects.filter(made_at__gte=start, made_at__lt=end),
            to_attr="day_visits",
        ),
    )
    rows = []
    for person in people:
        calls = [t for t in person.day_tasks if t.kind != CallTask.Kind.HOME]
        homes = [t for t in person.day_tasks if t.kind == CallTask.Kind.HOME]
        last = person.day_visits[0] if person.day_visits else None  # newest first
        rows.append(
            NotReachedRow(
                person=person,
                phones=[mask_phone(phone) for phone in person.phones],
                call=calls[0] if calls else None,
                home=homes[-1] if homes else None,
                last_outcome=last.get_outcome_display() if last else "",
            )
        )
    return rows


def write_not_reached_xlsx(people, day: dt.date):
    """The people not reached yet, as an xlsx: ID numbers and phones masked. The view that
    serves it audits the download."""
    headers = [
        _("Name"),
        _("ID number"),
        _("Phones"),
        _("Community"),
        _("Address"),
        _("Team"),
        _("Call"),
        _("Attempts"),
        _("Last outcome"),
        _("Home visit"),
        _("Community unit"),
    ]
    widths = [12, 22, 30, 24, 30, 16, 12, 10, 16, 12, 20]
    workbook, sheet = new_sheet(_("Not reached") + f" {day.isoformat()}", headers, widths)
    for start in range(0, people.count(), 500):
        for row in not_reached_rows(people[start : start + 500], day):
            person = row.person
            sheet.append(
                [
                    person.name,
                    person.id_number_masked,
                    " ".join(row.phones),
                    person.residence_region.full_name if person.residence_region else "",
                    person.address,
                    row.call.team.name if row.call and row.call.team else "",
                    row.call.get_status_display() if row.call else "",
                    row.attempts,
                    row.last_outcome,
                    row.home.get_status_display() if row.home else "",
                    row.home.unit.name if row.home and row.home.unit else "",
                ]
            )
    return saved(workbook)


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _rounded(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)
