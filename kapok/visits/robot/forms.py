from django import forms
from django.utils.translation import gettext_lazy as _

from kapok.needs.kinds import NeedKind, Urgency
from kapok.visits.models import RobotVendor, Visit


class VendorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Latin letters, digits and dashes; the vendor sends it in X-Kapok-Vendor."),
    )
    delivery = forms.ChoiceField(label=_("Delivery"), choices=RobotVendor.Delivery.choices)
    batch_url = forms.URLField(
        label=_("Batch URL"),
        required=False,
        assume_scheme="https",
        help_text=_("Where the day's batch is POSTed (HTTPS); empty for a CSV vendor."),
    )


class ReviewForm(forms.Form):
    """The robot's reading, to confirm or correct."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=Visit.Outcome.choices)
    has_difficulty = forms.BooleanField(label=_("Has difficulties"), required=False)
    needs = forms.MultipleChoiceField(
        label=_("Needs found"),
        choices=NeedKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def from_reading(cls, reading: dict) -> "ReviewForm":
        needs = reading.get("needs") or []
        return cls(
            initial={
                "outcome": reading.get("outcome") or Visit.Outcome.REACHED,
                "has_difficulty": bool(needs)
                or (reading.get("reached") is True and reading.get("ok") is False),
                "needs": [need["kind"] for need in needs],
                "urgency": reading.get("urgency") or Urgency.NORMAL,
            }
        )

    def clean(self):
        data = super().clean()
        if data.get("needs") and data.get("outcome") != Visit.Outcome.REACHED:
            raise forms.ValidationError(_("Needs can only be recorded for a person reached."))
        return data

    def needs_found(self) -> list[tuple[str, str]]:
        urgency = self.cleaned_data["urgency"]
        return [(kind, urgency) for kind in self.cleaned_data["needs"]]
