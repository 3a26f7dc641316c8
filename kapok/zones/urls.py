from django.urls import path

from kapok.zones import views

app_name = "zones"
urlpatterns = [
    path("", views.zone_list, name="zone_list"),
    path("new/", views.zone_declare, name="zone_declare"),
    path("import/", views.zone_import, name="zone_import"),
    path("<int:pk>/end/", views.zone_end, name="zone_end"),
]
