import re

from django import forms
from django.utils.translation import gettext_lazy as _

from kapok.notifications.models import DutyPerson, Notification

PHONE = re.compile(r"^\+?[\d\- ]{5,20}$")


class ChannelsForm(forms.Form):
    wecom_enabled = forms.BooleanField(label=_("WeCom group robot"), required=False)
    webhook = forms.CharField(
        label=_("Group robot webhook"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "placeholder": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
            }
        ),
        help_text=_("In the WeCom group: add a group robot and copy its webhook address."),
    )
    sms_enabled = forms.BooleanField(label=_("SMS to the duty people's phones"), required=False)
    email_enabled = forms.BooleanField(label=_("E-mail to the duty people"), required=False)

    def __init__(self, *args, webhook_masked: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if webhook_masked:
            self.fields["webhook"].help_text = _(
                "Saved: %(webhook)s. Leave empty to keep it; a new address replaces it."
            ) % {"webhook": webhook_masked}


class DutyPersonForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    duty = forms.ChoiceField(label=_("duty"), choices=DutyPerson.Duty.choices)
    phone = forms.CharField(
        label=_("mobile phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("e-mail"), required=False)

    def __init__(self, *args, person: DutyPerson | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        if person is not None and person.phone:
            from kapok.audit.masking import mask_phone

            self.fields["phone"].help_text = _(
                "Now %(phone)s. Leave empty to keep it; a new number replaces it."
            ) % {"phone": mask_phone(person.phone)}

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(_("Enter a phone number: digits only."))
        return phone

    def clean(self):
        data = super().clean()
        has_phone = bool(data.get("phone")) or bool(self.person and self.person.phone)
        if not self.errors and not has_phone and not data.get("email"):
            raise forms.ValidationError(_("Give a mobile phone or an e-mail address."))
        return data


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("all")), *Notification.Status.choices],
    )
