from django.core.management.base import BaseCommand, CommandError

from kapok.regions.lookup import RegionLookupError, find_region
from kapok.regions.models import Region
from kapok.units.actions import ensure_administrative_units


class Command(BaseCommand):
    help = "Manage units."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        tree = sub.add_parser(
            "tree",
            help="create the administrative units (bureau, street offices, community "
            "committees) of a region and everything below it; idempotent",
        )
        tree.add_argument("region", nargs="+", help="a region code or name, e.g. 白云区")

    def handle(self, *args, action, region, **options):
        for text in region:
            try:
                place = find_region(text)
            except RegionLookupError as error:
                raise CommandError(str(error)) from None
            if place.level < Region.Level.CITY:
                raise CommandError(f"{place.full_name}: choose a city or a region below it")
            unit, created = ensure_administrative_units(place)
            self.stdout.write(f"{unit.name}: {created} units created")
