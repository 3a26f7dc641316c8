"""The needs queue of a unit (kapok.needs.views.queue): which needs are in which tab, and what
each row says about its deadline.

    tabs = tabs_for(user)                       # the tabs this user has, in order
    needs = tab_needs(user, "overdue", now)     # a queryset, region-scoped
    counts = tab_counts(user, tabs, now)        # {tab: count}, in one query

Every tab is read through the region-scoping policy (kapok.access.policy.scoped) first, then
narrowed to the user's unit: a need handled by the unit but out of its sight is not listed.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kapok.access.policy import scoped
from kapok.accounts.roles import Capability
from kapok.needs.models import OPEN_STATUSES, Need

S = Need.Status
# A need is due soon when its next deadline is less than this far away.
DUE_SOON = dt.timedelta(hours=2)
NOT_ACCEPTED = (S.REPORTED, S.DISPATCHED, S.RETURNED)


@dataclass(frozen=True)
class Tab:
    key: str
    title: object
    capabilities: tuple  # any of these


TABS = (
    Tab("new", _("New"), (Capability.NEED_HANDLE, Capability.NEED_SUPERVISE)),
    Tab("accepted", _("Accepted"), (Capability.NEED_HANDLE,)),
    Tab("overdue", _("Overdue"), (Capability.NEED_HANDLE, Capability.NEED_SUPERVISE)),
    Tab("due_soon", _("Due soon"), (Capability.NEED_HANDLE, Capability.NEED_SUPERVISE)),
    Tab("to_verify", _("To verify"), (Capability.NEED_REPORT,)),
    Tab("escalated", _("Escalated to us"), (Capability.NEED_SUPERVISE,)),
    Tab("all", _("All in my area"), (Capability.NEED_SUPERVISE,)),
)
TAB_KEYS = tuple(tab.key for tab in TABS)


def tabs_for(user) -> list[Tab]:
    return [tab for tab in TABS if any(user.can(capability) for capability in tab.capabilities)]


def visible_needs(user) -> QuerySet:
    """The needs the user may see, as a plain queryset (no DISTINCT: the scoping join on the
    units a need is shared with is kept inside a subquery)."""
    return Need.objects.filter(pk__in=scoped(Need.objects.all(), user).values("pk"))


def _due_soon(now) -> Q:
    soon = now + DUE_SOON
    return Q(status__in=OPEN_STATUSES) & (
        Q(due_at__gte=now, due_at__lt=soon)
        | Q(accept_due_at__gte=now, accept_due_at__lt=soon, status__in=NOT_ACCEPTED)
    )


def _overdue(now) -> Q:
    return Q(status__in=OPEN_STATUSES) & (
        Q(due_at__lt=now) | Q(accept_due_at__lt=now, status__in=NOT_ACCEPTED)
    )


def _reported_by_us(user) -> Q:
    """Needs the user, their teams or their unit reported: theirs to verify (回访)."""
    from kapok.visits.models import Team

    condition = Q(reported_by=user.pk)
    teams = Team.objects.filter(Q(members=user.pk) | Q(leader=user.pk)).values("pk")
    condition |= Q(reported_by_team__in=teams)
    if user.unit_id is not None:
        condition |= Q(reported_by__unit=user.unit_id) | Q(reported_by_team__unit=user.unit_id)
    return condition


def tab_condition(user, key: str, now) -> Q:
    unit = user.unit_id
    mine = Q(unit=unit) if unit is not None else Q(pk__in=[])
    if key == "new":
        condition = Q(status__in=(S.DISPATCHED, S.REOPENED))
        if user.can(Capability.NEED_SUPERVISE):
            condition |= Q(status__in=(S.REPORTED, S.RETURNED))
        return mine & condition
    if key == "accepted":
        return mine & Q(status=S.ACCEPTED)
    if key == "overdue":
        return mine & _overdue(now)
    if key == "due_soon":
        return mine & _due_soon(now)
    if key == "to_verify":
        return Q(status=S.RESOLVED) & _reported_by_us(user)
    if key == "escalated":
        if unit is None:
            return Q(pk__in=[])
        return Q(escalated_to=unit, status__in=OPEN_STATUSES)
    if key == "all":
        return Q()
    raise ValueError(key)


def tab_needs(user, key: str, now) -> QuerySet:
    return visible_needs(user).filter(tab_condition(user, key, now))


def tab_counts(user, tabs, now) -> dict[str, int]:
    """Every tab's count in one query."""
    return visible_needs(user).aggregate(
        **{tab.key: Count("pk", filter=tab_condition(user, tab.key, now)) for tab in tabs}
    )


def for_rows(needs: QuerySet) -> QuerySet:
    """What a queue row shows, without one query per row."""
    return needs.select_related("person", "unit", "escalated_to").order_by(
        "due_at", "-created_at", "-id"
    )


@dataclass(frozen=True)
class Deadline:
    at: dt.datetime | None
    text: str
    overdue: bool
    soon: bool
    accept: bool  # the deadline is to accept it (an emergency), not to clear it


def deadline_of(need: Need, now) -> Deadline:
    """The deadline that matters now, and a countdown ("还剩 1 小时 20 分") or how late it is
    ("超时 3 小时")."""
    at, accept = need.due_at, False
    if (
        need.accept_due_at is not None
        and need.status in NOT_ACCEPTED
        and (at is None or need.accept_due_at < at)
    ):
        at, accept = need.accept_due_at, True
    if at is None or not need.is_open:
        return Deadline(at, "", False, False, accept)
    left = at - now
    if left < dt.timedelta(0):
        hours = math.ceil(-left.total_seconds() / 3600)
        text = ngettext("%(n)s hour overdue", "%(n)s hours overdue", hours) % {"n": hours}
        return Deadline(at, text, True, False, accept)
    minutes = math.ceil(left.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        text = _("%(h)s h %(m)s min left") % {"h": hours, "m": minutes}
    else:
        text = ngettext("%(m)s minute left", "%(m)s minutes left", minutes) % {"m": minutes}
    return Deadline(at, str(text), False, left < DUE_SOON, accept)


def local(value):
    return timezone.localtime(value) if value else None
