"""Background work of the registry: importing an uploaded roster.

Progress. An import runs in one transaction, so that a roster is imported whole or not at all
(a failure leaves nothing behind, and a retry starts afresh). On PostgreSQL, what that
transaction writes is invisible to other connections until it commits, ``rows_done`` included.
So the progress is written through a second database connection, in autocommit, which the
progress bar sees at once: every PROGRESS_EVERY rows, one ``UPDATE … SET rows_done``. That
connection never waits on the import's: the import does not write its RosterImport row until it
has finished (the rows it adds only take a key-share lock on it, which an update of rows_done
does not conflict with). Before the transaction, the rows are counted and saved in
``rows_total``, the end of the bar.

SQLite allows one writer at a time, and a second connection would wait for the import's
transaction to end; there (development and tests) the bar jumps from 0 to the end.
"""

import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import PurePath

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from kapok.registry.columns import ColumnError
from kapok.registry.dedupe import find_duplicates
from kapok.registry.importing import RosterImportError, import_roster
from kapok.registry.models import RosterImport
from kapok.registry.reading import RosterFileError

logger = logging.getLogger(__name__)

EXPECTED_ERRORS = (RosterFileError, RosterImportError, ColumnError)


@contextmanager
def stored_file(file: FieldFile) -> Iterator[str]:
    """A local path to an uploaded roster: the file itself on a file-system storage, else a
    temporary copy. Raises RosterFileError when the upload is no longer kept."""
    if not file:
        raise RosterFileError(
            _("The uploaded file is no longer kept; upload the roster again."), code="unreadable"
        )
    try:
        path = file.path
    except NotImplementedError:
        path = None
    if path is not None:
        yield path
        return
    with tempfile.NamedTemporaryFile(suffix=PurePath(file.name).suffix) as copy:
        try:
            with file.open("rb") as source:
                shutil.copyfileobj(source, copy)
        except OSError as error:
            raise RosterFileError(
                _("The uploaded file is no longer kept; upload the roster again."),
                code="unreadable",
            ) from error
        copy.flush()
        yield copy.name


@contextmanager
def _progress_reporter(import_id: int) -> Iterator[Callable[[int], None] | None]:
    """A function that records ``rows_done`` where other connections see it at once (see the
    module's docstring); None where the database cannot do that."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        yield None
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    quote = side.ops.quote_name
    # Only the model's own table and column names go into the text; the values are parameters.
    statement = (
        f"UPDATE {quote(RosterImport._meta.db_table)} SET {quote('rows_done')} = %s "  # noqa: S608
        f"WHERE {quote('id')} = %s"
    )

    def report(rows_done: int) -> None:
        with side.cursor() as cursor:
            cursor.execute(statement, [rows_done, import_id])

    try:
        yield report
    finally:
        side.close()


def _fail(import_id: int, message: str) -> None:
    RosterImport.objects.filter(pk=import_id).update(
        status=RosterImport.Status.FAILED, error=message, finished_at=timezone.now()
    )


@task()
def run_roster_import(import_id: int) -> str:
    """Import an uploaded roster (a RosterImport waiting with its file and column corrections).
    Returns the import's status. A failure marks the import FAILED with the reason; it can be
    retried from its page."""
    # Claim the import: of two workers given the same one, only one goes on.
    claimed = RosterImport.objects.filter(pk=import_id, status=RosterImport.Status.PENDING).update(
        status=RosterImport.Status.RUNNING, error=""
    )
    if not claimed:
        return "SKIPPED"
    roster_import = RosterImport.objects.select_related("category", "started_by").get(pk=import_id)
    try:
        with (
            stored_file(roster_import.file) as path,
            _progress_reporter(import_id) as progress,
        ):
            batch = import_roster(
                path,
                filename=roster_import.file_name,
                category=roster_import.category,
                actor=roster_import.started_by,
                sheet=roster_import.sheet or None,
                source=roster_import.source,
                overrides=roster_import.overrides or {},
                into=roster_import,
                progress=progress,
            )
    except EXPECTED_ERRORS as error:
        _fail(import_id, getattr(error, "message", None) or str(error))
        return RosterImport.Status.FAILED.value
    except Exception:
        logger.exception("roster import %s failed", import_id)
        _fail(
            import_id,
            _(
                "The import stopped on an unexpected error. Retry it; if it fails again, an "
                "administrator finds the details under background tasks."
            ),
        )
        raise
    # Every import is followed by deduplication of what it added (kapok.registry.dedupe).
    find_duplicates(new=batch.people_touched, actor=roster_import.started_by)
    return RosterImport.Status.DONE.value
