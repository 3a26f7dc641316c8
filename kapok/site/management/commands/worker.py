from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from kapok.site.daily import ensure_daily_run


class Command(DatabaseWorkerCommand):
    help = (
        "Run a background worker: it takes queued tasks from the database and runs them, and "
        "keeps the daily housekeeping (kapok.site.daily) queued. With --batch it only runs what "
        "is queued."
    )

    def handle(self, *args, **options):
        if not options["batch"]:
            ensure_daily_run()
        return super().handle(*args, **options)
