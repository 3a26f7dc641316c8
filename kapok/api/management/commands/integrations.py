"""`kapok integrations add NAME --user USERNAME | list | revoke NAME`: the API's integrations
from the command line (acting without a user, as the bootstrap of a site does)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kapok.accounts.models import User
from kapok.api.integrations import create_integration, revoke_integration
from kapok.api.models import Integration


class Command(BaseCommand):
    help = "API integrations: add one (its token printed once), list them, revoke one."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser(
            "add", help="add an integration acting as an account; prints its token, once"
        )
        add.add_argument("name")
        add.add_argument("--user", required=True, help="the username of the account it acts as")
        sub.add_parser("list", help="list the integrations")
        revoke = sub.add_parser("revoke", help="revoke an integration: its token stops working")
        revoke.add_argument("name")

    def handle(self, *args, action, **options):
        if action == "add":
            self.add(options["name"], options["user"])
        elif action == "list":
            self.list()
        else:
            self.revoke(options["name"])

    def add(self, name: str, username: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account {username!r}")
        try:
            integration, token = create_integration(actor=None, name=name, user=user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"integration {integration.name} added, acting as {user.username}. "
            f"Its token (shown only now): {token}"
        )

    def list(self) -> None:
        for integration in Integration.objects.select_related("user"):
            state = "active" if integration.is_active else "revoked"
            used = integration.last_used_at.isoformat() if integration.last_used_at else "never"
            self.stdout.write(
                f"{integration.name:<24} {integration.user.username:<20} "
                f"{integration.token_prefix}…  {state}  last used {used}"
            )

    def revoke(self, name: str) -> None:
        integration = Integration.objects.filter(name=name).first()
        if integration is None:
            raise CommandError(f"no integration {name!r}")
        revoke_integration(integration, actor=None)
        self.stdout.write(f"integration {integration.name} revoked")
