from django import forms
from django.utils.translation import gettext_lazy as _

from kapok.access.policy import scoped
from kapok.accounts.models import User


class IntegrationForm(forms.Form):
    name = forms.CharField(
        label=_("name"),
        max_length=100,
        help_text=_("The system that will call the API, e.g. 12345 热线平台."),
    )
    user = forms.ModelChoiceField(
        label=_("acts as the account"),
        queryset=User.objects.none(),
        to_field_name="username",
        help_text=_(
            "A service account made for this integration: its unit decides which region it "
            "sees, its roles what it may do, exactly as for a person."
        ),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        accounts = User.objects.filter(is_active=True).select_related("unit")
        self.fields["user"].queryset = scoped(accounts, actor)
        self.fields["user"].label_from_instance = lambda user: (
            f"{user.username} · {user.unit.name if user.unit else '—'}"
        )
