"""The lifecycle of a need, as one state machine: the one place that says which action moves a
need from which states to which, and which capability it takes.

    REPORTED ──dispatch──▶ DISPATCHED ──accept──▶ ACCEPTED ──resolve──▶ RESOLVED
    RESOLVED ──verify──▶ VERIFIED ──close──▶ CLOSED
    DISPATCHED, ACCEPTED ──return (wrong unit, a reason)──▶ RETURNED ──dispatch──▶ DISPATCHED
    RESOLVED ──reopen (verification failed, a reason)──▶ REOPENED ──accept──▶ ACCEPTED
    cancel (a duplicate, with a reason): from any state before RESOLVED → CANCELLED

Routing dispatches a new need at once when the person's community is known; otherwise it waits,
REPORTED, at a street or district office for dispatch by hand. Returned (退回: the wrong unit, with
a reason) goes to the level above, which dispatches it again.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from kapok.accounts.roles import Capability
from kapok.needs.models import Need

S = Need.Status


class Action(models.TextChoices):
    DISPATCH = "dispatch", _("dispatch")  # 派单
    ACCEPT = "accept", _("accept")  # 签收
    RETURN = "return", _("return")  # 退回
    RESOLVE = "resolve", _("resolve")  # 反馈
    VERIFY = "verify", _("verify")  # 回访
    REOPEN = "reopen", _("reopen")  # 回访不满意
    CLOSE = "close", _("close")  # 办结
    CANCEL = "cancel", _("cancel")  # 撤销 (重复)


# Who does it: the handling unit, a supervisor above it, or the team that reported it.
HANDLER, SUPERVISOR, REPORTER = "handler", "supervisor", "reporter"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    capability: Capability
    actor: str  # HANDLER, SUPERVISOR or REPORTER (supervisors may always act too)
    needs_reason: bool = False


TRANSITIONS: dict[Action, Transition] = {
    Action.DISPATCH: Transition(
        frozenset({S.REPORTED, S.RETURNED}), S.DISPATCHED, Capability.NEED_SUPERVISE, SUPERVISOR
    ),
    Action.ACCEPT: Transition(
        frozenset({S.DISPATCHED, S.REOPENED}), S.ACCEPTED, Capability.NEED_HANDLE, HANDLER
    ),
    Action.RETURN: Transition(
        frozenset({S.DISPATCHED, S.ACCEPTED}),
        S.RETURNED,
        Capability.NEED_HANDLE,
        HANDLER,
        needs_reason=True,
    ),
    Action.RESOLVE: Transition(
        frozenset({S.ACCEPTED}), S.RESOLVED, Capability.NEED_HANDLE, HANDLER
    ),
    Action.VERIFY: Transition(
        frozenset({S.RESOLVED}), S.VERIFIED, Capability.NEED_REPORT, REPORTER
    ),
    Action.REOPEN: Transition(
        frozenset({S.RESOLVED}), S.REOPENED, Capability.NEED_REPORT, REPORTER, needs_reason=True
    ),
    Action.CLOSE: Transition(frozenset({S.VERIFIED}), S.CLOSED, Capability.NEED_REPORT, REPORTER),
    Action.CANCEL: Transition(
        frozenset({S.REPORTED, S.DISPATCHED, S.ACCEPTED, S.RETURNED, S.REOPENED}),
        S.CANCELLED,
        Capability.NEED_SUPERVISE,
        SUPERVISOR,
        needs_reason=True,
    ),
}


def event_of(action: Action) -> str:
    """The audit-log action of a transition: needs.need.accepted, needs.need.returned, …"""
    return f"needs.need.{TRANSITIONS[action].target.lower()}"


def actions_from(status: str) -> list[Action]:
    """The actions the state machine allows from ``status``, in the order of the table."""
    return [action for action, transition in TRANSITIONS.items() if status in transition.sources]
