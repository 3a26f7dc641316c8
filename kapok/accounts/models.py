from datetime import timedelta
from functools import cached_property

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.cache import cache
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kapok.accounts.roles import Capability, Role, capabilities_of


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username, password=None, **fields):
        if not username:
            raise ValueError("username is required")
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username, password=None, **fields):
        """The bootstrap account of `kapok createsuperuser`: it manages accounts, nothing else."""
        fields["is_superuser"] = True
        user = self.create_user(username, password, **fields)
        RoleGrant.objects.create(user=user, role=Role.SYSTEM_ADMIN)
        return user


class User(AbstractBaseUser):
    username = models.CharField(
        _("username"),
        max_length=64,
        unique=True,
        error_messages={"unique": _("An account with this username already exists.")},
    )
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Only the bootstrap account from `kapok createsuperuser`: sees every region's accounts.
    is_superuser = models.BooleanField(_("bootstrap administrator"), default=False)
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []
    scoping_region_field = "unit__region__code"

    class Meta:
        ordering = ["username"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_staff(self) -> bool:
        return False

    @cached_property
    def roles(self) -> list[Role]:
        return sorted(Role(grant.role) for grant in self.role_grants.all())

    @cached_property
    def capabilities(self) -> frozenset[Capability]:
        return capabilities_of(self.roles)

    def can(self, capability: Capability) -> bool:
        return self.is_active and capability in self.capabilities

    def is_locked(self, now=None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user_id", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="rolegrant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class SecurityPolicy(models.Model):
    """The one row of security settings the security administrator controls."""

    CACHE_KEY = "kapok.security-policy"

    password_min_length = models.PositiveSmallIntegerField(_("minimum password length"), default=10)
    max_failed_logins = models.PositiveSmallIntegerField(
        _("failed logins before the account is locked"), default=5
    )
    lockout_minutes = models.PositiveSmallIntegerField(_("lock-out (minutes)"), default=15)
    session_idle_minutes = models.PositiveSmallIntegerField(
        _("log out after this many idle minutes"), default=30
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("security policy")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="securitypolicy_singleton"),
            models.CheckConstraint(
                condition=models.Q(password_min_length__gte=8), name="securitypolicy_password_8"
            ),
            models.CheckConstraint(
                condition=models.Q(max_failed_logins__gte=1), name="securitypolicy_failures_1"
            ),
            models.CheckConstraint(
                condition=models.Q(session_idle_minutes__gte=1), name="securitypolicy_idle_1"
            ),
        ]

    def __str__(self) -> str:
        return str(_("security policy"))

    @classmethod
    def current(cls) -> "SecurityPolicy":
        policy = cache.get(cls.CACHE_KEY)
        if policy is None:
            policy, _created = cls.objects.get_or_create(id=1)
            cache.set(cls.CACHE_KEY, policy, 30)
        return policy

    @property
    def lockout(self) -> timedelta:
        return timedelta(minutes=self.lockout_minutes)
