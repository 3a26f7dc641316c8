from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class PolicyLengthValidator:
    """Minimum password length, as the security administrator sets it."""

    def _minimum(self) -> int:
        from kapok.accounts.models import SecurityPolicy

        return SecurityPolicy.current().password_min_length

    def validate(self, password, user=None):
        minimum = self._minimum()
        if len(password) < minimum:
            raise ValidationError(
                ngettext(
                    "The password must have at least %(min)d character.",
                    "The password must have at least %(min)d characters.",
                    minimum,
                )
                % {"min": minimum},
                code="password_too_short",
            )

    def get_help_text(self):
        return _("At least %(min)d characters.") % {"min": self._minimum()}
