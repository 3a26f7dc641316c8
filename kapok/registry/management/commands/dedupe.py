import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from kapok.registry.dedupe import find_duplicates


class Command(BaseCommand):
    help = _(
        "Find people recorded more than once: merge the confident matches, queue the doubtful "
        "ones for review."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help=_("print JSON"))

    def handle(self, *args, json: bool, **options):
        result = find_duplicates()
        figures = result.as_dict()
        if json:
            self.stdout.write(_dumps(figures))
            return
        self.stdout.write(
            _(
                "%(compared)s pairs compared, %(merged)s merged, %(to_review)s to review "
                "(%(seconds)s s)"
            )
            % figures
        )


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
