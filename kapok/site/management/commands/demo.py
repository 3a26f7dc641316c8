from django.core.management.base import BaseCommand

from kapok.accounts.roles import Role
from kapok.site.demo import DEMO_PASSWORD, load_demo, load_demo_registry, load_demo_visits
from kapok.site.demo_needs import load_demo_needs


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where Kapok runs")

    def handle(self, *args, url, **options):
        accounts = load_demo()
        registry = load_demo_registry()
        visits = load_demo_visits()
        needs = load_demo_needs()
        self.stdout.write(self.style.SUCCESS(f"\nKapok demo: {url}\n"))
        self.stdout.write(
            f"registry: {registry['rosters']} rosters imported, "
            f"{registry['zones']} zones in force today\n"
        )
        plan = visits["plan"]
        robot = ", ".join(f"{count} {handling}" for handling, count in visits["robot"].items())
        self.stdout.write(
            f"today's phone visits: {plan['created'] + plan['existing']} planned, "
            f"{visits['answered_by_callers']} answered by the demo callers just now, "
            f"robot: {robot or 'nothing new'}\n"
        )
        states = ", ".join(f"{count} {state.lower()}" for state, count in needs["by_state"].items())
        self.stdout.write(f"needs: {states}; {needs['escalated']} escalated just now\n")
        self.stdout.write(f"{'account':<12} {'password':<18} role")
        for account in accounts:
            label = Role(account.role).label
            self.stdout.write(f"{account.username:<12} {DEMO_PASSWORD:<18} {label}")
