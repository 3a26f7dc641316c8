"""Risk zones (封控区, 管控区, 防范区), declared by community or by one compound (小区) of it,
with a start and an end. Who lives inside a zone on a given day is a query
(``people_in_zones``)."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import StrIndex
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RiskAreaQuerySet(models.QuerySet):
    def in_force_on(self, day: dt.date) -> "RiskAreaQuerySet":
        """Zones in force at any moment of the local calendar day."""
        start, end = local_day_bounds(day)
        return self.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=start), starts_at__lt=end)


class RiskArea(models.Model):
    class Level(models.TextChoices):
        LOCKDOWN = "LOCKDOWN", _("lockdown zone (封控区)")
        CONTROL = "CONTROL", _("control zone (管控区)")
        PREVENTION = "PREVENTION", _("prevention zone (防范区)")

    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="risk_areas",
    )
    # Empty: the whole community is in the zone; else only this compound of it.
    compound = models.CharField(_("compound (小区)"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RiskAreaQuerySet.as_manager()

    scoping_region_field = "region__code"

    class Meta:
        ordering = ["-starts_at", "region_id"]
        verbose_name = _("risk zone")
        verbose_name_plural = _("risk zones")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="riskarea_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["region", "compound", "level", "starts_at"], name="riskarea_unique"
            ),
        ]

    def __str__(self) -> str:
        place = self.region.name + (f" {self.compound}" if self.compound else "")
        return f"{place} · {self.get_level_display()}"


# The levels whose residents get a phone visit every day.
VISITED_LEVELS = (RiskArea.Level.LOCKDOWN, RiskArea.Level.CONTROL)


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The start and end of a calendar day in the site's time zone (Asia/Shanghai)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def zone_condition(day: dt.date, levels=VISITED_LEVELS, person_ref: str = "") -> Exists:
    """True for a person who lives, on ``day``, inside a zone of one of ``levels``: a zone of
    their community as a whole, or of the compound named in their compound or address."""
    prefix = f"{person_ref}__" if person_ref else ""
    areas = (
        RiskArea.objects.in_force_on(day)
        .filter(level__in=levels, region=OuterRef(f"{prefix}residence_region"))
        # Where the compound appears in the person's address (0: nowhere).
        .annotate(in_address=StrIndex(OuterRef(f"{prefix}address"), F("compound")))
        .filter(Q(compound="") | Q(compound=OuterRef(f"{prefix}compound")) | Q(in_address__gt=0))
    )
    return Exists(areas)


def people_in_zones(people, day: dt.date, levels=VISITED_LEVELS):
    """The people of a Person queryset who live inside a zone of ``levels`` on ``day``."""
    return people.filter(zone_condition(day, levels))
