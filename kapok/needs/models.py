"""Needs (问题、需求) found on visits and hotline calls: what a person lacks, how urgent it is,
who handles it (the unit it is routed to), by when, and what became of it.

The lifecycle (kapok.needs.lifecycle) is one state machine; every change goes through an action
(kapok.needs.actions) and is recorded in the audit log, which is the need's timeline."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kapok.needs.kinds import NeedKind, Urgency
from kapok.units.models import Unit


class NeedQuerySet(models.QuerySet):
    def open(self) -> "NeedQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now) -> "NeedQuerySet":
        """Open needs past a deadline: acceptance (emergencies) or clearance."""
        return self.open().filter(
            models.Q(due_at__lt=now)
            | models.Q(
                accept_due_at__lt=now,
                status__in=[Need.Status.REPORTED, Need.Status.DISPATCHED, Need.Status.RETURNED],
            )
        )


class Need(models.Model):
    class Status(models.TextChoices):
        REPORTED = "REPORTED", _("reported")
        DISPATCHED = "DISPATCHED", _("dispatched")
        ACCEPTED = "ACCEPTED", _("accepted")
        RESOLVED = "RESOLVED", _("resolved")
        VERIFIED = "VERIFIED", _("verified")
        CLOSED = "CLOSED", _("closed")
        RETURNED = "RETURNED", _("returned")
        REOPENED = "REOPENED", _("reopened")
        CANCELLED = "CANCELLED", _("cancelled")

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="needs"
    )
    kind = models.CharField(_("kind"), max_length=14, choices=NeedKind.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REPORTED, db_index=True
    )
    # Where it came from: a visit (phone, home, video, robot), and who reported it.
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs_reported",
    )
    reported_by_team = models.ForeignKey(
        "visits.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    # Where the person lives (居住地), the community as a rule: where the need is seen from and
    # routed to. A need whose person has no known community carries the street's or district's.
    region_code = models.CharField(max_length=12, db_index=True, blank=True)
    # The person's registered (户籍) region when it lies in another district (跨区救助): that
    # district is told and sees the need (shared_with).
    hukou_region_code = models.CharField(max_length=12, blank=True)
    # The unit that handles it now (承办单位): the community committee, as a rule; a street or
    # district office while it waits to be dispatched by hand or after it was returned.
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("handling unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs",
    )
    # Units outside the region that see it too: the hukou district, the minor-protection centre,
    # the rescue station (routing rules).
    shared_with = models.ManyToManyField(
        "units.Unit", verbose_name=_("shared with"), blank=True, related_name="shared_needs"
    )
    # Deadlines (kapok.needs.deadlines): accept by (emergencies), cleared by.
    accept_due_at = models.DateTimeField(_("accept by"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    # The next deadline whose breach escalates it one level up (kapok.needs.escalation).
    next_escalation_at = models.DateTimeField(null=True, blank=True, db_index=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalations"), default=0)
    escalated_to = models.ForeignKey(
        "units.Unit",
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_needs",
    )
    result = models.TextField(_("result"), blank=True)  # 反馈: what was done
    # Why it was last returned, reopened or cancelled.
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    dispatched_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking: every change bumps it; a change made against an older one is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NeedQuerySet.as_manager()

    scoping_region_field = "region_code"
    scoping_shared_field = "shared_with"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [models.Index(fields=["unit", "status"], name="need_unit_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.person_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_cross_district(self) -> bool:
        return bool(self.hukou_region_code)

    def is_overdue(self, now) -> bool:
        if not self.is_open:
            return False
        if self.due_at is not None and self.due_at < now:
            return True
        return (
            self.accept_due_at is not None
            and self.accept_due_at < now
            and self.status in (self.Status.REPORTED, self.Status.DISPATCHED, self.Status.RETURNED)
        )


# Not yet resolved: the states a deadline runs in and the overdue sweep looks at.
OPEN_STATUSES = (
    Need.Status.REPORTED,
    Need.Status.DISPATCHED,
    Need.Status.ACCEPTED,
    Need.Status.RETURNED,
    Need.Status.REOPENED,
)


class NeedPhoto(models.Model):
    """A photo of the result (反馈), taken on the community worker's phone: checked and
    re-encoded by kapok.web.photos."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="needs/%Y/%m/")
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class Escalation(models.Model):
    """One breach of a deadline, escalated one level up (督办). Unique per need and level: two
    sweeps that meet cannot escalate the same breach twice."""

    class Breach(models.TextChoices):
        ACCEPT = "ACCEPT", _("not accepted in time")
        CLEAR = "CLEAR", _("not cleared in time")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField()  # 1 for the first breach, 2 for the next…
    breach = models.CharField(max_length=6, choices=Breach.choices)
    deadline = models.DateTimeField()
    from_unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["need_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["need", "level"], name="escalation_once_per_breach")
        ]

    def __str__(self) -> str:
        return f"{self.need_id} · {self.level}"


class RoutingRule(models.Model):
    """Where some kinds of need go besides the person's community, kept as data: GUARDIANSHIP to
    the minor-protection centre and the street's child supervisor, SHELTER to the rescue station.

    A rule names a kind of unit (the nearest active one above the person's residence: the
    district's centre before the city's), or a duty at the person's street (its child supervisor,
    among the street office's duty people); the need is shared with that unit and it is told."""

    class Duty(models.TextChoices):
        CHILD_SUPERVISOR = "CHILD_SUPERVISOR", _("the street's child supervisor")

    kind = models.CharField(_("kind"), max_length=14, choices=NeedKind.choices)
    unit_kind = models.CharField(
        _("unit kind"), max_length=32, choices=Unit.Kind.choices, blank=True
    )
    duty = models.CharField(_("duty"), max_length=20, choices=Duty.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(unit_kind="", duty=""), name="routing_rule_has_a_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.unit_kind or self.duty}"
