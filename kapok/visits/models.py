"""Phone, home, video and robot visits to people in special difficulty.

Every day (and on demand) the call plan gives one CallTask to each person a CallPolicy covers —
by default everyone living inside a lockdown or control zone — shared out to Teams by
AssignmentRules: city teams, district teams, the robot. A caller claims the next task (never
the same as another caller's), calls, and records the outcome as a Visit; the needs found become
Needs (kapok.needs). An unreached person is tried again, then handed to their community for a
home visit. Robot-call results come back through a webhook as RobotResults.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "PHONE", _("phone visit")
    HOME = "HOME", _("home visit")
    VIDEO = "VIDEO", _("video visit")
    ROBOT = "ROBOT", _("robot call")


class Team(models.Model):
    """A phone-visit team (电访队) of a unit: the city's teams, a district's, or a robot."""

    class Kind(models.TextChoices):
        CALLERS = "CALLERS", _("callers")
        ROBOT = "ROBOT", _("robot calls")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CALLERS)
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="teams"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_led",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("callers"), blank=True, related_name="teams"
    )
    vendor = models.ForeignKey(
        "visits.RobotVendor",
        verbose_name=_("robot-call vendor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scoping_region_field = "unit__region__code"

    class Meta:
        ordering = ["unit__region_id", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="team_unique_name"),
            models.CheckConstraint(
                condition=Q(kind="CALLERS") | Q(vendor__isnull=False), name="team_robot_vendor"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CallPolicy(models.Model):
    """Who gets a phone visit and how often, and how unreached people are tried again. Data:
    the bureau adds, say, every LIVING_ALONE_ELDERLY of the city once a week."""

    class Scope(models.TextChoices):
        IN_ZONES = "IN_ZONES", _("living inside a lockdown or control zone")
        EVERYWHERE = "EVERYWHERE", _("wherever they live")

    name = models.CharField(_("name"), max_length=100, unique=True)
    scope = models.CharField(_("who"), max_length=12, choices=Scope.choices)
    category = models.ForeignKey(
        "registry.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Empty: people of every category."),
    )
    # 1: every day; 7: once a week, on ``weekday``.
    every_days = models.PositiveSmallIntegerField(_("every (days)"), default=1)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), null=True, blank=True, help_text=_("0 Monday … 6 Sunday; for weekly plans.")
    )
    attempts = models.PositiveSmallIntegerField(_("attempts by phone"), default=3)
    retry_minutes = models.PositiveSmallIntegerField(_("minutes between attempts"), default=60)
    home_visit_after = models.BooleanField(
        _("home visit after the last failed attempt"), default=True
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("call policy")
        verbose_name_plural = _("call policies")

    def __str__(self) -> str:
        return self.name

    def applies_on(self, day) -> bool:
        if self.every_days <= 1:
            return True
        if self.weekday is not None:
            return day.weekday() == self.weekday
        return day.toordinal() % self.every_days == 0


class AssignmentRule(models.Model):
    """Which teams get which tasks: the first rule (by position) that matches a task's district
    and category shares it among its teams, balanced by load or in turn."""

    class Method(models.TextChoices):
        BALANCED = "BALANCED", _("balanced by load")
        ROUND_ROBIN = "ROUND_ROBIN", _("in turn")

    position = models.PositiveSmallIntegerField(_("position"), default=100)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Empty: everywhere."),
    )
    category = models.ForeignKey(
        "registry.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Empty: every category."),
    )
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), related_name="rules")
    method = models.CharField(
        _("sharing"), max_length=12, choices=Method.choices, default=Method.BALANCED
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self) -> str:
        return f"{self.position}: {self.region or '*'} / {self.category or '*'}"


class CallTask(models.Model):
    """One visit to make to one person on one day: a call (by a team's caller or its robot), a
    home visit (by the person's community), or an urgent call-back."""

    class Kind(models.TextChoices):
        CALL = "CALL", _("phone visit")
        HOME = "HOME", _("home visit")
        CALLBACK = "CALLBACK", _("urgent call-back")

    class Status(models.TextChoices):
        OPEN = "OPEN", _("to do")
        CLAIMED = "CLAIMED", _("in progress")
        DONE = "DONE", _("done")
        UNREACHED = "UNREACHED", _("not reached")
        CANCELLED = "CANCELLED", _("cancelled")

    day = models.DateField(_("day"), db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CALL)
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="tasks"
    )
    policy = models.ForeignKey(
        CallPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    # The unit that makes a home visit: the person's community committee.
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit_tasks",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    retry_minutes = models.PositiveSmallIntegerField(default=60)
    # Not to be tried before this moment (a retry waits its gap).
    not_before = models.DateTimeField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caller"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_tasks",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The visit that completed the task, or the origin of a home visit or call-back.
    origin = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    # The person's community when the task was made: where it is seen from (scoping).
    region_code = models.CharField(max_length=12, db_index=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scoping_region_field = "region_code"

    class Meta:
        ordering = ["day", "not_before", "id"]
        verbose_name = _("visit task")
        verbose_name_plural = _("visit tasks")
        constraints = [
            # Regenerating a day's plan never duplicates a task.
            models.UniqueConstraint(
                fields=["day", "person"], condition=Q(kind="CALL"), name="calltask_one_call_a_day"
            ),
            models.UniqueConstraint(
                fields=["origin", "kind"],
                condition=Q(origin__isnull=False),
                name="calltask_one_follow_up",
            ),
        ]
        indexes = [models.Index(fields=["team", "status", "day"], name="calltask_queue")]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()} · {self.person_id}"


class Visit(models.Model):
    """One attempt to reach a person, by phone, at home, by video or by robot, and what came of
    it. The needs found are kapok.needs.Need records pointing here."""

    class Outcome(models.TextChoices):
        REACHED = "REACHED", _("reached")
        NO_ANSWER = "NO_ANSWER", _("no answer")
        POWERED_OFF = "POWERED_OFF", _("phone off or unreachable")
        WRONG_NUMBER = "WRONG_NUMBER", _("wrong or empty number")
        REFUSED = "REFUSED", _("refused to talk")
        NOT_HOME = "NOT_HOME", _("nobody at home")

    task = models.ForeignKey(
        CallTask, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="visits"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    outcome = models.CharField(_("outcome"), max_length=14, choices=Outcome.choices)
    has_difficulty = models.BooleanField(_("has difficulties"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    # The number called, masked (the full numbers are on the person).
    phone_masked = models.CharField(_("number called"), max_length=20, blank=True)
    # Optional checks made on a home visit, e.g. {"gas_safety": "ok"}.
    checks = models.JSONField(_("checks"), default=dict, blank=True)
    # A robot call: what the person said, and the vendor's result.
    transcript = models.TextField(_("transcript"), blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits_made",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    region_code = models.CharField(max_length=12, db_index=True, blank=True)
    made_at = models.DateTimeField(_("made at"), db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scoping_region_field = "region_code"

    class Meta:
        ordering = ["-made_at", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.get_outcome_display()}"

    @property
    def reached(self) -> bool:
        return self.outcome in (self.Outcome.REACHED, self.Outcome.REFUSED)


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="visits/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class RobotVendor(models.Model):
    """An outbound robot-call vendor: where the day's batch goes and how results are signed."""

    class Delivery(models.TextChoices):
        HTTPS = "HTTPS", _("signed HTTPS POST of JSON")
        CSV = "CSV", _("CSV file to download")

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    delivery = models.CharField(_("delivery"), max_length=6, choices=Delivery.choices)
    batch_url = models.URLField(_("batch URL"), blank=True)
    # The shared secret that signs batches and results (HMAC-SHA256), encrypted at rest.
    secret_encrypted = models.TextField(blank=True, editable=False)
    is_simulated = models.BooleanField(
        _("simulated"),
        default=False,
        help_text=_("A stand-in vendor that answers with made-up transcripts, for demos."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # When the secret was made: it is shown once, then only this date is.
    secret_set_at = models.DateTimeField(_("secret set"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("robot-call vendor")
        verbose_name_plural = _("robot-call vendors")

    def __str__(self) -> str:
        return self.name


class RobotBatch(models.Model):
    """The robot tasks of one day sent to a vendor (or offered as a CSV)."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("waiting")
        SENDING = "SENDING", _("sending")
        SENT = "SENT", _("sent")
        FAILED = "FAILED", _("failed")

    vendor = models.ForeignKey(RobotVendor, on_delete=models.PROTECT, related_name="batches")
    day = models.DateField(_("day"))
    tasks = models.ManyToManyField(CallTask, related_name="robot_batches")
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # Sent: POSTed and accepted by the vendor, or (a CSV vendor) first downloaded.
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("robot-call batch")
        verbose_name_plural = _("robot-call batches")

    def __str__(self) -> str:
        return f"{self.vendor_id} {self.day}"


class RobotResult(models.Model):
    """One call result a vendor posted: kept as received (idempotent by the vendor's id), with
    Kapok's reading of the transcript."""

    class Review(models.TextChoices):
        NONE = "NONE", _("not needed")
        PENDING = "PENDING", _("to review")
        DONE = "DONE", _("reviewed")

    class Handling(models.TextChoices):
        RECORDED = "RECORDED", _("visit recorded")
        TO_REVIEW = "TO_REVIEW", _("waiting for a human to review the reading")
        TASK_FINISHED = "TASK_FINISHED", _("kept: the task was already finished")

    vendor = models.ForeignKey(RobotVendor, on_delete=models.PROTECT, related_name="results")
    result_id = models.CharField(max_length=100)
    task = models.ForeignKey(CallTask, on_delete=models.PROTECT, related_name="robot_results")
    call_status = models.CharField(_("call status"), max_length=30)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    # What Kapok did on receipt (a replay of the result is answered with it).
    handling = models.CharField(
        _("handling"), max_length=14, choices=Handling.choices, blank=True, default=""
    )
    transcript = models.TextField(_("transcript"), blank=True)
    recording_url = models.URLField(_("recording"), blank=True, max_length=500)
    # kapok.needs.transcripts' reading: reached, ok, needs, urgency, confidence.
    reading = models.JSONField(_("reading"), default=dict, blank=True)
    review = models.CharField(
        _("review"), max_length=8, choices=Review.choices, default=Review.NONE, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    visit = models.OneToOneField(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="robot_result"
    )
    region_code = models.CharField(max_length=12, db_index=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    scoping_region_field = "region_code"

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("robot-call result")
        verbose_name_plural = _("robot-call results")
        constraints = [
            models.UniqueConstraint(fields=["vendor", "result_id"], name="robotresult_unique_id")
        ]

    def __str__(self) -> str:
        return self.result_id


class RobotAlert(models.Model):
    """An alert to a team leader that cannot wait: a robot call heard an emergency, and a human
    call-back task was made. Written in the same transaction as the call-back, so it is never
    lost; shown in Kapok at once (the leader's pages), and an outbox for other channels:
    ``delivered_at`` stays empty until a sender (WeCom, SMS — with the needs issue) delivers it,
    counting ``delivery_attempts`` and keeping ``delivery_error``."""

    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    # Who is told: the team's leader (empty: whoever leads teams over the person's area).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="robot_alerts",
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    callback = models.OneToOneField(CallTask, on_delete=models.PROTECT, related_name="robot_alert")
    result = models.ForeignKey(
        RobotResult, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    # The needs heard, as NeedKind codes, and the person's words (masked).
    needs = models.JSONField(default=list, blank=True)
    excerpt = models.CharField(max_length=300, blank=True)
    region_code = models.CharField(max_length=12, db_index=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    delivery_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    scoping_region_field = "region_code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("emergency alert")
        verbose_name_plural = _("emergency alerts")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} · {self.person_id}"

    @property
    def need_labels(self) -> list[str]:
        from kapok.needs.kinds import NeedKind

        return [NeedKind(kind).label for kind in self.needs if kind in NeedKind.values]
