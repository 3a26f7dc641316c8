from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from kapok.site.daily import ensure_daily_run
from kapok.site.periodic import ensure_periodic_run


class Command(DatabaseWorkerCommand):
    help = (
        "Run a background worker: it takes queued tasks from the database and runs them, and "
        "keeps the daily and the periodic housekeeping (kapok.site.daily, kapok.site.periodic) "
        "queued. With --batch it only runs what is queued."
    )

    def handle(self, *args, **options):
        if not options["batch"]:
            ensure_daily_run()
            ensure_periodic_run()
        return super().handle(*args, **options)
