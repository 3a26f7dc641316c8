"""Robot-call vendors: adding one (its shared secret made here and shown once), a new secret, and
the simulated vendor of the demo.

The secret is stored encrypted (kapok.registry.protection, purpose SECRET_PURPOSE) and read back
only to sign batches and check results. Nobody sees it again after creation: a lost secret is
replaced with ``new_vendor_secret``, which the vendor then configures.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.access.policy import is_region_restricted
from kapok.accounts.roles import Capability
from kapok.audit.actions import log_action
from kapok.registry.protection import decrypt, encrypt
from kapok.visits.models import RobotVendor
from kapok.visits.robot.signing import new_secret

SECRET_PURPOSE = "visits.robot_vendor.secret"  # noqa: S105 (a label, not a secret)
SIMULATED_CODE = "simulated"
SIMULATED_NAME = "模拟机器人外呼（演示）"


class VendorError(ValidationError):
    pass


def vendor_secret(vendor: RobotVendor) -> str:
    return decrypt(vendor.secret_encrypted, SECRET_PURPOSE)


def _check_may_manage(actor) -> None:
    """Vendors serve the whole city: city-level team leaders manage them (or the command line,
    without an actor)."""
    if actor is None:
        return
    if not actor.can(Capability.TEAM_LEAD) or is_region_restricted(actor):
        raise PermissionDenied(_("Only a city-level team leader manages robot-call vendors."))


def check_batch_url(delivery: str, url: str) -> None:
    if delivery == RobotVendor.Delivery.CSV:
        return
    if not url:
        raise VendorError(_("A vendor that takes batches by HTTPS needs its URL."), code="url")
    scheme = urlsplit(url).scheme
    if scheme != "https" and not (scheme == "http" and not settings.PRODUCTION):
        raise VendorError(_("Batches are only sent over HTTPS."), code="url")


@transaction.atomic
def create_vendor(
    *,
    actor,
    name: str,
    code: str,
    delivery: str,
    batch_url: str = "",
    is_simulated: bool = False,
) -> tuple[RobotVendor, str]:
    """Add a vendor with a new shared secret; returns the vendor and the secret, to be shown
    once and never again."""
    _check_may_manage(actor)
    if not is_simulated:
        check_batch_url(delivery, batch_url)
    if RobotVendor.objects.filter(code=code).exists():
        raise VendorError(_("A vendor with this code exists already."), code="code")
    if RobotVendor.objects.filter(name=name).exists():
        raise VendorError(_("A vendor with this name exists already."), code="name")
    secret = new_secret()
    vendor = RobotVendor.objects.create(
        name=name,
        code=code,
        delivery=delivery,
        batch_url=batch_url,
        is_simulated=is_simulated,
        secret_encrypted=encrypt(secret, SECRET_PURPOSE),
        secret_set_at=timezone.now(),
    )
    log_action(
        "visits.robot_vendor.created",
        actor=actor,
        obj=vendor,
        data={"code": code, "delivery": delivery, "url": batch_url, "simulated": is_simulated},
    )
    return vendor, secret


@transaction.atomic
def new_vendor_secret(vendor: RobotVendor, *, actor) -> str:
    """Replace the vendor's secret; the old one stops working at once. Returns the new one."""
    _check_may_manage(actor)
    secret = new_secret()
    vendor.secret_encrypted = encrypt(secret, SECRET_PURPOSE)
    vendor.secret_set_at = timezone.now()
    vendor.save(update_fields=["secret_encrypted", "secret_set_at", "updated_at"])
    log_action("visits.robot_vendor.secret_replaced", actor=actor, obj=vendor)
    return secret


@transaction.atomic
def set_vendor_active(vendor: RobotVendor, *, actor, active: bool) -> None:
    _check_may_manage(actor)
    if vendor.is_active == active:
        return
    vendor.is_active = active
    vendor.save(update_fields=["is_active", "updated_at"])
    log_action("visits.robot_vendor.activated", actor=actor, obj=vendor, data={"active": active})


def ensure_simulated_vendor() -> RobotVendor:
    """The demo's simulated vendor, created once (idempotent)."""
    vendor = RobotVendor.objects.filter(code=SIMULATED_CODE).first()
    if vendor is not None:
        return vendor
    vendor, _secret = create_vendor(
        actor=None,
        name=SIMULATED_NAME,
        code=SIMULATED_CODE,
        delivery=RobotVendor.Delivery.HTTPS,
        is_simulated=True,
    )
    return vendor
