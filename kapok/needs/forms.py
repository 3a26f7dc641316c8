"""The forms of the need page, one per action (kapok.needs.lifecycle.Action). Each carries the
version of the need the user saw (optimistic locking: kapok.needs.actions), and gives the
keyword arguments of its action.

    form = FORMS[Action.RESOLVE](request.POST, request.FILES, need=need, user=user)
    if form.is_valid():
        resolve_need(need, actor=user, version=form.cleaned_data["version"], **form.arguments())
"""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kapok.access.policy import scoped
from kapok.needs.actions import REASON_MAX, RESULT_MAX
from kapok.needs.kinds import NeedKind, Urgency
from kapok.needs.lifecycle import Action
from kapok.needs.models import Need
from kapok.regions.models import Region, prefix_range
from kapok.units.models import Unit, level_of
from kapok.web.photos import MAX_PHOTOS, PhotosField, accepted_types

# Units a need can be dispatched to besides the communities and streets of its area.
SPECIALISED = (
    Unit.Kind.SOCIAL_WORK_STATION,
    Unit.Kind.MINOR_PROTECTION_CENTRE,
    Unit.Kind.RESCUE_STATION,
    Unit.Kind.CHARITY_ASSOCIATION,
    Unit.Kind.ELDERLY_CARE_INSTITUTION,
)


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, data=None, files=None, *, need: Need, user, **kwargs):
        kwargs.setdefault("initial", {"version": need.version})
        super().__init__(data, files, **kwargs)
        self.need, self.user = need, user

    def arguments(self) -> dict:
        return {}


def _reason_field(label):
    return forms.CharField(
        label=label, max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class AcceptForm(ActionForm):
    pass


class CloseForm(ActionForm):
    pass


class ResolveForm(ActionForm):
    result = forms.CharField(
        label=_("What was done"),
        max_length=RESULT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("what, how much, when")}),
        error_messages={"required": _("Say what was done: the result cannot be empty.")},
    )
    photos = PhotosField(label=_("Photos of the result"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        attrs = self.fields["photos"].widget.attrs
        attrs.update({"accept": accepted_types(), "capture": "environment", "multiple": True})
        self.fields["photos"].help_text = _(
            "Optional, up to %(max)s. Where and when they were taken is removed."
        ) % {"max": MAX_PHOTOS}

    def arguments(self) -> dict:
        return {
            "result": self.cleaned_data["result"],
            "photos": self.cleaned_data.get("photos") or [],
        }


class ReasonForm(ActionForm):
    reason = _reason_field(_("Reason"))

    def arguments(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}


class ReturnForm(ReasonForm):
    reason = _reason_field(_("Why it is not yours"))


class ReopenForm(ReasonForm):
    reason = _reason_field(_("What is still not met"))


class VerifyForm(ActionForm):
    note = forms.CharField(
        label=_("Call-back note"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def arguments(self) -> dict:
        return {"note": self.cleaned_data.get("note", "")}


def dispatch_units(user, need: Need):
    """The units ``user`` may dispatch ``need`` to: the communities and street offices of the
    need's area (its street, or its district when the need is placed no deeper), and the
    specialised units — all within the user's own area."""
    code = need.region_code or ""
    depth = min(level_of(code), Region.Level.STREET) if code else Region.Level.CITY
    prefix = code[: Region.PREFIX_LENGTH[depth]] if code else ""
    communities_and_streets = Q(kind__in=(Unit.Kind.COMMUNITY_COMMITTEE, Unit.Kind.STREET_OFFICE))
    if prefix:
        communities_and_streets &= prefix_range("region_id", prefix)
    units = scoped(Unit.objects.active(), user).filter(
        communities_and_streets | Q(kind__in=SPECIALISED)
    )
    if need.status == Need.Status.RETURNED and need.unit_id is not None:
        units = units.exclude(pk=need.unit_id)
    return units.select_related("region").order_by("kind", "region_id", "name")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        return f"{unit.name}（{unit.get_kind_display()}）"


class DispatchForm(ActionForm):
    unit = UnitChoiceField(
        label=_("Dispatch to"),
        queryset=Unit.objects.none(),
        empty_label=_("— choose a unit —"),
        error_messages={"required": _("Choose the unit to dispatch the need to.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = dispatch_units(self.user, self.need)

    def arguments(self) -> dict:
        return {"unit": self.cleaned_data["unit"]}


class NeedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, need):
        created = timezone.localtime(need.created_at)
        return f"{need.get_kind_display()} · {created:%m-%d %H:%M} · {need.get_status_display()}"


class CancelForm(ReasonForm):
    reason = _reason_field(_("Why it is cancelled"))
    duplicate_of = NeedChoiceField(
        label=_("Duplicate of"),
        queryset=Need.objects.none(),
        required=False,
        empty_label=_("— not a duplicate —"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate_of"].queryset = (
            scoped(Need.objects.filter(person=self.need.person_id), self.user)
            .exclude(pk=self.need.pk)
            .order_by("-created_at")
        )

    def arguments(self) -> dict:
        return {
            "reason": self.cleaned_data["reason"],
            "duplicate_of": self.cleaned_data.get("duplicate_of"),
        }


FORMS = {
    Action.DISPATCH: DispatchForm,
    Action.ACCEPT: AcceptForm,
    Action.RETURN: ReturnForm,
    Action.RESOLVE: ResolveForm,
    Action.VERIFY: VerifyForm,
    Action.REOPEN: ReopenForm,
    Action.CLOSE: CloseForm,
    Action.CANCEL: CancelForm,
}


class QueueFilterForm(forms.Form):
    """The queue's filters: kind, urgency, status, and the community's name."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("all kinds")), *NeedKind.choices], required=False
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=[("", _("any urgency")), *Urgency.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("any status")), *Need.Status.choices], required=False
    )
    community = forms.CharField(
        label=_("Community"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("community name")}),
    )

    def filter(self, needs):
        data = self.cleaned_data
        if data.get("kind"):
            needs = needs.filter(kind=data["kind"])
        if data.get("urgency"):
            needs = needs.filter(urgency=data["urgency"])
        if data.get("status"):
            needs = needs.filter(status=data["status"])
        if data.get("community"):
            codes = Region.objects.filter(name__contains=data["community"].strip()).values("code")
            needs = needs.filter(region_code__in=codes)
        return needs
