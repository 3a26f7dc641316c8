"""The community's home and video visits (kapok.visits.views_home)."""

from django.urls import path

from kapok.visits import views_home

urlpatterns = [
    path("home/", views_home.home_list, name="home_list"),
    path("home/<int:pk>/", views_home.home_task, name="home_task"),
    path("home/person/<int:pk>/new/", views_home.home_person_new, name="home_person_new"),
]
