from django import forms
from django.utils.translation import gettext_lazy as _

from kapok.units.forms import RegionField
from kapok.zones.models import RiskArea


class ZoneForm(forms.Form):
    region = RegionField(
        label=_("Community"),
        help_text=_("As people write it: 海珠区官洲街学院社区, 学院社区, or its 12-digit code."),
    )
    compound = forms.CharField(
        label=_("Compound (小区)"),
        max_length=100,
        required=False,
        help_text=_("Leave empty when the whole community is in the zone."),
    )
    level = forms.ChoiceField(label=_("Level"), choices=RiskArea.Level.choices)
    starts_at = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty while the zone is in force."),
    )


class ZoneFileForm(forms.Form):
    file = forms.FileField(
        label=_("Zones file"),
        help_text=_(
            "Columns 区, 街道, 社区, 小区, 等级, 开始时间, 结束时间 (.xlsx, .xls or .csv)."
        ),
    )
