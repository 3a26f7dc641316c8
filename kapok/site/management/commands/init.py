from django.core.management import call_command
from django.core.management.base import BaseCommand

from kapok.accounts.models import SecurityPolicy
from kapok.regions.loading import BUNDLED


class Command(BaseCommand):
    help = "Prepare a fresh site: migrate the database and load the division codes. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--regions",
            default="guangzhou",
            help=f"a division-code CSV or a bundled city ({', '.join(sorted(BUNDLED))})",
        )

    def handle(self, *args, regions, verbosity, **options):
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        call_command("regions", "load", regions, verbosity=verbosity, stdout=self.stdout)
        SecurityPolicy.objects.get_or_create(id=1)
        self.stdout.write(self.style.SUCCESS("Kapok is ready. Next: kapok createsuperuser"))
