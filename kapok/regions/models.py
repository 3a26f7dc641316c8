"""Administrative regions, keyed by the 12-digit statistical division code (统计用区划代码).

The code is positional: province 2 digits, city 2, district 2, street/town 3, community/village 3.
Everything under a region shares its significant prefix, which is what region scoping filters on.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

CODE_LENGTH = 12


def prefix_range(field: str, prefix: str) -> models.Q:
    """Codes that start with ``prefix``, as a range both databases answer from a plain index:
    440111 ≤ code < 440112. (SQLite's LIKE ignores case and so cannot use the index.)"""
    upper = str(int(prefix) + 1).zfill(len(prefix))
    return models.Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


class RegionQuerySet(models.QuerySet):
    def under(self, region: "Region") -> "RegionQuerySet":
        """The region itself and everything below it."""
        return self.filter(prefix_range("code", region.prefix))

    def of_level(self, level: int) -> "RegionQuerySet":
        return self.filter(level=level)


class Region(models.Model):
    class Level(models.IntegerChoices):
        PROVINCE = 1, _("province")
        CITY = 2, _("city")
        DISTRICT = 3, _("district")
        STREET = 4, _("street or town")
        COMMUNITY = 5, _("community or village")

    # How many leading digits of the code are significant at each level.
    PREFIX_LENGTH = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}

    code = models.CharField(_("division code"), max_length=CODE_LENGTH, primary_key=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Names of the ancestors below the province, for display: 广州市白云区松洲街道螺涌社区.
    full_name = models.CharField(_("full name"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="region_level_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: self.PREFIX_LENGTH[self.level]]

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)
