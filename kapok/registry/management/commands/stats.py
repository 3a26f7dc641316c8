import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kapok.registry.models import Category, Person
from kapok.registry.statistics import category_figures
from kapok.zones.models import people_in_zones


class Command(BaseCommand):
    help = (
        "Deduplicated counts of people in special difficulty, by category; with --zones, only "
        "those living inside a lockdown or control zone on the day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="the day, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--zones", action="store_true", help="only people inside lockdown or control zones"
        )
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, as_of, zones, json: bool, **options):
        day = self._day(as_of)
        people = Person.objects.all()
        if zones:
            people = people_in_zones(people, day)
        figures = category_figures(people, day)
        if json:
            self.stdout.write(_dumps(figures))
            return
        where = "inside lockdown and control zones" if zones else "in the registry"
        self.stdout.write(f"{day}: {figures['people']} people {where} (deduplicated)")
        names = dict(Category.objects.values_list("code", "name"))
        for code, figure in figures["by_category"].items():
            households = f"  {figure['households']} households" if "households" in figure else ""
            self.stdout.write(f"  {names[code]:<10} {figure['people']:>7} people{households}")
        self.stdout.write(f"  categories add up to {figures['memberships']}")

    def _day(self, text: str | None) -> dt.date:
        if not text:
            return timezone.localdate()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise CommandError(f"--as-of: {text!r} is not a date like 2022-04-28") from None


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
