"""The JSON API for integrations (/api/v1/): robot-call vendors' webhook, and the needs API with
its OpenAPI schema (kapok.api.v1)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, include, path

from kapok.api.v1 import api

app_name = "api"


def _token_authenticated(patterns):
    """The needs API authenticates with a bearer token, not a session: the login machinery
    lets it through, and kapok.api.v1 applies the region rule (closed by default) itself. The
    schema and the docs page show no records."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            login_not_required(pattern.callback)
            pattern.callback.region_safe = True  # see kapok.api.v1.closed_by_default
    return patterns


_ninja_patterns, _ninja_app, _ninja_namespace = api.urls

urlpatterns = [
    path("robot/", include("kapok.visits.robot.api_urls")),
    path("", include((_token_authenticated(_ninja_patterns), _ninja_app), _ninja_namespace)),
]
