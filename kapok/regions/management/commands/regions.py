import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kapok.regions.loading import BUNDLED, RegionFileError, load_regions
from kapok.regions.lookup import RegionLookupError, find_region


class Command(BaseCommand):
    help = "Load division codes, or look a region up by code or name."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load a CSV (code,name,level,parent_code); idempotent")
        load.add_argument(
            "file", help=f"a CSV file, or a bundled city: {', '.join(sorted(BUNDLED))}"
        )
        load.add_argument(
            "--exclude", action="append", default=[], help="also drop the unit with this name"
        )
        load.add_argument("--json", action="store_true", help="print the result as JSON")
        find = sub.add_parser("find", help="find a region by code or name")
        find.add_argument("text")

    def handle(self, *args, action, **options):
        if action == "load":
            return self.load(options)
        return self.find(options["text"])

    def load(self, options):
        path = BUNDLED.get(options["file"]) or Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text") from None
        try:
            result = load_regions(text, exclude_names=tuple(options["exclude"]))
        except RegionFileError as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(
            f"regions: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )
        if result.dropped:
            self.stdout.write(f"dropped (not administrative): {', '.join(result.dropped)}")

    def find(self, text):
        try:
            region = find_region(text)
        except RegionLookupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{region.code} {region.full_name}")
