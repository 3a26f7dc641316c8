"""`kapok needs extract`: read robot-call transcripts on stdin, one per line, write JSON lines."""

import io
import json
import os
import sys

from django.core.management.base import BaseCommand

from kapok.needs.transcripts import read_transcript


class Command(BaseCommand):
    help = "Needs: read robot-call transcripts."
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

    def handle(self, *args, action, **options):
        if action == "extract":
            self.extract(options.get("stdin"), explain=options["explain"])

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
