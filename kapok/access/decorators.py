from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def region_safe(view):
    """Declare that a view reads only through kapok.access.policy, so region-limited users may
    use it. Works on view functions and on class-based views."""
    view.region_safe = True
    return view


def capability_required(capability):
    """Refuse (403) users whose roles do not grant ``capability``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.can(capability):
                raise PermissionDenied(_("Your roles do not allow this."))
            return view(request, *args, **kwargs)

        wrapped.capability = capability
        return wrapped

    return decorator
