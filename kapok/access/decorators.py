from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def region_safe(view):
    """Declare that a view reads only through kapok.access.policy, so region-limited users may
    use it. Works on view functions and on class-based views."""
    view.region_safe = True
    return view


def capability_required(*capabilities):
    """Refuse (403) users whose roles grant none of ``capabilities``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not any(request.user.can(capability) for capability in capabilities):
                raise PermissionDenied(_("Your roles do not allow this."))
            return view(request, *args, **kwargs)

        wrapped.capabilities = capabilities
        return wrapped

    return decorator
