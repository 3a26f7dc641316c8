from django import forms
from django.utils.translation import gettext_lazy as _


class LogFilterForm(forms.Form):
    action = forms.CharField(label=_("action"), required=False)
    actor = forms.CharField(label=_("actor"), required=False)
    object_type = forms.CharField(label=_("object type"), required=False)
    object_id = forms.CharField(label=_("object id"), required=False)
    since = forms.DateField(
        label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def filter(self, entries):
        """Entries matching the form; call after is_valid()."""
        data = self.cleaned_data
        if data.get("action"):
            entries = entries.filter(action__startswith=data["action"].strip())
        if data.get("actor"):
            entries = entries.filter(actor_name__icontains=data["actor"].strip())
        if data.get("object_type"):
            entries = entries.filter(object_type=data["object_type"].strip())
        if data.get("object_id"):
            entries = entries.filter(object_id=data["object_id"].strip())
        if data.get("since"):
            entries = entries.filter(created_at__date__gte=data["since"])
        if data.get("until"):
            entries = entries.filter(created_at__date__lte=data["until"])
        return entries
