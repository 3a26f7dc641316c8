"""Pages for system administrators: the API's integrations, made for an existing account (the
token shown once), listed and revoked; each region's administrators see their region's."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kapok.access.decorators import capability_required, region_safe
from kapok.access.policy import get_scoped_or_404, scoped
from kapok.accounts.roles import Capability
from kapok.api.forms import IntegrationForm
from kapok.api.integrations import create_integration, revoke_integration
from kapok.api.models import Integration


def _integrations():
    return Integration.objects.select_related("user__unit", "created_by")


@region_safe
@capability_required(Capability.ACCOUNTS_MANAGE)
def integration_list(request):
    integrations = scoped(_integrations(), request.user)
    return render(request, "api/integration_list.html", {"integrations": integrations})


@never_cache
@region_safe
@capability_required(Capability.ACCOUNTS_MANAGE)
def integration_create(request):
    form = IntegrationForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            integration, token = create_integration(
                actor=request.user, name=form.cleaned_data["name"], user=form.cleaned_data["user"]
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            # Shown on this response only: only its hash is kept.
            return render(
                request, "api/integration_token.html", {"integration": integration, "token": token}
            )
    return render(request, "api/integration_form.html", {"form": form})


@region_safe
@capability_required(Capability.ACCOUNTS_MANAGE)
@require_POST
def integration_revoke(request, pk):
    integration = get_scoped_or_404(request.user, _integrations(), pk=pk)
    revoke_integration(integration, actor=request.user)
    messages.success(
        request, _("%(name)s is revoked: its token no longer works.") % {"name": integration.name}
    )
    return redirect("integrations:list")
