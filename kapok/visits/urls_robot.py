"""The robot-call integration's pages (kapok.visits.views_robot); the vendors' webhook is in
kapok.visits.robot.api_urls, under /api/v1/robot/."""

from django.urls import path

from kapok.visits import views_robot as views

urlpatterns = [
    path("robot/vendors/", views.robot_vendors, name="robot_vendors"),
    path("robot/vendors/new/", views.robot_vendor_new, name="robot_vendor_new"),
    path("robot/vendors/<int:pk>/secret/", views.robot_vendor_secret, name="robot_vendor_secret"),
    path("robot/vendors/<int:pk>/active/", views.robot_vendor_active, name="robot_vendor_active"),
    path("robot/batches/", views.robot_batches, name="robot_batches"),
    path("robot/batches/prepare/", views.robot_batch_prepare, name="robot_batch_prepare"),
    path("robot/batches/<int:pk>/retry/", views.robot_batch_retry, name="robot_batch_retry"),
    path("robot/batches/<int:pk>/csv/", views.robot_batch_csv, name="robot_batch_csv"),
    path("robot/review/", views.robot_review_list, name="robot_review_list"),
    path("robot/review/<int:pk>/", views.robot_review_detail, name="robot_review_detail"),
    path("robot/alerts/", views.robot_alerts, name="robot_alerts"),
    path("robot/alerts/<int:pk>/acknowledge/", views.robot_alert_ack, name="robot_alert_ack"),
]
