from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action


class TaskRetryError(ValueError):
    pass


@transaction.atomic
def retry_task(*, actor, result: DBTaskResult):
    """Run a failed task again with the same arguments, as a new task."""
    if not actor.can(Capability.TASKS_MANAGE):
        raise PermissionDenied(_("Your roles do not allow managing background tasks."))
    if result.status != TaskResultStatus.FAILED:
        raise TaskRetryError(_("Only a failed task can be retried."))
    try:
        task = result.task
    except ImportError:
        raise TaskRetryError(
            _("This task no longer exists in this version of Kapok: %(path)s")
            % {"path": result.task_path}
        ) from None
    new = task.enqueue(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
    log_action(
        "site.task.retried",
        actor=actor,
        data={"task": result.task_path, "failed_id": str(result.id), "new_id": str(new.id)},
    )
    return new
