from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kapok.access.decorators import capability_required
from kapok.accounts.roles import Capability
from kapok.audit.masking import mask_text
from kapok.site.actions import TaskRetryError, retry_task

# Background tasks are site-wide: these pages are for city-level administrators only (they are
# not @region_safe, so region-limited accounts are refused).


@capability_required(Capability.TASKS_MANAGE)
def task_list(request):
    status = request.GET.get("status", "")
    results = DBTaskResult.objects.order_by("-enqueued_at")
    if status in TaskResultStatus.values:
        results = results.filter(status=status)
    counts = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).order_by())
    page = Paginator(results.defer("traceback", "return_value"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "site/task_list.html",
        {
            "page": page,
            "status": status,
            "statuses": [
                (value, label, counts.get(value, 0)) for value, label in TaskResultStatus.choices
            ],
        },
    )


@capability_required(Capability.TASKS_MANAGE)
def task_detail(request, pk):
    result = get_object_or_404(DBTaskResult, pk=pk)
    # Tracebacks can quote the data a task worked on; administrators see no personal data.
    traceback = mask_text(f"{result.exception_class_path}\n{result.traceback}")
    return render(request, "site/task_detail.html", {"result": result, "traceback": traceback})


@capability_required(Capability.TASKS_MANAGE)
@require_POST
def task_retry(request, pk):
    result = get_object_or_404(DBTaskResult, pk=pk)
    try:
        new = retry_task(actor=request.user, result=result)
    except TaskRetryError as error:
        messages.error(request, str(error))
        return redirect("site:task_detail", pk=result.pk)
    messages.success(request, _("The task was queued again."))
    return redirect("site:task_detail", pk=new.id)
