"""Team leaders and the city: the visit board, teams, and the call plans."""

from django.urls import path

from kapok.visits import views_board as views

urlpatterns = [
    path("board/", views.board, name="board"),
    path("board/numbers/", views.board_numbers, name="board_numbers"),
    path("board/not-reached/", views.board_not_reached, name="board_not_reached"),
    path(
        "board/not-reached.xlsx",
        views.board_not_reached_export,
        name="board_not_reached_export",
    ),
    path("board/without-team/", views.tasks_without_team, name="tasks_without_team"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("teams/<int:pk>/move/", views.team_move, name="team_move"),
    path("teams/<int:pk>/callers/", views.team_members, name="team_members"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/today/", views.plan_make, name="plan_make"),
    path("plans/policies/new/", views.policy_create, name="policy_create"),
    path("plans/policies/<int:pk>/", views.policy_edit, name="policy_edit"),
    path("plans/rules/new/", views.rule_create, name="rule_create"),
    path("plans/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
]
