from django import forms
from django.utils.translation import gettext_lazy as _

from kapok.access.policy import scoped
from kapok.regions.lookup import RegionLookupError, find_region
from kapok.units.models import Unit


class RegionField(forms.CharField):
    """A region written as people write it (白云区松洲街, 螺涌社区, 440111003005), found through the
    one look-up; an ambiguous or unknown name is an error that says so."""

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return find_region(text)
        except RegionLookupError as error:
            raise forms.ValidationError(str(error)) from None

    def prepare_value(self, value):
        return getattr(value, "full_name", value)


class UnitForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=Unit.Kind.choices)
    region = RegionField(
        label=_("region"),
        help_text=_("A division code or a name, e.g. 白云区松洲街 or 螺涌社区."),
    )
    parent = forms.ModelChoiceField(
        label=_("parent unit"), queryset=Unit.objects.none(), required=False
    )
    phone = forms.CharField(label=_("duty phone"), max_length=40, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = scoped(
            Unit.objects.active().exclude(kind=Unit.Kind.COMMUNITY_COMMITTEE), actor
        )
