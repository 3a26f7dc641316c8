import json

from django.core.management.base import BaseCommand, CommandError

from kapok.registry.reading import RosterFileError
from kapok.zones.importing import ZoneFileError, import_zones


class Command(BaseCommand):
    help = "Risk zones."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser(
            "import", help="import zones (区,街道,社区,小区,等级,开始时间,结束时间)"
        )
        load.add_argument("file")
        load.add_argument("--json", action="store_true")

    def handle(self, *args, action, file, **options):
        try:
            result = import_zones(file, filename=file)
        except (ZoneFileError, RosterFileError, OSError) as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write(
                f"zones: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged, {len(result.errors)} rows refused"
            )
            for row, reason in result.errors:
                self.stdout.write(f"  row {row}: {reason}")
        if result.errors:
            raise CommandError(f"{len(result.errors)} rows could not be imported")
