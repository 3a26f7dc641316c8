"""/api/v1/robot/: the robot-call vendors' webhook."""

from django.urls import path

from kapok.visits.robot import api

urlpatterns = [
    path("results", api.robot_results, name="robot_results"),
]
