"""The visits pages, one module of views per audience: callers (views_caller), team leaders and
the city (views_board: board, plans, teams), communities (views_home: home and video visits),
and the robot-call integration's pages (views_robot)."""

from django.urls import include, path

app_name = "visits"

urlpatterns = [
    path("", include("kapok.visits.urls_caller")),
    path("", include("kapok.visits.urls_board")),
    path("", include("kapok.visits.urls_home")),
    path("", include("kapok.visits.urls_robot")),
]
