"""The lifecycle of a need: every legal and every illegal transition, who may take each, the
timeline, and the optimistic lock."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied

from kapok.access.policy import scoped
from kapok.accounts.roles import Role
from kapok.audit.models import LogEntry
from kapok.needs.actions import (
    TRANSITION_ACTIONS,
    NeedConflict,
    NeedError,
    accept_need,
    accept_needs,
    allowed_actions,
    cancel_need,
    close_need,
    dispatch_need,
    reopen_need,
    report_need,
    resolve_need,
    return_need,
    verify_need,
)
from kapok.needs.lifecycle import TRANSITIONS, Action, actions_from
from kapok.needs.models import Need
from kapok.visits.models import Team
from tests.factories import PersonFactory, UserFactory, region, unit_for

S = Need.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def people(personas):
    """The personas, plus a caller of a city team who reports needs and verifies them."""
    personas.team = Team.objects.create(name="市电访一队", unit=personas.city_unit)
    personas.caller = UserFactory(username="caller", unit=personas.city_unit, roles=[Role.CALLER])
    personas.team.members.add(personas.caller)
    personas.other_community = unit_for("白云区松洲街槎龙", parent=personas.street_unit)
    return personas


def reported(people, **kwargs) -> Need:
    person = kwargs.pop("person", None) or PersonFactory()
    return report_need(
        person=person,
        kind=kwargs.pop("kind", "FOOD"),
        urgency=kwargs.pop("urgency", "normal"),
        description="家里没米了",
        actor=people.caller,
        team=people.team,
        **kwargs,
    )


def need_in(people, status: str) -> Need:
    """A need brought into ``status`` through the actions, as people would."""
    if status == S.REPORTED:  # nobody knows the community: it waits at the street
        return reported(people, person=PersonFactory(residence_region=region("白云区松洲街")))
    need = reported(people)
    worker, caller, street = people.community, people.caller, people.street
    if status == S.DISPATCHED:
        return need
    if status == S.RETURNED:
        return return_need(need, actor=worker, version=need.version, reason="不在本社区")
    if status == S.CANCELLED:
        return cancel_need(need, actor=street, version=need.version, reason="重复上报")
    need = accept_need(need, actor=worker, version=need.version)
    if status == S.ACCEPTED:
        return need
    need = resolve_need(need, actor=worker, version=need.version, result="已送米面油")
    if status == S.RESOLVED:
        return need
    if status == S.REOPENED:
        return reopen_need(need, actor=caller, version=need.version, reason="老人说没收到")
    need = verify_need(need, actor=caller, version=need.version)
    if status == S.VERIFIED:
        return need
    return close_need(need, actor=caller, version=need.version)


def take(people, need: Need, action: Action) -> Need:
    """Take ``action`` as the person it belongs to, with what it asks for."""
    actor = {
        Action.DISPATCH: people.street,
        Action.ACCEPT: people.community,
        Action.RETURN: people.community,
        Action.RESOLVE: people.community,
        Action.VERIFY: people.caller,
        Action.REOPEN: people.caller,
        Action.CLOSE: people.caller,
        Action.CANCEL: people.street,
    }[action]
    extra = {
        Action.DISPATCH: {"unit": people.community_unit},
        Action.RETURN: {"reason": "不是我们社区的"},
        Action.RESOLVE: {"result": "已上门送药"},
        Action.REOPEN: {"reason": "老人说还没解决"},
        Action.CANCEL: {"reason": "与另一条重复"},
    }.get(action, {})
    return TRANSITION_ACTIONS[action](need, actor=actor, version=need.version, **extra)


@pytest.mark.parametrize(
    ("status", "action"), list(itertools.product(S.values, [a.value for a in Action]))
)
def test_every_transition_is_legal_exactly_when_the_state_machine_says(people, status, action):
    action = Action(action)
    need = need_in(people, status)
    assert need.status == status
    if status in TRANSITIONS[action].sources:
        moved = take(people, need, action)
        assert moved.status == TRANSITIONS[action].target
        assert Need.objects.get(pk=need.pk).status == TRANSITIONS[action].target
        assert moved.version == need.version + 1
        entry = LogEntry.objects.for_object(need).first()
        assert entry.action == f"needs.need.{TRANSITIONS[action].target.lower()}"
        assert entry.data["from"] == status
    else:
        with pytest.raises(NeedError) as refused:
            take(people, need, action)
        assert refused.value.code == "illegal"
        assert str(need.get_status_display()) in refused.value.messages[0]
        assert Need.objects.get(pk=need.pk).version == need.version


def test_the_state_machine_ends_in_closed_and_cancelled():
    assert actions_from(S.CLOSED) == []
    assert actions_from(S.CANCELLED) == []
    assert actions_from(S.DISPATCHED) == [Action.ACCEPT, Action.RETURN, Action.CANCEL]


def test_a_need_goes_round_its_whole_life_and_the_timeline_tells_it(people):
    need = need_in(people, S.DISPATCHED)
    need = accept_need(need, actor=people.community, version=need.version)
    need = resolve_need(need, actor=people.community, version=need.version, result="送了米")
    need = reopen_need(need, actor=people.caller, version=need.version, reason="只送了一半")
    need = accept_need(need, actor=people.community, version=need.version)
    need = resolve_need(need, actor=people.community, version=need.version, result="补齐了")
    need = verify_need(need, actor=people.caller, version=need.version, note="老人确认收到")
    need = close_need(need, actor=people.caller, version=need.version)
    timeline = [
        entry.action.removeprefix("needs.need.")
        for entry in LogEntry.objects.for_object(need).order_by("created_at", "id")
    ]
    assert timeline == [
        "reported",
        "dispatched",
        "accepted",
        "resolved",
        "reopened",
        "accepted",
        "resolved",
        "verified",
        "closed",
    ]
    need.refresh_from_db()
    assert (need.result, need.version, need.closed_at is not None) == ("补齐了", 8, True)


def test_a_returned_need_goes_to_the_level_above_which_dispatches_it_again(people):
    need = need_in(people, S.DISPATCHED)
    need = return_need(need, actor=people.community, version=need.version, reason="已搬到槎龙")
    assert (need.status, need.unit, need.reason) == (S.RETURNED, people.street_unit, "已搬到槎龙")
    with pytest.raises(PermissionDenied):  # a community cannot dispatch
        dispatch_need(
            need, actor=people.community, version=need.version, unit=people.other_community
        )
    need = dispatch_need(
        need, actor=people.street, version=need.version, unit=people.other_community
    )
    assert (need.status, need.unit) == (S.DISPATCHED, people.other_community)


@pytest.mark.parametrize("blank", ["", "   "])
def test_returning_reopening_and_cancelling_need_a_reason(people, blank):
    need = need_in(people, S.DISPATCHED)
    with pytest.raises(NeedError) as refused:
        return_need(need, actor=people.community, version=need.version, reason=blank)
    assert refused.value.code == "reason"
    with pytest.raises(NeedError):
        cancel_need(need, actor=people.street, version=need.version, reason=blank)
    resolved = need_in(people, S.RESOLVED)
    with pytest.raises(NeedError):
        reopen_need(resolved, actor=people.caller, version=resolved.version, reason=blank)


def test_a_result_cannot_be_empty(people):
    need = need_in(people, S.ACCEPTED)
    with pytest.raises(NeedError) as refused:
        resolve_need(need, actor=people.community, version=need.version, result=" ")
    assert refused.value.code == "result"
    assert Need.objects.get(pk=need.pk).status == S.ACCEPTED


def test_a_duplicate_must_be_another_need_of_the_same_person(people):
    first = need_in(people, S.DISPATCHED)
    second = reported(people, person=first.person)
    stranger = need_in(people, S.DISPATCHED)
    with pytest.raises(NeedError):
        cancel_need(
            second, actor=people.street, version=second.version, reason="重复", duplicate_of=second
        )
    with pytest.raises(NeedError):
        cancel_need(
            second,
            actor=people.street,
            version=second.version,
            reason="重复",
            duplicate_of=stranger,
        )
    second = cancel_need(
        second, actor=people.street, version=second.version, reason="重复", duplicate_of=first
    )
    assert (second.status, second.duplicate_of) == (S.CANCELLED, first)


def test_who_may_take_each_action(people):
    need = need_in(people, S.DISPATCHED)
    assert allowed_actions(people.community, need) == [Action.ACCEPT, Action.RETURN]
    assert allowed_actions(people.street, need) == [Action.ACCEPT, Action.RETURN, Action.CANCEL]
    assert allowed_actions(people.caller, need) == []  # callers report, they do not handle
    assert allowed_actions(people.outsider, need) == []  # another district
    with pytest.raises(PermissionDenied):
        accept_need(need, actor=people.caller, version=need.version)
    with pytest.raises(PermissionDenied):
        accept_need(need, actor=people.outsider, version=need.version)
    # Another community's worker handles their own needs only.
    neighbour = UserFactory(
        username="chalong", unit=people.other_community, roles=[Role.COMMUNITY_WORKER]
    )
    with pytest.raises(PermissionDenied):
        accept_need(need, actor=neighbour, version=need.version)
    resolved = need_in(people, S.RESOLVED)
    assert allowed_actions(people.caller, resolved) == [Action.VERIFY, Action.REOPEN]
    assert Action.VERIFY not in allowed_actions(people.community, resolved)
    # The hukou district sees a cross-district need but does not handle it.
    assert Need.objects.get(pk=need.pk).status == S.DISPATCHED


def test_a_dispatch_goes_only_to_a_unit_in_the_dispatchers_area(people):
    need = need_in(people, S.REPORTED)
    assert need.unit == people.street_unit
    with pytest.raises(NeedError) as refused:
        dispatch_need(need, actor=people.street, version=need.version, unit=people.outsider_unit)
    assert refused.value.code == "unit"
    need = dispatch_need(
        need, actor=people.street, version=need.version, unit=people.community_unit
    )
    assert (need.status, need.unit, need.dispatched_at is not None) == (
        S.DISPATCHED,
        people.community_unit,
        True,
    )


def test_acting_on_a_need_someone_else_just_changed_is_refused_with_its_fresh_state(people):
    need = need_in(people, S.DISPATCHED)
    seen = Need.objects.get(pk=need.pk)  # two workers open the same page
    accept_need(need, actor=people.community, version=need.version)
    with pytest.raises(NeedConflict) as conflict:
        return_need(seen, actor=people.street, version=seen.version, reason="不是本社区")
    assert conflict.value.need.status == S.ACCEPTED
    assert conflict.value.need.version == seen.version + 1
    assert "已签收" in conflict.value.messages[0] or "accepted" in conflict.value.messages[0]
    fresh = Need.objects.get(pk=need.pk)
    assert (fresh.status, fresh.unit) == (S.ACCEPTED, people.community_unit)
    assert LogEntry.objects.filter(action="needs.need.returned").count() == 0


def test_bulk_accept_accepts_each_and_says_which_failed(people):
    first, second, third = (need_in(people, S.DISPATCHED) for _ in range(3))
    stale_version = second.version
    accept_need(second, actor=people.community, version=second.version)
    outcomes = accept_needs(
        [(first, first.version), (second, stale_version), (third, third.version)],
        actor=people.community,
    )
    assert [bool(outcome.error) for outcome in outcomes] == [False, True, False]
    assert outcomes[1].need.status == S.ACCEPTED
    assert set(Need.objects.values_list("status", flat=True)) == {S.ACCEPTED}


def test_a_unit_a_need_is_dispatched_to_outside_the_needs_area_sees_it(people):
    need = need_in(people, S.RETURNED)
    need = dispatch_need(
        need, actor=people.street, version=need.version, unit=people.other_community
    )
    neighbour = UserFactory(
        username="chalong2", unit=people.other_community, roles=[Role.COMMUNITY_WORKER]
    )
    assert scoped(Need.objects.all(), neighbour).filter(pk=need.pk).exists()
    assert allowed_actions(neighbour, need) == [Action.ACCEPT, Action.RETURN]
