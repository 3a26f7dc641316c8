from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from kapok.access.decorators import region_safe
from kapok.web.navigation import cards_for


@region_safe
def home(request):
    return render(request, "web/home.html", {"cards": cards_for(request.user)})


@login_not_required
@never_cache
def healthz(request):
    """For load balancers: the process answers and the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
