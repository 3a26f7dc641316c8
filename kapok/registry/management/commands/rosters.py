import json

from django.core.management.base import BaseCommand, CommandError

from kapok.registry.retention import purge_roster_files


class Command(BaseCommand):
    help = "Uploaded roster files."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser(
            "purge",
            help="delete the uploaded files of imports that finished or failed more than "
            "KAPOK_ROSTER_FILE_RETENTION_DAYS days ago (the imports and their rejects stay)",
        )
        purge.add_argument(
            "--dry-run", action="store_true", help="list the files that would go, delete nothing"
        )
        purge.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, action, dry_run, **options):
        result = purge_roster_files(dry_run=dry_run)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            self._print(result, dry_run)
        if result.failed:
            raise CommandError(
                f"could not delete the files of imports {', '.join(map(str, result.failed))}; "
                "see the log"
            )

    def _print(self, result, dry_run):
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"roster files: {verb} {len(result.files)} (imports that ended before "
            f"{result.cutoff}, kept {result.retention_days} days)"
        )
        for item in result.files:
            size = f", {item.bytes} bytes" if item.bytes is not None else ""
            self.stdout.write(
                f"  import {item.roster_import} ({item.category}, {item.status.lower()} "
                f"{item.ended_at[:10]}): {item.stored_as}{size}"
            )
