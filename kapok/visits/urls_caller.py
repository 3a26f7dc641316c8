"""The caller's pages (kapok.visits.views_caller)."""

from django.urls import path

from kapok.visits import views_caller

urlpatterns = [
    path("call/", views_caller.call_next, name="call_next"),
    path("call/pause/", views_caller.call_pause, name="call_pause"),
    path("call/<int:pk>/", views_caller.call_task, name="call_task"),
    path("call/<int:pk>/record/", views_caller.call_record, name="call_record"),
    path("call/<int:pk>/later/", views_caller.call_later, name="call_later"),
    path("call/<int:pk>/give-back/", views_caller.call_give_back, name="call_give_back"),
]
