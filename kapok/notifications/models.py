"""Notifications: the channels each unit is told on, its duty people, and the outbox.

- ``UnitChannel``: whether a unit is told through its WeCom (企业微信) group robot (the webhook
  URL holds the robot's key: stored encrypted, shown masked), by SMS to its duty people's phones,
  or by e-mail to their addresses.
- ``DutyPerson``: who is on duty in a unit (值班人员, 儿童督导员, 分管领导), with a phone and an
  e-mail.
- ``Notification``: one message to one recipient, written in the same transaction as the event
  it tells about and delivered afterwards by a background task (kapok.notifications.delivery).
  Its ``key`` is unique: the same event is never queued twice to the same recipient.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kapok.audit.masking import mask_phone


class ChannelKind(models.TextChoices):
    WECOM = "WECOM", _("WeCom group robot")
    SMS = "SMS", _("SMS")
    EMAIL = "EMAIL", _("e-mail")


class UnitChannel(models.Model):
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="notification_channels",
    )
    kind = models.CharField(_("channel"), max_length=8, choices=ChannelKind.choices)
    enabled = models.BooleanField(_("on"), default=True)
    # WeCom only: the group robot's webhook URL (it holds the robot's key), encrypted
    # (kapok.registry.protection, purpose WEBHOOK_PURPOSE), and the same masked for showing.
    webhook_encrypted = models.TextField(blank=True, editable=False)
    webhook_masked = models.CharField(_("webhook"), max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scoping_region_field = "unit__region__code"

    class Meta:
        ordering = ["unit_id", "kind"]
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind"], name="unit_channel_unique_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_kind_display()}"


class DutyPersonQuerySet(models.QuerySet):
    def active(self) -> "DutyPersonQuerySet":
        return self.filter(is_active=True)


class DutyPerson(models.Model):
    class Duty(models.TextChoices):
        DUTY = "DUTY", _("on duty")  # 值班人员
        CHILD_SUPERVISOR = "CHILD_SUPERVISOR", _("child supervisor")  # 儿童督导员
        LEADER = "LEADER", _("leader in charge")  # 分管领导

    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="duty_people"
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("mobile phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    duty = models.CharField(_("duty"), max_length=20, choices=Duty.choices, default=Duty.DUTY)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DutyPersonQuerySet.as_manager()

    scoping_region_field = "unit__region__code"

    class Meta:
        ordering = ["unit_id", "-is_active", "duty", "name", "pk"]
        verbose_name = _("duty person")
        verbose_name_plural = _("duty people")

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    @property
    def masked_email(self) -> str:
        from kapok.notifications.recipients import mask_email

        return mask_email(self.email) if self.email else ""


class NotificationQuerySet(models.QuerySet):
    def due(self, now) -> "NotificationQuerySet":
        return self.filter(status=Notification.Status.PENDING, next_attempt_at__lte=now)


class Notification(models.Model):
    """One message to one recipient (the outbox). PENDING until a worker claims it (SENDING),
    then SENT, or PENDING again with a later ``next_attempt_at`` after a failure, or FAILED once
    it has been tried KAPOK_NOTIFY_MAX_ATTEMPTS times (retried by hand from the outbox page)."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("waiting")
        SENDING = "SENDING", _("sending")
        SENT = "SENT", _("sent")
        FAILED = "FAILED", _("gave up")

    kind = models.CharField(_("channel"), max_length=8, choices=ChannelKind.choices)
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    duty_person = models.ForeignKey(
        DutyPerson,
        verbose_name=_("duty person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    # The webhook URL, phone or e-mail address, encrypted (it is never logged or shown in
    # clear), and the same masked for the outbox page.
    recipient_encrypted = models.TextField(editable=False)
    recipient_masked = models.CharField(_("recipient"), max_length=300, editable=False)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    event = models.CharField(_("event"), max_length=100)  # e.g. needs.need.dispatched
    object_type = models.CharField(max_length=100, blank=True)  # app_label.model
    object_id = models.CharField(max_length=64, blank=True)
    # The caller's key, the channel and a keyed hash of the recipient: unique, so the same event
    # is never queued twice to the same recipient.
    key = models.CharField(max_length=300, unique=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When it may be tried next; while SENDING, when the claim counts as abandoned.
    next_attempt_at = models.DateTimeField(_("next attempt"), db_index=True)
    last_error = models.TextField(_("last error"), blank=True)  # masked
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NotificationQuerySet.as_manager()

    scoping_region_field = "unit__region__code"

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.recipient_masked} · {self.event}"
