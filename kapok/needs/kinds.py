"""The kinds of need and their urgencies: the one place where they are defined.

Codes follow the glossary (缺粮 FOOD, 缺油 OIL, …); labels are translatable.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NeedKind(models.TextChoices):
    FOOD = "FOOD", _("short of food")  # 缺粮: rice, noodles, flour, infant formula
    OIL = "OIL", _("short of cooking oil")  # 缺油
    VEGETABLES = "VEGETABLES", _("short of vegetables")  # 缺菜: vegetables, meat, eggs
    MEDICINE = "MEDICINE", _("short of medicine")  # 缺药
    MEDICAL = "MEDICAL", _("needs medical care")  # 急需就医
    TESTING = "TESTING", _("testing at home")  # 上门核酸
    NECESSITIES = "NECESSITIES", _("daily necessities")  # 生活用品
    CARE = "CARE", _("personal care")  # 照料
    GUARDIANSHIP = "GUARDIANSHIP", _("child without a guardian")  # 监护缺失
    SHELTER = "SHELTER", _("shelter, cannot get home")  # 住宿/回不了家
    POLICY = "POLICY", _("policy question")  # 政策咨询
    PSYCHOLOGICAL = "PSYCHOLOGICAL", _("emotional support")  # 心理疏导
    OTHER = "OTHER", _("other need")  # 其他


class Urgency(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("urgency", "normal")  # cleared the same day
    URGENT = "urgent", pgettext_lazy("urgency", "urgent")  # sooner than the same day
    EMERGENCY = "emergency", pgettext_lazy("urgency", "emergency")  # life at risk: a call-back now

    @property
    def rank(self) -> int:
        """0, 1, 2 from normal to emergency, for comparing urgencies."""
        return _URGENCY_RANK[self]

    @classmethod
    def highest(cls, urgencies) -> "Urgency":
        """The most urgent of ``urgencies``; normal when there are none."""
        return max(urgencies, key=_URGENCY_RANK.__getitem__, default=cls.NORMAL)


_URGENCY_RANK = {urgency: rank for rank, urgency in enumerate(Urgency)}
# The order needs are listed in (the declaration order above).
NEED_ORDER = {kind: index for index, kind in enumerate(NeedKind)}
