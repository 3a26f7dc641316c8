"""Closed by default: a view admits region-restricted users only when marked ``@region_safe``."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kapok.access.policy import is_region_restricted


class RegionScopingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None  # public pages (login, health check) show no records
        view_class = getattr(view_func, "view_class", None)
        safe = getattr(view_func, "region_safe", False) or getattr(view_class, "region_safe", False)
        if safe or not request.user.is_authenticated or not is_region_restricted(request.user):
            return None
        raise PermissionDenied(_("This page is not open to accounts limited to one region."))
