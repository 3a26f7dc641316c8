from django.urls import path

from kapok.registry import review, views

app_name = "registry"
urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("figures/", views.figures, name="figures"),
    path("duplicates/", review.duplicate_list, name="duplicate_list"),
    path("duplicates/<int:pk>/", review.duplicate_detail, name="duplicate_detail"),
    path("duplicates/<int:pk>/decide/", review.duplicate_decide, name="duplicate_decide"),
    path("merges/<int:pk>/undo/", review.merge_undo, name="merge_undo"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/preview/", views.import_preview, name="import_preview"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/retry/", views.import_retry, name="import_retry"),
    path("imports/<int:pk>/rejects.xlsx", views.import_rejects, name="import_rejects"),
]
