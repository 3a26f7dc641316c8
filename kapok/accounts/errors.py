from django.core.exceptions import ValidationError


class AccountError(ValidationError):
    """An account action was refused; the message says why, in the user's language."""
