from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.access.decorators import capability_required, region_safe
from kapok.access.policy import scoped
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.audit.exports import MAX_ROWS, write_log_xlsx
from kapok.audit.forms import LogFilterForm
from kapok.audit.models import LogEntry


def _filtered(request):
    form = LogFilterForm(request.GET or None)
    entries = scoped(LogEntry.objects.all(), request.user)
    if form.is_valid():
        entries = form.filter(entries)
    elif form.is_bound:
        entries = entries.none()
    return form, entries


@region_safe
@capability_required(Capability.AUDIT_READ)
def log_list(request):
    form, entries = _filtered(request)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@region_safe
@capability_required(Capability.AUDIT_READ)
def log_export(request):
    _form, entries = _filtered(request)
    total = entries.count()
    if total > MAX_ROWS:
        messages.error(
            request,
            _(
                "%(total)s entries match: one export holds at most %(max)s. "
                "Narrow the dates or the action, and export in parts."
            )
            % {"total": f"{total:,}", "max": f"{MAX_ROWS:,}"},
        )
        return redirect(f"{reverse('audit:log_list')}?{request.GET.urlencode()}")
    log_action(
        "audit.log.exported",
        actor=request.user,
        data={
            "filters": {key: value for key, value in request.GET.items() if value},
            "rows": total,
        },
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        write_log_xlsx(entries),
        as_attachment=True,
        filename=f"kapok-audit-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
