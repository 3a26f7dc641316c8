from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from kapok.accounts import actions


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    actions.record_login(user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    actions.record_logout(user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    actions.record_login_failure(credentials.get("username", ""))
