"""Who may configure a unit's notifications and see its outbox.

- System administrators (UNITS_MANAGE): any unit of their region.
- A unit's own staff who supervise needs (NEED_SUPERVISE): their own unit.

Everything is read through the region policy first (kapok.access.policy), so a unit of another
region is a 404 whoever asks; a unit in the region that the user may not configure is a 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kapok.access.policy import can_see, get_scoped_or_404, is_region_restricted, scoped
from kapok.accounts.roles import Capability
from kapok.units.models import Unit


def may_use_notifications(user) -> bool:
    return user.can(Capability.UNITS_MANAGE) or user.can(Capability.NEED_SUPERVISE)


def may_configure(user, unit: Unit | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if unit is None:  # rows of no unit: site-wide, for unrestricted administrators
        return user.can(Capability.UNITS_MANAGE) and not is_region_restricted(user)
    if user.can(Capability.UNITS_MANAGE) and can_see(user, unit):
        return True
    return user.can(Capability.NEED_SUPERVISE) and user.unit_id == unit.pk


def check_may_configure(user, unit: Unit | None) -> None:
    if not may_configure(user, unit):
        raise PermissionDenied(_("You may not configure the notifications of this unit."))


def check_may_use(user) -> None:
    if not may_use_notifications(user):
        raise PermissionDenied(_("Your roles do not allow this."))


def configured_units(user) -> QuerySet:
    """The units whose notifications the user configures."""
    if user.can(Capability.UNITS_MANAGE):
        return scoped(Unit.objects.all(), user)
    if user.can(Capability.NEED_SUPERVISE) and user.unit_id:
        return Unit.objects.filter(pk=user.unit_id)
    return Unit.objects.none()


def unit_for_settings_or_404(user, pk) -> Unit:
    """The unit, if the user may configure it: 404 outside their region, 403 inside it."""
    check_may_use(user)
    unit = get_scoped_or_404(user, Unit.objects.select_related("region"), pk=pk)
    check_may_configure(user, unit)
    return unit
