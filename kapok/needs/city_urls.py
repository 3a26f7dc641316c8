"""The city's "问题当天清零" page (kapok.needs.city_views): mounted at needs/city/ by
kapok.needs.urls, its names in the "needs" namespace."""

from django.urls import path

from kapok.needs import city_views as views

urlpatterns = [
    path("", views.clearance_page, name="clearance"),
    path("numbers/", views.clearance_numbers, name="clearance_numbers"),
    path("clearance.xlsx", views.clearance_export, name="clearance_export"),
]
