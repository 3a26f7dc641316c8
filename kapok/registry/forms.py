from django import forms
from django.utils.translation import gettext_lazy as _

from kapok.regions.models import Region
from kapok.registry.models import Category

AGE_BANDS = {
    "0-17": (0, 17),
    "18-59": (18, 59),
    "60-79": (60, 79),
    "80+": (80, 200),
}


class PeopleFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("name, initials, ID or phone")}
        ),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        to_field_name="code",
        empty_label=_("all"),
    )
    zone = forms.ChoiceField(
        label=_("Risk zone"),
        required=False,
        choices=[("", _("all")), ("in", _("inside a lockdown or control zone today"))],
    )
    age = forms.ChoiceField(
        label=_("Age"),
        required=False,
        choices=[("", _("all")), *[(band, band) for band in AGE_BANDS]],
    )
    region = forms.ModelChoiceField(
        queryset=Region.objects.all(), required=False, widget=forms.HiddenInput
    )


class FiguresForm(forms.Form):
    as_of = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    zones = forms.BooleanField(label=_("Only inside lockdown and control zones"), required=False)
    region = forms.ModelChoiceField(
        queryset=Region.objects.all(), required=False, widget=forms.HiddenInput
    )
