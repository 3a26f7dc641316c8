"""The needs API for other systems, ``/api/v1/`` (django-ninja), with its OpenAPI schema at
``/api/v1/openapi.json`` and Swagger UI at ``/api/v1/docs`` (its assets served from the installed
package, "ninja" being an installed app: no CDN).

Integrations authenticate with ``Authorization: Bearer <token>`` (kapok.api.integrations) and
act as their service account: request.user is that account, its roles decide what it may do,
its unit's region what it may see, through kapok.access.policy as for any page.

The login machinery does not apply (no session: the token is the authentication), so the views
are marked login_not_required (kapok.api.urls). The region rule is kept here instead, closed by
default as in kapok.access.middleware: an operation admits region-limited accounts only when
marked ``@region_safe``, which says it reads only through the policy.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from kapok.access.policy import is_region_restricted
from kapok.api import needs
from kapok.api.errors import domain_error_response, error_response
from kapok.api.integrations import integration_for_token
from kapok.needs.actions import NeedError


class IntegrationToken(HttpBearer):
    """An active integration's token; the request then acts as its account."""

    def authenticate(self, request, token):
        integration = integration_for_token(token)
        if integration is None:
            return None
        request.user = integration.user
        request.integration = integration
        return integration


def closed_by_default(view_func):
    """Refuse region-limited accounts an operation not marked ``@region_safe``."""
    safe = getattr(view_func, "region_safe", False)

    @wraps(view_func)
    def wrapped(request, *args, **kwargs):
        if not safe and is_region_restricted(request.user):
            raise PermissionDenied(_("This page is not open to accounts limited to one region."))
        return view_func(request, *args, **kwargs)

    return wrapped


api = NinjaAPI(
    title="Kapok API",
    version="1",
    description=(
        "Needs (问题、需求) for other systems: report, list, read and move them through their "
        "lifecycle, as the web pages do. Authenticate with `Authorization: Bearer <token>` "
        "(made by a system administrator: one per integration, acting as one account). Send "
        "an `Idempotency-Key` header with every POST to make retries safe. Errors are "
        '`{"code": …, "message": …}`, the message in the language of `Accept-Language`.'
    ),
    urls_namespace="api:needs-api",  # inside kapok.api.urls (app "api")
    auth=IntegrationToken(),
)
api.add_decorator(closed_by_default, mode="operation")
api.add_router("", needs.router)


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    response = error_response(
        401,
        "unauthorized",
        _("A valid integration token is required: Authorization: Bearer <token>."),
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


def _domain_error(request, exc):
    return domain_error_response(exc)


for _error in (PermissionDenied, Http404, NeedError):
    api.add_exception_handler(_error, _domain_error)


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    return error_response(
        422, "invalid", _("The request is not valid: see errors."), errors=_plain(exc.errors)
    )


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return error_response(exc.status_code, "error", str(exc))


def _plain(errors):
    """Pydantic's error details, reduced to what JSON carries."""
    return [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", ""))}
        for error in errors
    ]
