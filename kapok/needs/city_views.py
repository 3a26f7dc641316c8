"""The city's "问题当天清零" page: a day's needs by district and kind, the same-day clearance rate
(kapok.needs.clearance), the oldest open needs, polled live by htmx, and its xlsx download.

Who: those who watch the figures or supervise needs (DATAEYE_VIEW or NEED_SUPERVISE), each for
the area they answer for; the city sees every district.
"""

from django.http import FileResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from kapok.access.decorators import capability_required, region_safe
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.audit.masking import mask_name
from kapok.needs.clearance import (
    clearance,
    district_name,
    districts_of,
    oldest_open,
    write_clearance_xlsx,
)
from kapok.web.days import day_from

CAPABILITIES = (Capability.DATAEYE_VIEW, Capability.NEED_SUPERVISE)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# How often the page's numbers are fetched again, in seconds.
REFRESH_SECONDS = 30


clearance_access = capability_required(*CAPABILITIES)


def _detail_link(need) -> str | None:
    """The need's page, once the needs pages are there."""
    try:
        return reverse("needs:detail", args=[need.pk])
    except NoReverseMatch:
        return None


def _context(request, day) -> dict:
    now = timezone.now()
    figures = clearance(day, request.user, now=now)
    needs = list(oldest_open(request.user))
    regions = districts_of(needs)
    return {
        "figures": figures,
        "day": day,
        "day_query": urlencode({"day": day.isoformat()}),
        "live": day == timezone.localdate(),
        "refresh": REFRESH_SECONDS,
        "updated_at": timezone.localtime(now),
        "oldest": [
            {
                "need": need,
                "name": mask_name(need.person.name),
                "district": district_name(need, regions),
                "overdue": need.is_overdue(now),
                "link": _detail_link(need),
            }
            for need in needs
        ],
    }


@region_safe
@clearance_access
def clearance_page(request):
    form, day = day_from(request)
    return render(request, "needs/clearance_page.html", {"form": form, **_context(request, day)})


@region_safe
@clearance_access
def clearance_numbers(request):
    """The page's numbers alone, which the page polls every 30 seconds (htmx)."""
    _form, day = day_from(request)
    return render(request, "needs/clearance_numbers.html", _context(request, day))


@region_safe
@clearance_access
def clearance_export(request):
    _form, day = day_from(request)
    figures = clearance(day, request.user)
    needs = oldest_open(request.user)
    log_action(
        "needs.clearance.exported",
        actor=request.user,
        data={"day": day.isoformat(), "reported": figures.total.reported},
    )
    return FileResponse(
        write_clearance_xlsx(figures, needs),
        as_attachment=True,
        filename=f"问题清零-{day.isoformat()}.xlsx",
        content_type=XLSX,
    )
