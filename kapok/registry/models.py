"""The registry: people in special difficulty, their categories and households, and the roster
imports they came from.

One human is one Person, whatever rosters name them: a Person holds several categories
(Membership), each recording the roster it came from. 低保 and 低收入 are household programmes:
their members are grouped in a Household with a head.

ID numbers are stored encrypted and found through a keyed hash (kapok.registry.protection);
what is shown is the masked form, 440111********123X.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kapok.audit.masking import mask_id_number
from kapok.registry.protection import blind_index, decrypt, encrypt

ID_NUMBER_PURPOSE = "person.id_number"


class Category(models.Model):
    """A category of people in special difficulty. Data, not code: a city can add its own."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    is_household_programme = models.BooleanField(
        _("household programme"),
        default=False,
        help_text=_("低保 and 低收入 are granted to households: their members count by household."),
    )
    is_child_category = models.BooleanField(_("children"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        if self.name_en and get_language() == "en":
            return self.name_en
        return self.name


class PersonQuerySet(models.QuerySet):
    def with_id_number(self, id_number: str) -> "PersonQuerySet":
        """Look a person up by a normalised ID number, through its keyed hash."""
        return self.filter(id_number_hash=blind_index(id_number, ID_NUMBER_PURPOSE))

    def alive(self) -> "PersonQuerySet":
        """Living people, each counted once: a person merged into another is left out."""
        return self.filter(status=Person.Status.ALIVE, merged_into__isnull=True)

    def unmerged(self) -> "PersonQuerySet":
        return self.filter(merged_into__isnull=True)


class Person(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Status(models.TextChoices):
        ALIVE = "ALIVE", _("alive")
        DECEASED = "DECEASED", _("deceased")
        MOVED_OUT = "MOVED_OUT", _("moved out")

    name = models.CharField(_("name"), max_length=100, db_index=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=40, blank=True, db_index=True)
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phones = models.JSONField(_("phones"), default=list, blank=True)
    residence_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("residence (community)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
    )
    compound = models.CharField(_("compound (小区)"), max_length=100, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    hukou_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("hukou region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_people",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ALIVE
    )
    notes = models.TextField(_("notes"), blank=True)
    # Set when deduplication found this record to be the same human as another: the record is
    # kept (so that the merge can be undone) but no longer counted or listed.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_records",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    # Region scoping (kapok.access.policy): a person belongs where they live.
    scoping_region_field = "residence_region__code"

    class Meta:
        ordering = ["residence_region_id", "name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            # One human is one Person: an ID number names at most one.
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=~models.Q(id_number_hash=""),
                name="person_unique_id_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        """The ID number in clear: for callers that checked the user may see it."""
        return decrypt(self.id_number_encrypted, ID_NUMBER_PURPOSE)

    def set_id_number(self, id_number: str) -> None:
        """Store a normalised, validated ID number (kapok.registry.identity.parse_id_number)."""
        self.id_number_encrypted = encrypt(id_number, ID_NUMBER_PURPOSE)
        self.id_number_hash = blind_index(id_number, ID_NUMBER_PURPOSE)
        self.id_number_masked = mask_id_number(id_number) if id_number else ""

    def age_on(self, day) -> int | None:
        if self.birth_date is None:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


class Household(models.Model):
    """A household of a household programme (低保, 低收入), with its head and members."""

    category = models.ForeignKey(
        Category, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="households"
    )
    # The programme's household number (户编号) when the roster has one, else "head:<hash>" of the
    # head's ID number: how the same household is recognised on the next import.
    key = models.CharField(_("household key"), max_length=100)
    number = models.CharField(_("household number"), max_length=60, blank=True)
    head = models.ForeignKey(
        Person,
        verbose_name=_("head of household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_households",
    )
    members = models.ManyToManyField(
        Person, through="HouseholdMember", related_name="households", verbose_name=_("members")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category_id", "key"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(fields=["category", "key"], name="household_unique_key"),
        ]

    def __str__(self) -> str:
        return self.number or str(self.head or self.pk)


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="household_links")
    relation = models.CharField(_("relation to the head"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "person"], name="householdmember_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.relation})"


class RosterImport(models.Model):
    """One roster file imported for one category: what came in, what was refused, and why."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("waiting")
        RUNNING = "RUNNING", _("importing")
        DONE = "DONE", _("done")
        FAILED = "FAILED", _("failed")

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="imports"
    )
    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    headers = models.JSONField(_("the roster's columns"), default=list, blank=True)
    column_map = models.JSONField(_("columns"), default=dict, blank=True)
    # An upload waiting for, or kept for a retry of, a background import.
    file = models.FileField(_("uploaded file"), upload_to="rosters/%Y/%m/", blank=True)
    overrides = models.JSONField(_("column corrections"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    people_created = models.PositiveIntegerField(default=0)
    people_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # Imports belong to the importing unit's region.
    scoping_region_field = "unit__region__code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.category})"


class Membership(models.Model):
    """A person's place in a category, from a roster, over a period."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="memberships")
    source = models.CharField(_("source roster"), max_length=200, blank=True)
    roster_import = models.ForeignKey(
        RosterImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships"
    )
    # Null: on the roster since a date the roster does not say.
    started_on = models.DateField(_("from"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category__position", "started_on"]
        verbose_name = _("category membership")
        verbose_name_plural = _("category memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "category"],
                condition=models.Q(ended_on__isnull=True),
                name="membership_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.category}"


class RejectedRow(models.Model):
    """A roster row that was refused or is doubtful, kept with its reason. Its cells are personal
    data and are stored encrypted; the rejects download puts them back with a reason column."""

    roster_import = models.ForeignKey(
        RosterImport, on_delete=models.CASCADE, related_name="rejected_rows"
    )
    row_number = models.PositiveIntegerField(_("row"))
    code = models.CharField(_("reason code"), max_length=40)
    reason = models.CharField(_("reason"), max_length=500)
    cells_encrypted = models.TextField(blank=True)
    is_doubtful = models.BooleanField(
        _("doubtful"), default=False, help_text=_("Imported, but someone should check it.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["roster_import_id", "row_number"]

    def __str__(self) -> str:
        return f"{self.roster_import_id}:{self.row_number} {self.code}"


class DuplicateCandidate(models.Model):
    """Two Person records that deduplication thinks may be one human, for a person to decide
    (side by side: merge, or not the same person)."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("to review")
        MERGED = "MERGED", _("merged")
        DISTINCT = "DISTINCT", _("not the same person")

    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField(_("match probability"))
    # What the comparison found, field by field, for the reviewer (no values in clear).
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scoping_region_field = "person_a__residence_region__code"

    class Meta:
        ordering = ["-match_probability", "id"]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="duplicate_unique_pair"),
            models.CheckConstraint(
                condition=models.Q(person_a__lt=models.F("person_b")), name="duplicate_ordered_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_a_id}~{self.person_b_id} ({self.match_probability:.3f})"


class PersonMerge(models.Model):
    """One merge of a record into another, with what moved, so that it can be undone."""

    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_absorbed")
    candidate = models.ForeignKey(
        DuplicateCandidate, null=True, blank=True, on_delete=models.SET_NULL, related_name="merges"
    )
    automatic = models.BooleanField(_("automatic"), default=False)
    # Ids of the memberships and household links moved, and the fields filled on the kept record.
    moved = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    scoping_region_field = "kept__residence_region__code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.merged_id}→{self.kept_id}"
