from django.urls import path

from kapok.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("figures/", views.figures, name="figures"),
]
