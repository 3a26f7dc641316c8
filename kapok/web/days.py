"""The day a page shows: ``?day=YYYY-MM-DD``, today (local) when absent or invalid."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DayForm(forms.Form):
    day = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def day_from(request) -> tuple[DayForm, dt.date]:
    """The day picker's form and the day it asks for."""
    form = DayForm(request.GET or None, initial={"day": timezone.localdate()})
    day = None
    if form.is_bound and form.is_valid():
        day = form.cleaned_data["day"]
    return form, day or timezone.localdate()
