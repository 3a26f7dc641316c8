"""Forms of the pages for team leaders and the city: the board's day, moving tasks, teams and
their callers, call policies and assignment rules. They only read and check input: the changes
are made by the actions (kapok.visits.teams, kapok.visits.policies, calling.move_tasks)."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kapok.access.policy import scoped
from kapok.accounts.models import User
from kapok.accounts.roles import Capability
from kapok.registry.models import Category
from kapok.units.forms import RegionField
from kapok.units.models import Unit
from kapok.visits.models import AssignmentRule, CallPolicy, RobotVendor, Team
from kapok.visits.policies import POLICY_FIELDS
from kapok.visits.teams import users_who_can


class MoveTasksForm(forms.Form):
    """Open tasks of one list (a team's, or those without a team) moved to another team: the
    ones ticked, or the first N of the list."""

    tasks = forms.ModelMultipleChoiceField(
        label=_("Tasks"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    first = forms.IntegerField(
        label=_("or the first"),
        min_value=1,
        required=False,
        help_text=_("tasks of the list, oldest first"),
    )
    team = forms.ModelChoiceField(label=_("Move to"), queryset=None)

    def __init__(self, *args, candidates, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        self.fields["tasks"].queryset = candidates
        self.fields["team"].queryset = teams

    def clean(self):
        data = super().clean()
        if not data.get("tasks") and not data.get("first"):
            raise forms.ValidationError(_("Tick the tasks to move, or say how many."))
        return data

    def chosen(self) -> list:
        data = self.cleaned_data
        chosen = {task.pk: task for task in data.get("tasks") or ()}
        if data.get("first"):
            for task in self.candidates[: data["first"]]:
                chosen.setdefault(task.pk, task)
        return list(chosen.values())


class TeamForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=Team.Kind.choices)
    unit = forms.ModelChoiceField(label=_("unit"), queryset=None)
    leader = forms.ModelChoiceField(label=_("leader"), queryset=None, required=False)
    vendor = forms.ModelChoiceField(
        label=_("robot-call vendor"),
        queryset=RobotVendor.objects.filter(is_active=True),
        required=False,
        help_text=_("For a robot team only."),
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, actor, team: Team | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = users_who_can(Capability.TEAM_LEAD, actor)
        if team is None:
            self.fields["unit"].queryset = scoped(
                Unit.objects.active().exclude(kind=Unit.Kind.COMMUNITY_COMMITTEE), actor
            )
            del self.fields["is_active"]
        else:
            del self.fields["unit"]  # a team stays with its unit

    def clean(self):
        data = super().clean()
        if data.get("kind") == Team.Kind.ROBOT and not data.get("vendor"):
            self.add_error("vendor", _("A robot team needs its robot-call vendor."))
        return data


class MembersForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=_("Callers"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, actor, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        # The callers of the region, and whoever is in the team already (to be kept or removed).
        callers = users_who_can(Capability.VISIT_CALL, actor).values("pk")
        current = list(team.members.values_list("pk", flat=True))
        queryset = User.objects.filter(Q(pk__in=callers) | Q(pk__in=current))
        self.fields["members"].queryset = queryset.select_related("unit").order_by(
            "unit__region_id", "username"
        )
        self.fields["members"].label_from_instance = _caller_label
        self.initial.setdefault("members", current)


def _caller_label(user) -> str:
    return f"{user} · {user.unit.name}" if user.unit else str(user)


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class CallPolicyForm(forms.ModelForm):
    class Meta:
        model = CallPolicy
        fields = POLICY_FIELDS  # what the audited action (kapok.visits.policies) saves

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["weekday"] = forms.TypedChoiceField(
            label=CallPolicy._meta.get_field("weekday").verbose_name,
            choices=[("", "—"), *WEEKDAYS],
            coerce=int,
            empty_value=None,
            required=False,
            help_text=_("For a weekly plan: the day it is made."),
        )

    def clean(self):
        data = super().clean()
        every, weekday = data.get("every_days"), data.get("weekday")
        if every == 1 and weekday is not None:
            self.add_error("weekday", _("A daily plan has no weekday."))
        if weekday is not None and every not in (None, 7):
            self.add_error("weekday", _("A weekday goes with a weekly plan (every 7 days)."))
        return data

    def _post_clean(self):
        """The action saves; the form does not touch the record (ModelForm would set its
        fields on the instance while validating)."""
        return


class AssignmentRuleForm(forms.ModelForm):
    region = RegionField(
        label=_("area"),
        required=False,
        help_text=_("A district, street or community as people write it; empty: everywhere."),
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("teams"),
        queryset=Team.objects.filter(is_active=True).select_related("unit"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = AssignmentRule
        fields = ["position", "region", "category", "method", "teams", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["teams"].label_from_instance = _team_label
        if self.instance.region_id:
            self.initial["region"] = self.instance.region

    def _post_clean(self):
        """As CallPolicyForm: the action saves."""
        return


def _team_label(team: Team) -> str:
    robot = f" ({Team.Kind.ROBOT.label})" if team.kind == Team.Kind.ROBOT else ""
    return f"{team.name} · {team.unit.name}{robot}"
