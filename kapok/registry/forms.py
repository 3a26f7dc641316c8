import datetime as dt
from pathlib import PurePath

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from kapok.regions.models import Region
from kapok.registry.columns import FIELD_LABELS, FIELDS, ColumnMap
from kapok.registry.importing import READ_FIELDS
from kapok.registry.models import Category, Person
from kapok.registry.reading import EXTENSIONS
from kapok.registry.statistics import AGE_BANDS
from kapok.units.forms import RegionField

AGE_CHOICES = [("", _("all")), *[(band, band) for band in AGE_BANDS]]


def day_field() -> forms.DateField:
    """The day figures and lists are about (empty: today)."""
    return forms.DateField(
        label=_("Day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[
            MinValueValidator(dt.date(1900, 1, 1)),
            MaxValueValidator(dt.date(2999, 12, 31)),
        ],
    )


class PeopleFilterForm(forms.Form):
    """The people list's filters. The list shows the people counted in the figures on the day
    (living, holding a category that day); ``everyone`` adds those no longer counted."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("name, initials, ID or phone")}
        ),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        to_field_name="code",
        empty_label=_("all"),
    )
    zone = forms.ChoiceField(
        label=_("Risk zone"),
        required=False,
        choices=[("", _("all")), ("in", _("inside a lockdown or control zone that day"))],
    )
    age = forms.ChoiceField(label=_("Age"), required=False, choices=AGE_CHOICES)
    as_of = day_field()
    everyone = forms.BooleanField(
        label=_("Include people not counted that day"),
        required=False,
        widget=forms.CheckboxInput(
            attrs={"title": _("deceased, moved out, or holding no category that day")}
        ),
    )
    region = forms.ModelChoiceField(
        queryset=Region.objects.all(), required=False, widget=forms.HiddenInput
    )


class FiguresForm(forms.Form):
    as_of = day_field()
    zones = forms.BooleanField(label=_("Only inside lockdown and control zones"), required=False)
    age = forms.ChoiceField(label=_("Age"), required=False, choices=AGE_CHOICES)
    region = forms.ModelChoiceField(
        queryset=Region.objects.all(), required=False, widget=forms.HiddenInput
    )


MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("An .xlsx, .xls or .csv file of at most 50 MB."),
        widget=forms.FileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        to_field_name="code",
    )
    sheet = forms.CharField(
        label=_("Sheet"),
        required=False,
        max_length=100,
        help_text=_("Leave empty for the first sheet; you can choose another in the preview."),
    )
    source = forms.CharField(
        label=_("Source"),
        required=False,
        max_length=200,
        help_text=_("Which department handed the roster over, and when."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() not in EXTENSIONS:
            raise forms.ValidationError(
                _("A roster must be a %(extensions)s file."),
                code="extension",
                params={"extensions": ", ".join(EXTENSIONS)},
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB; split the roster into several files."),
                code="size",
                params={"limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
            )
        return upload


class RosterColumnsForm(forms.Form):
    """Which column holds each field: pre-filled from recognition, to correct by hand."""

    def __init__(self, *args, column_map: ColumnMap, **kwargs):
        super().__init__(*args, **kwargs)
        self.column_map = column_map
        headers = dict.fromkeys(h for h in column_map.headers if str(h).strip())
        choices = [("", _("— not used —")), *[(header, header) for header in headers]]
        self.shown = [
            f for f in FIELDS if f in column_map or f in READ_FIELDS
        ]  # offered even when not recognised
        for name in self.shown:
            self.fields[name] = forms.ChoiceField(
                label=FIELD_LABELS[name],
                choices=choices,
                required=False,
                initial=column_map.column(name) or "",
            )

    def clean(self):
        data = super().clean()
        taken: dict[str, str] = {}
        for name in self.shown:
            column = data.get(name)
            if not column:
                continue
            if column in taken:
                raise forms.ValidationError(
                    _("The column “%(column)s” is chosen for both %(first)s and %(second)s."),
                    code="column_twice",
                    params={
                        "column": column,
                        "first": FIELD_LABELS[taken[column]],
                        "second": FIELD_LABELS[name],
                    },
                )
            taken[column] = name
        if not data.get("name"):
            self.add_error("name", _("Choose the column that holds the names."))
        return data

    def overrides(self) -> dict[str, str]:
        """The corrections: the fields whose column differs from what Kapok recognised ("" for
        a recognised field that is not to be used)."""
        return {
            name: self.cleaned_data.get(name) or ""
            for name in self.shown
            if (self.cleaned_data.get(name) or "") != (self.column_map.column(name) or "")
        }

    def rows(self):
        """(label, bound field, recognised column) for the template."""
        return [
            (FIELD_LABELS[name], self[name], self.column_map.column(name)) for name in self.shown
        ]


class PersonForm(forms.Form):
    phones = forms.CharField(
        label=_("Phones"),
        required=False,
        help_text=_("Several numbers separated by spaces, commas or /."),
    )
    residence_region = RegionField(label=_("Lives in (community)"))
    compound = forms.CharField(label=_("Compound (小区)"), max_length=100, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=Person.Status.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the full numbers?"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. calling the family about a missed visit")}
        ),
    )
