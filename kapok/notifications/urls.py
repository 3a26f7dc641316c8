from django.urls import path

from kapok.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("units/<int:pk>/", views.unit_settings, name="unit_settings"),
    path("units/<int:pk>/people/new/", views.person_new, name="person_new"),
    path("units/<int:pk>/test/", views.send_test, name="send_test"),
    path("people/<int:pk>/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/active/", views.person_active, name="person_active"),
]
