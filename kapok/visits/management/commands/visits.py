import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kapok.visits.board import visit_board
from kapok.visits.planning import plan_day


class Command(BaseCommand):
    help = "Phone visits: make a day's call plan, or show a day's visit board."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        plan = sub.add_parser(
            "plan",
            help="make the day's call plan (idempotent: only people not planned yet are added)",
        )
        board = sub.add_parser(
            "board",
            help="the day's visit board for the whole city: tasks planned, open, reached and "
            "not reached, by team and by district",
        )
        for command in (plan, board):
            command.add_argument("--day", help="the day, YYYY-MM-DD (default: today)")
            command.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, action, day, json: bool, **options):
        day = _day(day)
        if action == "plan":
            result = plan_day(day)
            if json:
                self.stdout.write(_dumps(result.as_dict()))
                return
            self.stdout.write(
                f"{day}: {result.created} tasks created, {result.existing} already planned"
            )
            for name, count in sorted(result.by_team.items()):
                self.stdout.write(f"  {name:<16} {count:>6}")
            if result.unassigned:
                self.stdout.write(f"  {'(no team)':<16} {result.unassigned:>6}")
            return
        board = visit_board(day)
        if json:
            self.stdout.write(_dumps(board.as_dict()))
            return
        self._print_board(board)

    def _print_board(self, board) -> None:
        rate = "—" if board.reach_percent is None else f"{board.reach_percent}%"
        self.stdout.write(
            f"{board.day}: {board.people} people to visit, {board.people_reached} reached "
            f"({rate}), {board.people_not_reached} not reached yet"
        )
        header = "planned   to do  in prog reached  unreach  diffic   needs"
        self.stdout.write(f"{'by team':<24}{header}")
        for row in board.by_team:
            robot = " (robot)" if row.is_robot else ""
            self.stdout.write(_line(f"{row.label}{robot}", row.counts))
        self.stdout.write(_line("total", board.total))
        self.stdout.write(f"{'by district':<24}{header}")
        for district in board.by_district:
            self.stdout.write(_line(district.label, district.counts))
            for street in district.streets:
                self.stdout.write(_line(f"  {street.label}", street.counts))


def _line(label: str, counts) -> str:
    numbers = (
        counts.planned,
        counts.open,
        counts.in_progress,
        counts.reached,
        counts.unreached,
        counts.with_difficulty,
        counts.needs,
    )
    return f"{label:<24}" + "".join(f"{n:>8}" for n in numbers)


def _day(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--day: {text!r} is not a date like 2022-04-28") from None


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
