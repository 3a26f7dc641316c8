"""Units: the bureaus, offices, committees and organisations whose staff use Kapok."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kapok.regions.models import Region


class UnitQuerySet(models.QuerySet):
    def active(self) -> "UnitQuerySet":
        return self.filter(is_active=True)

    def administrative_for(self, code: str, level: int) -> "Unit | None":
        """The active administrative unit (community committee, street office, district or city
        bureau) of the region at ``level`` that contains ``code``; None if there is none."""
        if not code or level not in Unit.ADMINISTRATIVE_KIND_BY_LEVEL or level_of(code) < level:
            return None  # a code above that level is not inside one region of it
        ancestor = code[: Region.PREFIX_LENGTH[level]].ljust(len(code), "0")
        return (
            self.active()
            .filter(region_id=ancestor, kind=Unit.ADMINISTRATIVE_KIND_BY_LEVEL[level])
            .order_by("pk")
            .first()
        )


def level_of(code: str) -> int:
    """The level of a 12-digit division code, from its trailing zeros."""
    for level in (5, 4, 3, 2):
        if code[Region.PREFIX_LENGTH[level - 1] : Region.PREFIX_LENGTH[level]].strip("0"):
            return level
    return 1


class Unit(models.Model):
    class Kind(models.TextChoices):
        CITY_BUREAU = "CITY_BUREAU", _("city civil-affairs bureau")
        DISTRICT_BUREAU = "DISTRICT_BUREAU", _("district civil-affairs bureau")
        STREET_OFFICE = "STREET_OFFICE", _("street office")
        COMMUNITY_COMMITTEE = "COMMUNITY_COMMITTEE", _("community committee")
        SOCIAL_WORK_STATION = "SOCIAL_WORK_STATION", _("social-work station")
        MINOR_PROTECTION_CENTRE = "MINOR_PROTECTION_CENTRE", _("minor-protection centre")
        RESCUE_STATION = "RESCUE_STATION", _("rescue station")
        CHARITY_ASSOCIATION = "CHARITY_ASSOCIATION", _("charity association")
        ELDERLY_CARE_INSTITUTION = "ELDERLY_CARE_INSTITUTION", _("elderly-care institution")
        HOTLINE_CENTRE = "HOTLINE_CENTRE", _("hotline centre")
        VOLUNTEER_ORGANISATION = "VOLUNTEER_ORGANISATION", _("volunteer organisation")

    # The kinds that make up the four administrative levels, by region level.
    ADMINISTRATIVE_KIND_BY_LEVEL = {
        2: Kind.CITY_BUREAU,
        3: Kind.DISTRICT_BUREAU,
        4: Kind.STREET_OFFICE,
        5: Kind.COMMUNITY_COMMITTEE,
    }

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    phone = models.CharField(_("duty phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitQuerySet.as_manager()

    # Region scoping (kapok.access.policy): a unit belongs where its region is.
    scoping_region_field = "region__code"

    class Meta:
        ordering = ["region_id", "kind", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["region", "kind", "name"], name="unit_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
