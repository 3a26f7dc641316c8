"""Background work of notifications: delivering the rows one notify() call queued. Rows that
fail wait for their next try, which the periodic run (kapok.site.periodic → deliver_due) makes."""

from django_tasks import task

from kapok.notifications.delivery import deliver_many


@task()
def deliver_notifications(ids: list[int]) -> dict:
    return deliver_many(ids)
