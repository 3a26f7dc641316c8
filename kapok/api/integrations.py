"""Integrations: made, revoked and recognised by their token. Each checks the actor, runs in one
transaction and writes the audit log; the token itself is never logged.

    integration, token = create_integration(actor=admin, name="12345 热线", user=service_account)
    revoke_integration(integration, actor=admin)
    integration = integration_for_token(token)  # None when unknown or revoked
"""

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.access.policy import can_see
from kapok.accounts.roles import Capability
from kapok.api.models import Integration
from kapok.audit.actions import log_action

TOKEN_PREFIX = "kpk_"  # noqa: S105 (a label, not a secret)
PREFIX_SHOWN = 12  # "kpk_" and the first eight random characters
# last_used_at is written at most this often per integration: not a write on every request.
LAST_USED_EVERY = dt.timedelta(minutes=1)


class IntegrationError(ValidationError):
    pass


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_manager(actor, user=None) -> None:
    """System administrators manage integrations, for accounts of their region (the command
    line acts without an actor)."""
    if actor is None:
        return
    if not actor.can(Capability.ACCOUNTS_MANAGE):
        raise PermissionDenied(_("Your roles do not allow managing integrations."))
    if user is not None and not can_see(actor, user):
        raise PermissionDenied(_("This account is outside your region."))


@transaction.atomic
def create_integration(*, actor, name: str, user) -> tuple[Integration, str]:
    """An integration acting as ``user``; returns it and its token, to be shown once."""
    _check_manager(actor, user)
    name = (name or "").strip()
    if not name:
        raise IntegrationError(_("Give the integration a name."), code="name")
    if Integration.objects.filter(name=name).exists():
        raise IntegrationError(_("An integration with this name exists already."), code="name")
    if not user.is_active:
        raise IntegrationError(
            _("The account %(user)s is deactivated.") % {"user": user.username}, code="user"
        )
    token = new_token()
    integration = Integration.objects.create(
        name=name,
        user=user,
        token_hash=hash_token(token),
        token_prefix=token[:PREFIX_SHOWN],
        created_by=actor if actor is not None and actor.pk else None,
    )
    log_action(
        "api.integration.created",
        actor=actor,
        obj=integration,
        data={"name": name, "user": user.username, "token_prefix": integration.token_prefix},
    )
    return integration, token


@transaction.atomic
def revoke_integration(integration: Integration, *, actor) -> Integration:
    """Its token stops working at once. Revoking twice does nothing the second time."""
    _check_manager(actor, integration.user)
    if integration.revoked_at is not None:
        return integration
    integration.revoked_at = timezone.now()
    integration.save(update_fields=["revoked_at"])
    log_action(
        "api.integration.revoked",
        actor=actor,
        obj=integration,
        data={"name": integration.name, "token_prefix": integration.token_prefix},
    )
    return integration


def integration_for_token(token: str, *, now: dt.datetime | None = None) -> Integration | None:
    """The active integration this token belongs to, its account active too; None otherwise."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    integration = (
        Integration.objects.active()
        .select_related("user__unit__region")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if integration is None or not integration.user.is_active:
        return None
    now = now or timezone.now()
    if integration.last_used_at is None or integration.last_used_at < now - LAST_USED_EVERY:
        Integration.objects.filter(pk=integration.pk).update(last_used_at=now)
        integration.last_used_at = now
    return integration
