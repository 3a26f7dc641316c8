"""How the API answers errors: JSON ``{"code": …, "message": …}``, the message translated
(Accept-Language; Simplified Chinese by default), the code stable for programs."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _

from kapok.needs.actions import NeedConflict, NeedError


def error_response(status: int, code: str, message: str, **extra) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": str(message), **extra},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def domain_error_response(exc: Exception) -> JsonResponse | None:
    """The answer to an error an action or the access policy raised; None for anything else.

    409 for a lost optimistic lock (with the need as it is now), 422 for bad input or an
    illegal transition (NeedError: its code and translated message), 403 when the account's
    roles or region do not allow it, 404 for what it cannot see."""
    if isinstance(exc, NeedConflict):
        from kapok.api.needs import need_out

        return error_response(409, "conflict", exc.messages[0], need=need_out(exc.need))
    if isinstance(exc, NeedError):
        return error_response(422, exc.code or "invalid", exc.messages[0])
    if isinstance(exc, PermissionDenied):
        return error_response(403, "forbidden", str(exc) or _("Your roles do not allow this."))
    if isinstance(exc, Http404):
        return error_response(404, "not_found", _("There is no such record, or it is not yours."))
    return None
