"""The JSON API for integrations (/api/v1/): robot-call vendors now, needs and 12345 later."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("robot/", include("kapok.visits.robot.api_urls")),
]
