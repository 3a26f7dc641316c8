"""Changes to accounts and the security policy. Each checks the actor, runs in one transaction and
writes the audit log."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kapok.access.policy import can_see, scope_of
from kapok.accounts.errors import AccountError
from kapok.accounts.models import RoleGrant, SecurityPolicy, User
from kapok.accounts.roles import SEPARATED_ROLES, Capability, Role
from kapok.audit.actions import assign_changes, log_action


def check_roles(roles) -> list[Role]:
    roles = sorted({Role(role) for role in roles})
    separated = [role for role in roles if role in SEPARATED_ROLES]
    if len(separated) > 1:
        raise AccountError(
            _(
                "The system administrator, the security administrator and the auditor must be "
                "three different people: one account cannot hold %(roles)s."
            )
            % {"roles": "、".join(str(role.label) for role in separated)},
            code="separation_of_duties",
        )
    return roles


def _check_manager(actor: User, unit) -> None:
    if not actor.can(Capability.ACCOUNTS_MANAGE):
        raise PermissionDenied(_("Your roles do not allow managing accounts."))
    if unit is not None and not can_see(actor, unit):
        raise PermissionDenied(_("This unit is outside your region."))
    if unit is None and scope_of(actor).restricted:
        raise AccountError(_("Choose the unit the account belongs to."), code="unit_required")


@transaction.atomic
def create_user(
    *,
    actor: User,
    username: str,
    full_name: str,
    unit,
    roles,
    password: str,
    phone: str = "",
    email: str = "",
) -> User:
    _check_manager(actor, unit)
    roles = check_roles(roles)
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(_("An account with this username already exists."), code="taken")
    user = User(username=username, full_name=full_name, unit=unit, phone=phone, email=email)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=role) for role in roles])
    log_action(
        "accounts.user.created",
        actor=actor,
        obj=user,
        data={"username": username, "unit": unit.name if unit else "", "roles": roles},
    )
    return user


@transaction.atomic
def update_user(
    *, actor: User, user: User, full_name: str, unit, roles, phone: str, email: str
) -> User:
    _check_manager(actor, user.unit)
    _check_manager(actor, unit)
    roles = check_roles(roles)
    before_roles = list(user.roles)
    if user.pk == actor.pk and set(roles) != set(before_roles):
        raise AccountError(_("You cannot change your own roles."), code="self_roles")
    changes = assign_changes(user, full_name=full_name, unit=unit, phone=phone, email=email)
    if changes:
        user.save(update_fields=[*changes, "updated_at"])
    if set(roles) != set(before_roles):
        RoleGrant.objects.filter(user=user).exclude(role__in=roles).delete()
        RoleGrant.objects.bulk_create(
            [RoleGrant(user=user, role=role) for role in roles if role not in before_roles]
        )
        changes["roles"] = [before_roles, roles]
        user.__dict__.pop("roles", None)
        user.__dict__.pop("capabilities", None)
    if changes:
        log_action("accounts.user.updated", actor=actor, obj=user, data=changes)
    return user


@transaction.atomic
def set_user_active(*, actor: User, user: User, active: bool) -> User:
    _check_manager(actor, user.unit)
    if user.pk == actor.pk:
        raise AccountError(_("You cannot deactivate your own account."), code="self_active")
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active", "updated_at"])
        log_action(
            "accounts.user.reactivated" if active else "accounts.user.deactivated",
            actor=actor,
            obj=user,
        )
    return user


@transaction.atomic
def reset_password(*, actor: User, user: User, password: str) -> User:
    _check_manager(actor, user.unit)
    validate_password(password, user)
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["password", "failed_logins", "locked_until", "updated_at"])
    log_action("accounts.user.password_reset", actor=actor, obj=user)
    return user


@transaction.atomic
def update_security_policy(*, actor: User, **values) -> SecurityPolicy:
    if not actor.can(Capability.SECURITY_MANAGE):
        raise PermissionDenied(_("Only the security administrator sets the security policy."))
    policy, _created = SecurityPolicy.objects.select_for_update().get_or_create(id=1)
    changes = assign_changes(policy, **values)
    if changes:
        policy.save(update_fields=[*changes, "updated_at"])
        log_action("accounts.security_policy.changed", actor=actor, obj=policy, data=changes)
    # Forget the cached policy now for this process and again once committed, for the others.
    _forget_policy()
    transaction.on_commit(_forget_policy)
    return policy


def _forget_policy() -> None:
    from django.core.cache import cache

    cache.delete(SecurityPolicy.CACHE_KEY)


# Sign-in bookkeeping, called from the auth signals (kapok.accounts.signals).


def record_login(user: User) -> None:
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["failed_logins", "locked_until"])
    log_action("accounts.user.logged_in", actor=user, obj=user)


def record_logout(user: User | None) -> None:
    if user is not None and user.is_authenticated:
        log_action("accounts.user.logged_out", actor=user, obj=user)


@transaction.atomic
def record_login_failure(username: str) -> None:
    user = User.objects.select_for_update().filter(username=username).first()
    log_action(
        "accounts.user.login_failed",
        actor=None,
        obj=user,
        data={"username": username},
        region_code=user.unit.region_id if user is not None and user.unit_id else "",
    )
    if user is None:
        return
    policy = SecurityPolicy.current()
    now = timezone.now()
    if user.locked_until and user.locked_until <= now:
        user.failed_logins = 0
        user.locked_until = None
    user.failed_logins += 1
    if user.failed_logins >= policy.max_failed_logins and not user.is_locked(now):
        user.locked_until = now + policy.lockout
        log_action(
            "accounts.user.locked",
            obj=user,
            data={"failed_logins": user.failed_logins, "minutes": policy.lockout_minutes},
        )
    user.save(update_fields=["failed_logins", "locked_until"])
