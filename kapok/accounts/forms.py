from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kapok.access.policy import scoped
from kapok.accounts.models import SecurityPolicy, User
from kapok.accounts.roles import Role
from kapok.units.models import Unit


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or password is wrong."),
        "locked": _("Too many failed attempts: this account is locked until %(until)s."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username:
            user = User.objects.filter(username=username).only("locked_until").first()
            if user is not None and user.is_locked():
                until = timezone.localtime(user.locked_until)
                raise forms.ValidationError(
                    self.error_messages["locked"],
                    code="locked",
                    params={"until": until.strftime("%H:%M")},
                )
        return super().clean()


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        return f"{unit.name}（{unit.region.full_name}）"


class UserForm(forms.Form):
    username = forms.RegexField(
        label=_("username"),
        regex=r"^[A-Za-z0-9_.@-]{3,64}$",
        error_messages={"invalid": _("3–64 letters, digits or _ . @ -")},
    )
    full_name = forms.CharField(label=_("full name"), max_length=100)
    unit = UnitChoiceField(label=_("unit"), queryset=Unit.objects.none())
    roles = forms.MultipleChoiceField(
        label=_("roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    password = forms.CharField(
        label=_("initial password"), widget=forms.PasswordInput(render_value=False)
    )

    def __init__(self, *args, actor, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scoped(Unit.objects.active().select_related("region"), actor)
        if editing:
            del self.fields["username"]
            del self.fields["password"]


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("new password"), widget=forms.PasswordInput)


class SecurityPolicyForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        fields = [
            "password_min_length",
            "max_failed_logins",
            "lockout_minutes",
            "session_idle_minutes",
        ]

    def clean_password_min_length(self):
        value = self.cleaned_data["password_min_length"]
        if value < 8:
            raise forms.ValidationError(_("At least 8."))
        return value
