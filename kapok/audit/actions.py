from django.db import models

from kapok.audit.context import current_request
from kapok.audit.masking import mask_text, mask_value
from kapok.audit.models import LogEntry


def object_region_code(obj) -> str:
    """The division code an object belongs to, through the field it declares for scoping."""
    path = getattr(type(obj), "scoping_region_field", None)
    if obj is None or path is None:
        return ""
    parts = path.split("__")
    if len(parts) >= 2 and parts[-1] == "code":
        parts = [*parts[:-2], f"{parts[-2]}_id"]  # the foreign key's column: no query
    value = obj
    for part in parts:
        value = getattr(value, part, None)
        if value is None:
            return ""
    return value.pk if isinstance(value, models.Model) else str(value)


def assign_changes(obj: models.Model, **values) -> dict[str, list]:
    """Set the fields that differ and return them as {field: [before, after]}, for the audit
    log and for ``save(update_fields=...)``. Related objects are recorded by name."""

    def shown(value):
        if value is None or isinstance(value, bool | int | float | str | list | dict):
            return value
        return str(value)

    changes = {}
    for field, value in values.items():
        old = getattr(obj, field)
        if old != value:
            changes[field] = [shown(old), shown(value)]
            setattr(obj, field, value)
    return changes


def log_action(
    action: str,
    *,
    actor=None,
    obj=None,
    data: dict | None = None,
    region_code: str | None = None,
) -> LogEntry:
    """Append one entry to the audit log; personal values in ``data`` are masked."""
    unit = getattr(actor, "unit", None)
    if region_code is None:
        region_code = object_region_code(obj) or (unit.region_id if unit else "")
    context = current_request.get()
    entry = LogEntry(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(str(actor) if actor is not None else "")[:200],
        unit=unit,
        unit_name=(unit.name if unit else "")[:200],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=mask_text(str(obj))[:200] if obj is not None else "",
        region_code=region_code or "",
        data=mask_value(data or {}),
        ip=context.ip if context else None,
    )
    entry.save()
    return entry
