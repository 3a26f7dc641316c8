from django.contrib.auth.backends import ModelBackend

from kapok.accounts.models import User


class AccountBackend(ModelBackend):
    """Loads the signed-in user with the unit, region and roles every page needs: one query."""

    def get_user(self, user_id):
        try:
            user = (
                User.objects.select_related("unit__region")
                .prefetch_related("role_grants")
                .get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
