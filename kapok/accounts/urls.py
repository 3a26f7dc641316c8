from django.urls import path

from kapok.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/users/", views.user_list, name="user_list"),
    path("accounts/users/new/", views.user_create, name="user_create"),
    path("accounts/users/<int:pk>/", views.user_detail, name="user_detail"),
    path("accounts/users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path(
        "accounts/users/<int:pk>/password/",
        views.user_reset_password,
        name="user_reset_password",
    ),
    path("security/", views.security_policy, name="security_policy"),
]
