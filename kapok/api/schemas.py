"""What the API takes and gives, as pydantic schemas (django-ninja): the OpenAPI schema is made
from these. People appear masked (张*明), without ID numbers or phones; free text is masked too."""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints

from kapok.needs.kinds import NeedKind, Urgency
from kapok.needs.lifecycle import Action
from kapok.needs.models import Need

# Database keys are 64-bit: anything larger is no record, and is refused before a query.
MAX_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1


def _clean_text(value: str) -> str:
    """Text a database can store: no NUL character, no lone surrogate."""
    if "\x00" in value:
        raise ValueError("text cannot contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode") from None
    return value


def Text(max_length: int):
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_clean_text)]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Error(Schema):
    code: str = Field(description="a stable code: unauthorized, not_found, conflict, illegal, …")
    message: str = Field(description="for people, in the language asked for (Accept-Language)")


class PersonOut(Schema):
    id: int
    name: str = Field(description="masked: 张*明")
    residence_region_code: str | None


class UnitOut(Schema):
    id: int
    name: str


class DeadlinesOut(Schema):
    accept_by: dt.datetime | None = Field(description="emergencies: to be accepted by")
    due: dt.datetime | None = Field(description="to be cleared by")
    next_escalation: dt.datetime | None
    escalation_level: int
    overdue: bool


class NeedOut(Schema):
    id: int
    person: PersonOut
    kind: NeedKind
    kind_label: str
    urgency: Urgency
    description: str
    status: Need.Status
    status_label: str
    unit: UnitOut | None = Field(description="the handling unit")
    region_code: str = Field(description="where the person lives: the community as a rule")
    cross_district: bool
    result: str
    reason: str
    duplicate_of: int | None
    version: int = Field(description="send it back with a transition (optimistic locking)")
    deadlines: DeadlinesOut
    created_at: dt.datetime
    updated_at: dt.datetime
    dispatched_at: dt.datetime | None
    accepted_at: dt.datetime | None
    resolved_at: dt.datetime | None
    verified_at: dt.datetime | None
    closed_at: dt.datetime | None


class TimelineEntryOut(Schema):
    at: dt.datetime
    action: str = Field(description="needs.need.reported, needs.need.dispatched, …")
    actor: str
    data: dict


class NeedDetailOut(NeedOut):
    allowed_actions: list[Action] = Field(description="what this integration may do now")
    timeline: list[TimelineEntryOut]


class NeedPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[NeedOut]


class ConflictOut(Error):
    need: NeedOut = Field(description="the need as it is now")


class NeedIn(Schema):
    person_id: Id | None = Field(None, description="the person's id in Kapok")
    id_number: Text(40) | None = Field(None, description="or the person's resident ID number")
    kind: NeedKind
    urgency: Urgency = Urgency.NORMAL
    description: Text(2000) = ""


class TransitionIn(Schema):
    action: Action
    version: Annotated[int, Field(ge=0, le=MAX_VERSION)]
    reason: Text(500) = Field("", description="return, reopen, cancel")
    result: Text(2000) = Field("", description="resolve: what was done")
    note: Text(500) = Field("", description="verify")
    unit_id: Id | None = Field(None, description="dispatch: the unit to send it to")
    duplicate_of: Id | None = Field(None, description="cancel: the need this one duplicates")
