"""Changes to people in the registry. Each checks the actor's capability and region, runs in one
transaction and writes the audit log (values masked)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kapok.access.policy import can_see, scope_of
from kapok.accounts.roles import Capability
from kapok.audit.actions import assign_changes, log_action
from kapok.regions.models import Region
from kapok.registry import identity
from kapok.registry.models import Person

EDITABLE = ("phones", "residence_region", "compound", "address", "status", "notes")


def _check(actor, person: Person) -> None:
    if not actor.can(Capability.PERSON_EDIT):
        raise PermissionDenied(_("Your roles do not allow editing people."))
    if not can_see(actor, person):
        raise PermissionDenied(_("This person lives outside your region."))


@transaction.atomic
def update_person(*, actor, person: Person, **values) -> Person:
    """Change what a worker may correct on the spot: phones, where the person lives, status and
    notes. Phones are normalised; an unknown field is a programming error."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable here: {', '.join(sorted(unknown))}")
    person = Person.objects.select_for_update().get(pk=person.pk)
    _check(actor, person)
    if "phones" in values:
        try:
            values["phones"] = identity.normalize_phones(" ".join(values["phones"]))
        except identity.PhoneError as error:
            raise ValidationError(str(error), code=error.code) from None
    region = values.get("residence_region")
    if region is not None:
        if region.level != Region.Level.COMMUNITY:
            raise ValidationError(_("Choose the community the person lives in."))
        if not scope_of(actor).covers(region.code):
            raise PermissionDenied(
                _("%(region)s is outside your region.") % {"region": region.full_name}
            )
    if "status" in values and values["status"] not in Person.Status.values:
        raise ValidationError(_("Unknown status."))
    changes = assign_changes(person, **values)
    if changes:
        person.save(update_fields=[*changes, "updated_at"])
        log_action("registry.person.updated", actor=actor, obj=person, data=changes)
    return person


@transaction.atomic
def reveal_personal_data(*, actor, person: Person, reason: str) -> dict:
    """The ID number and phones in clear, for a user allowed to see them who says why; the
    reason is in the audit log."""
    if not actor.can(Capability.PERSON_UNMASK):
        raise PermissionDenied(_("Your roles do not allow seeing ID numbers in full."))
    if not can_see(actor, person):
        raise PermissionDenied(_("This person lives outside your region."))
    reason = " ".join(reason.split())
    if len(reason) < 4:
        raise ValidationError(_("Say why you need the full numbers (at least 4 characters)."))
    log_action("registry.person.unmasked", actor=actor, obj=person, data={"reason": reason})
    return {"id_number": person.id_number, "phones": list(person.phones)}
