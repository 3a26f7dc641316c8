from django.urls import path

from kapok.api import views

app_name = "integrations"
urlpatterns = [
    path("", views.integration_list, name="list"),
    path("new/", views.integration_create, name="create"),
    path("<int:pk>/revoke/", views.integration_revoke, name="revoke"),
]
