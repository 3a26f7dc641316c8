"""Needs (问题、需求) found on visits and hotline calls: what a person lacks, how urgent it is,
and, from the routing issue on, who handles it until it is cleared."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kapok.needs.kinds import NeedKind, Urgency


class Need(models.Model):
    class Status(models.TextChoices):
        REPORTED = "REPORTED", _("reported")
        DISPATCHED = "DISPATCHED", _("dispatched")
        ACCEPTED = "ACCEPTED", _("accepted")
        RESOLVED = "RESOLVED", _("resolved")
        VERIFIED = "VERIFIED", _("verified")
        CLOSED = "CLOSED", _("closed")
        RETURNED = "RETURNED", _("returned")
        REOPENED = "REOPENED", _("reopened")
        CANCELLED = "CANCELLED", _("cancelled")

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="needs"
    )
    kind = models.CharField(_("kind"), max_length=14, choices=NeedKind.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REPORTED, db_index=True
    )
    # Where it came from: a visit (phone, home, video, robot), and who reported it.
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs_reported",
    )
    reported_by_team = models.ForeignKey(
        "visits.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    # The person's community when the need was reported: where it is seen from.
    region_code = models.CharField(max_length=12, db_index=True, blank=True)
    # Optimistic locking: every change bumps it; a change made against an older one is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    scoping_region_field = "region_code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.person_id}"
