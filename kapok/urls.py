from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("kapok.web.urls")),
    path("", include("kapok.accounts.urls")),
    path("units/", include("kapok.units.urls")),
    path("audit/", include("kapok.audit.urls")),
    path("people/", include("kapok.registry.urls")),
    path("zones/", include("kapok.zones.urls")),
    path("visits/", include("kapok.visits.urls")),
    path("needs/", include("kapok.needs.urls")),
    path("api/v1/", include("kapok.api.urls")),
    path("integrations/", include("kapok.api.pages_urls")),
    path("system/", include("kapok.site.urls")),
    path("notifications/", include("kapok.notifications.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]
