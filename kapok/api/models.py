"""Integrations: other systems (12345, mobile apps, vendors' platforms) calling /api/v1/ with a
bearer token, each acting as one service account whose unit and roles decide what it may do and
see, exactly as for a person.

The token is shown once when made and stored only as its SHA-256 hash (it is 32 random bytes:
no slow hash is needed), with a short prefix kept in clear so that people can tell tokens apart.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IntegrationQuerySet(models.QuerySet):
    def active(self) -> "IntegrationQuerySet":
        return self.filter(revoked_at__isnull=True)


class Integration(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    # The service account it acts as: its unit gives the region, its roles the capabilities.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.PROTECT,
        related_name="integrations",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(_("token begins with"), max_length=16, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = IntegrationQuerySet.as_manager()

    # Region scoping (kapok.access.policy): an integration belongs where its account's unit is.
    scoping_region_field = "user__unit__region__code"

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """One POST made with an ``Idempotency-Key`` header, and the answer it got: a repeat with
    the same key and the same request gets the same answer without acting again. The row is
    written in the same transaction as the action, so the unique constraint decides between two
    identical requests sent at once: the second waits for the first and replays its answer."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    # SHA-256 of the method, the path and the body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "key"], name="idempotency_key_once_per_integration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.integration_id} · {self.key}"
