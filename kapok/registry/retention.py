"""Retention of uploaded roster files.

An uploaded roster holds ID numbers and phones in clear. Kapok keeps the file while its import
waits or runs, and for a while after it ended so that a failed import can be retried; then the
file is deleted. What the import produced stays: the import, its counts, its rejected rows
(stored encrypted) and their download. A failed import whose file is gone is uploaded again.

    purge_roster_files(dry_run=False)  # the files of imports that ended more than
                                       # settings.KAPOK_ROSTER_FILE_RETENTION_DAYS days ago

Run by ``kapok rosters purge`` and every day by the worker (kapok.site.daily). Each deletion is
in the audit log, naming the import and the stored file, never what the file held.
"""

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from kapok.audit.actions import log_action
from kapok.registry.models import RosterImport

logger = logging.getLogger(__name__)

# An import in one of these states no longer needs its file (a failed one, for a retry, only
# until the retention period is over).
ENDED = (RosterImport.Status.DONE, RosterImport.Status.FAILED)


@dataclass
class DeletedFile:
    roster_import: int
    category: str
    status: str
    ended_at: str
    stored_as: str
    bytes: int | None


@dataclass
class PurgeResult:
    retention_days: int
    cutoff: str
    dry_run: bool
    files: list[DeletedFile] = field(default_factory=list)
    # Imports whose file could not be deleted (it stays, and the next purge tries again).
    failed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {**asdict(self), "deleted": len(self.files)}


def retention_days() -> int:
    return settings.KAPOK_ROSTER_FILE_RETENTION_DAYS


def files_due(cutoff: dt.datetime):
    """The imports whose stored file is due for deletion: ended (done or failed) before
    ``cutoff``. An import that failed before it ran (its file could not be read, or had no name
    column) may have no end time: its upload time stands for it."""
    return (
        RosterImport.objects.exclude(file="")
        .filter(status__in=ENDED)
        .annotate(ended=Coalesce("finished_at", "created_at"))
        .filter(ended__lt=cutoff)
    )


def purge_roster_files(*, dry_run: bool = False, now: dt.datetime | None = None) -> PurgeResult:
    """Delete the stored files of the imports that ended more than the retention period ago.
    Idempotent; an import retried meanwhile (waiting or running again) keeps its file."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    result = PurgeResult(
        retention_days=retention_days(),
        cutoff=timezone.localtime(cutoff).isoformat(),
        dry_run=dry_run,
    )
    # Read whole before deleting: SQLite does not isolate a cursor from writes to its table.
    due = list(files_due(cutoff).select_related("category").order_by("ended", "pk"))
    for roster_import in due:
        name = roster_import.file.name
        deleted = DeletedFile(
            roster_import=roster_import.pk,
            category=roster_import.category.code,
            status=roster_import.status,
            ended_at=timezone.localtime(roster_import.ended).isoformat(),
            stored_as=name,
            bytes=_size(roster_import),
        )
        if not dry_run:
            try:
                if not _delete(roster_import, deleted, cutoff):
                    continue
            except OSError as error:
                logger.warning(
                    "could not delete the roster file of import %s (%s): %s",
                    roster_import.pk,
                    name,
                    error.strerror or error,
                )
                result.failed.append(roster_import.pk)
                continue
        result.files.append(deleted)
    return result


def _delete(roster_import: RosterImport, deleted: DeletedFile, cutoff: dt.datetime) -> bool:
    """Forget the file and delete it, in one transaction: if the file cannot be deleted, the
    import keeps pointing at it and the next purge tries again. False when the import was
    retried meanwhile (it is waiting or running, or ended again since)."""
    name = roster_import.file.name
    with transaction.atomic():
        forgotten = files_due(cutoff).filter(pk=roster_import.pk, file=name).update(file="")
        if not forgotten:
            return False
        log_action(
            "registry.roster.file_deleted",
            obj=roster_import,
            data={
                "stored_as": name,
                "status": roster_import.status,
                "ended_at": deleted.ended_at,
                "bytes": deleted.bytes,
                "retention_days": retention_days(),
            },
        )
        roster_import.file.storage.delete(name)  # a file already gone is no error
    logger.info("deleted the roster file of import %s (%s)", roster_import.pk, name)
    return True


def _size(roster_import: RosterImport) -> int | None:
    try:
        return roster_import.file.storage.size(roster_import.file.name)
    except OSError:
        return None


def purge_roster_files_daily() -> dict:
    """The daily job (kapok.site.daily): purge, and say how many files went."""
    result = purge_roster_files()
    if result.failed:
        raise OSError(f"roster files of imports {result.failed} could not be deleted")
    return {"deleted": len(result.files), "cutoff": result.cutoff}
