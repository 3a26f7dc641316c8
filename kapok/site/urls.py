from django.urls import path

from kapok.site import views

app_name = "site"
urlpatterns = [
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<uuid:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<uuid:pk>/retry/", views.task_retry, name="task_retry"),
]
