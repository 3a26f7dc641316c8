"""Where the current request came from, for the audit log, without passing requests around."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None


current_request: ContextVar[RequestContext | None] = ContextVar("kapok_request", default=None)
