"""The one outcome form of a visit, by phone (callers) or at home and by video (communities):
reached or not, difficulties or none, the needs found (rows of kind, urgency and what exactly),
notes; on a home or video visit also the channel, the gas-safety check and photos.

    form = OutcomeForm(request.POST, request.FILES, at_home=True)
    if form.is_valid():
        record_visit(task, actor=user, **form.visit_arguments())
"""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kapok.needs.kinds import NeedKind, Urgency
from kapok.visits.calling import NeedFound
from kapok.visits.models import Channel, Visit
from kapok.web.photos import MAX_PHOTOS, PhotosField, accepted_types

Outcome = Visit.Outcome
OUTCOMES_BY_PHONE = (
    Outcome.REACHED,
    Outcome.NO_ANSWER,
    Outcome.POWERED_OFF,
    Outcome.WRONG_NUMBER,
    Outcome.REFUSED,
)
# A video call can go unanswered too.
OUTCOMES_AT_HOME = (Outcome.REACHED, Outcome.NOT_HOME, Outcome.NO_ANSWER, Outcome.REFUSED)
MAX_NEEDS = 10


class GasSafety(models.TextChoices):
    """Chengdu's gas-safety check (燃气安全检查) on a home visit: Visit.checks["gas_safety"]."""

    OK = "ok", _("no problem")
    PROBLEM = "problem", _("problem found")
    NOT_CHECKED = "not_checked", _("not checked")


class Difficulty(models.TextChoices):
    NONE = "none", _("no difficulty")
    SOME = "some", _("has difficulties")


class NeedRowForm(forms.Form):
    """One need found. A row left empty is ignored."""

    kind = forms.ChoiceField(
        label=_("Need"), choices=[("", "—"), *NeedKind.choices], required=False
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL, required=False
    )
    description = forms.CharField(
        label=_("What exactly"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("what, how much, since when")}),
    )

    def clean(self):
        data = super().clean()
        if data.get("description") and not data.get("kind"):
            self.add_error("kind", _("Choose the kind of need."))
        return data

    def need(self) -> NeedFound | None:
        data = getattr(self, "cleaned_data", None) or {}
        if not data.get("kind"):
            return None
        return NeedFound(
            kind=data["kind"],
            urgency=data.get("urgency") or Urgency.NORMAL,
            description=data.get("description", "").strip(),
        )


NeedRows = forms.formset_factory(
    NeedRowForm, extra=1, max_num=MAX_NEEDS, validate_max=True, absolute_max=MAX_NEEDS
)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Reached or not"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what came of the visit: reached or not.")},
    )
    difficulty = forms.ChoiceField(
        label=_("Difficulties"),
        choices=Difficulty.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    channel = forms.ChoiceField(
        label=_("Visit"),
        choices=[(Channel.HOME, Channel.HOME.label), (Channel.VIDEO, Channel.VIDEO.label)],
        initial=Channel.HOME,
        widget=forms.RadioSelect,
    )
    gas_safety = forms.ChoiceField(
        label=pgettext_lazy("Chengdu's check on a home visit", "Gas safety"),
        choices=GasSafety.choices,
        initial=GasSafety.NOT_CHECKED,
        widget=forms.RadioSelect,
        required=False,
    )
    photos = PhotosField(label=_("Photos"), required=False)

    def __init__(self, data=None, files=None, *, at_home: bool = False, **kwargs):
        super().__init__(data, files, **kwargs)
        self.at_home = at_home
        outcomes = OUTCOMES_AT_HOME if at_home else OUTCOMES_BY_PHONE
        self.fields["outcome"].choices = [(outcome, outcome.label) for outcome in outcomes]
        if at_home:
            self.fields["photos"].widget.attrs["accept"] = accepted_types()
            self.fields["photos"].help_text = _(
                "Optional, up to %(max)s. Where and when they were taken is removed."
            ) % {"max": MAX_PHOTOS}
        else:
            for name in ("channel", "gas_safety", "photos"):
                del self.fields[name]
        if data is not None and "needs-TOTAL_FORMS" not in data:
            data = data.copy()  # posted without need rows (no JavaScript, a script): none
            data.update({"needs-TOTAL_FORMS": "0", "needs-INITIAL_FORMS": "0"})
        self.needs = NeedRows(data, prefix="needs")

    def is_valid(self) -> bool:
        rows_valid = self.needs.is_valid()
        return super().is_valid() and rows_valid

    def needs_found(self) -> list[NeedFound]:
        if not self.needs.is_bound:
            return []
        return [need for row in self.needs.forms if (need := row.need()) is not None]

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        self.needs.is_valid()
        needs = self.needs_found()
        if outcome and outcome != Outcome.REACHED and needs:
            self.add_error(
                None,
                _(
                    "Needs can only be recorded for a person reached: choose “reached”, "
                    "or clear the needs."
                ),
            )
        if outcome == Outcome.REACHED:
            difficulty = data.get("difficulty")
            if not difficulty and not needs:
                self.add_error(
                    "difficulty", _("Say whether the person has difficulties, or add a need.")
                )
            elif difficulty == Difficulty.NONE and needs:
                self.add_error(
                    "difficulty",
                    _("You chose “no difficulty” but recorded needs: choose one or the other."),
                )
        return data

    def visit_arguments(self) -> dict:
        """The keyword arguments of record_visit / record_free_visit."""
        data = self.cleaned_data
        reached = data["outcome"] == Outcome.REACHED
        arguments = {
            "outcome": data["outcome"],
            "has_difficulty": reached and data.get("difficulty") == Difficulty.SOME,
            "needs": self.needs_found() if reached else [],
            "notes": data.get("notes", "").strip(),
        }
        if self.at_home:
            arguments["channel"] = data["channel"]
            arguments["checks"] = {"gas_safety": data.get("gas_safety") or GasSafety.NOT_CHECKED}
        return arguments

    def photos_to_store(self) -> list:
        if not self.at_home:
            return []
        return self.cleaned_data.get("photos") or []
