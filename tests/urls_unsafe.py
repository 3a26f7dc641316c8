"""A URLconf with a view nobody declared region-safe, for the closed-by-default test."""

from django.http import HttpResponse
from django.urls import include, path

from kapok.access.decorators import region_safe


def undeclared(request):
    return HttpResponse("everything")


@region_safe
def declared(request):
    return HttpResponse("scoped")


urlpatterns = [
    path("undeclared/", undeclared),
    path("declared/", declared),
    path("", include("kapok.urls")),
]
