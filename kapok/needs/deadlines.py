"""When a need is due: the one place deadlines are decided ("问题当天清零").

- normal: by the end of the local day it was reported (23:59 Asia/Shanghai); reported after the
  cut-off (KAPOK_NEED_CUTOFF, 20:00 by default), by the next morning (KAPOK_NEED_NEXT_MORNING).
- urgent: within KAPOK_NEED_URGENT_HOURS, and never later than a normal need.
- emergency: accepted within KAPOK_NEED_EMERGENCY_ACCEPT_MINUTES, cleared like an urgent need.

A breached deadline escalates the need one level up (kapok.needs.escalation); the level above then
has KAPOK_NEED_ESCALATION_HOURS (an emergency: the accept minutes again) before the next breach.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from kapok.needs.kinds import Urgency

# The last minute of a local day: a need due "today" is due at 23:59.
END_OF_DAY = dt.time(23, 59, 59)


@dataclass(frozen=True)
class Deadlines:
    accept_by: dt.datetime | None
    clear_by: dt.datetime

    @property
    def first_breach(self) -> dt.datetime:
        return self.accept_by or self.clear_by


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def same_day_due(reported_at: dt.datetime) -> dt.datetime:
    """The end of the local day it was reported, or the next morning after the cut-off."""
    local = timezone.localtime(reported_at)
    cutoff = settings.KAPOK_NEED_CUTOFF
    if cutoff is not None and local.time() >= cutoff:
        return _local(local.date() + dt.timedelta(days=1), settings.KAPOK_NEED_NEXT_MORNING)
    return _local(local.date(), END_OF_DAY)


def deadlines_for(urgency: str, reported_at: dt.datetime) -> Deadlines:
    clear_by = same_day_due(reported_at)
    if urgency == Urgency.NORMAL:
        return Deadlines(accept_by=None, clear_by=clear_by)
    clear_by = min(clear_by, reported_at + dt.timedelta(hours=settings.KAPOK_NEED_URGENT_HOURS))
    if urgency == Urgency.EMERGENCY:
        minutes = settings.KAPOK_NEED_EMERGENCY_ACCEPT_MINUTES
        return Deadlines(accept_by=reported_at + dt.timedelta(minutes=minutes), clear_by=clear_by)
    return Deadlines(accept_by=None, clear_by=clear_by)


def escalation_grace(urgency: str) -> dt.timedelta:
    """How long the level a need was escalated to has before the next breach."""
    if urgency == Urgency.EMERGENCY:
        return dt.timedelta(minutes=settings.KAPOK_NEED_EMERGENCY_ACCEPT_MINUTES)
    return dt.timedelta(hours=settings.KAPOK_NEED_ESCALATION_HOURS)
