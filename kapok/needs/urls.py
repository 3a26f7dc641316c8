"""The needs pages (kapok.needs.views), and the city's same-day clearance (city_urls)."""

from django.urls import include, path

from kapok.needs import views

app_name = "needs"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("accept/", views.bulk_accept, name="bulk_accept"),
    path("city/", include("kapok.needs.city_urls")),  # 问题当天清零 (kapok.needs.city_views)
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/photos/<int:photo>/", views.photo, name="photo"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]
