import json

from django.core.management.base import BaseCommand, CommandError

from kapok.registry.columns import ColumnError
from kapok.registry.dedupe import find_duplicates
from kapok.registry.importing import RosterImportError, import_roster
from kapok.registry.models import Category
from kapok.registry.reading import RosterFileError


class Command(BaseCommand):
    help = "Import a department's roster (.xlsx, .xls or .csv) for one category."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--category", required=True, help="a category code, e.g. DIBAO")
        parser.add_argument("--sheet", help="the sheet to read (default: the first)")
        parser.add_argument("--source", default="", help="where the roster came from")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="take FIELD from COLUMN, e.g. --map id_number=证件号码",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count, keep nothing")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument(
            "--no-dedupe",
            action="store_true",
            help="skip deduplication afterwards (when importing several rosters in a row, run "
            "kapok dedupe once at the end)",
        )

    def handle(self, *args, file, category, sheet, source, map, dry_run, **options):
        try:
            chosen = Category.objects.get(code=category)
        except Category.DoesNotExist:
            codes = ", ".join(Category.objects.values_list("code", flat=True))
            raise CommandError(f"unknown category {category!r}; one of: {codes}") from None
        overrides = {}
        for item in map:
            name, sep, column = item.partition("=")
            if not sep:
                raise CommandError(f"--map {item!r}: write FIELD=COLUMN")
            overrides[name.strip()] = column.strip()
        try:
            batch = import_roster(
                file,
                filename=file.rsplit("/", 1)[-1],
                category=chosen,
                sheet=sheet,
                source=source,
                overrides=overrides,
                dry_run=dry_run,
            )
        except (RosterFileError, ColumnError, RosterImportError, OSError) as error:
            raise CommandError(str(error)) from None
        duplicates = None
        if not dry_run and not options["no_dedupe"]:
            # Deduplication of what this import added or changed (kapok.registry.dedupe).
            duplicates = find_duplicates(new=batch.people_touched)
        result = {
            "file": batch.file_name,
            "sheet": batch.sheet,
            "category": chosen.code,
            "columns": batch.column_map,
            "rows": batch.rows_total,
            "created": batch.people_created,
            "updated": batch.people_updated,
            "unchanged": batch.rows_unchanged,
            "rejected": batch.rows_rejected,
            "doubtful": batch.rejected_rows.filter(is_doubtful=True).count()
            if not dry_run
            else None,
            "dry_run": dry_run,
            "deduplication": (
                {"merged": duplicates.merged, "to_review": duplicates.to_review}
                if duplicates
                else None
            ),
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(
            f"{batch.file_name}: {batch.rows_total} rows, {batch.people_created} people created, "
            f"{batch.people_updated} updated, {batch.rows_unchanged} unchanged, "
            f"{batch.rows_rejected} rejected" + (" (dry run: nothing kept)" if dry_run else "")
        )
