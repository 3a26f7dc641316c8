"""`kapok needs extract`: read robot-call transcripts on stdin, one per line, write JSON lines.
`kapok needs clearance [--day D] [--json]`: a day's needs and the same-day clearance rate."""

import datetime as dt
import io
import json
import os
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kapok.needs.clearance import clearance
from kapok.needs.transcripts import read_transcript


class Command(BaseCommand):
    help = "Needs: read robot-call transcripts; a day's same-day clearance figures."
    # call_command("needs", "extract", stdin=…) reads from the given stream instead of sys.stdin.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        about = (
            "Read robot-call transcripts on stdin (UTF-8, one per line) and write one JSON object "
            'per line: {"reached", "ok", "needs", "urgency"}. An empty line is a call nobody '
            "answered (not reached), so that output line N always answers input line N."
        )
        extract = sub.add_parser("extract", help=about, description=about)
        extract.add_argument(
            "--explain",
            action="store_true",
            help='also write "confidence" (0-1; under 0.7 a human should review) and "evidence"',
        )

        about = (
            "The day's needs for the whole city, by district and by kind: reported, resolved, "
            "verified, still open, overdue, escalated, cleared the same day, and the same-day "
            "clearance rate (kapok.needs.clearance says how each is counted)."
        )
        figures = sub.add_parser("clearance", help=about, description=about)
        figures.add_argument("--day", help="the day, YYYY-MM-DD (default: today)")
        figures.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, action, **options):
        if action == "extract":
            self.extract(options.get("stdin"), explain=options["explain"])
        elif action == "clearance":
            self.clearance(_day(options["day"]), as_json=options["json"])

    def clearance(self, day: dt.date, *, as_json: bool) -> None:
        figures = clearance(day)
        if as_json:
            self.stdout.write(json.dumps(figures.as_dict(), ensure_ascii=False))
            return
        total = figures.total
        rate = "—" if total.percent is None else f"{total.percent}%"
        self.stdout.write(
            f"{day}: {total.reported} needs reported, {total.cleared} cleared the same day "
            f"({rate}), {total.open} still open, {total.overdue} overdue"
        )
        header = "reported resolved verified    open overdue escalat cleared    rate"
        self.stdout.write(f"{'by district':<20}{header}")
        for district in figures.by_district:
            self.stdout.write(_line(district.label, district.counts))
        self.stdout.write(_line("total", total))
        self.stdout.write(f"{'by kind':<20}{header}")
        for row in figures.by_kind:
            self.stdout.write(_line(row.kind, row.counts))

    def extract(self, stream, *, explain: bool) -> None:
        if stream is None:  # the process's stdin, read as UTF-8 whatever the locale says
            stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", errors="replace")
        try:
            # One line in, one line out, flushed at once: a stream of any length in constant
            # memory, and a caller on the other end of a pipe gets each answer as it is ready.
            for line in iter(stream.readline, ""):
                reading = read_transcript(line.rstrip("\r\n").lstrip("\ufeff"))
                self.stdout.write(json.dumps(reading.as_dict(explain=explain), ensure_ascii=False))
                self.stdout.flush()
        except BrokenPipeError:  # the reader went away (… | head): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _line(label: str, counts) -> str:
    numbers = (
        counts.reported,
        counts.resolved,
        counts.verified,
        counts.open,
        counts.overdue,
        counts.escalated,
        counts.cleared,
    )
    rate = "—" if counts.percent is None else f"{counts.percent}%"
    return f"{label:<20}" + "".join(f"{n:>8}" for n in numbers) + f"{rate:>8}"


def _day(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--day: {text!r} is not a date like 2022-04-28") from None
