from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kapok.access.decorators import capability_required, region_safe
from kapok.access.policy import get_scoped_or_404, scoped
from kapok.accounts import actions
from kapok.accounts.forms import LoginForm, PasswordResetForm, SecurityPolicyForm, UserForm
from kapok.accounts.models import SecurityPolicy, User
from kapok.accounts.roles import Capability, Role


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    region_safe = True


def _users():
    return User.objects.select_related("unit__region").prefetch_related("role_grants")


@region_safe
@capability_required(Capability.ACCOUNTS_MANAGE)
def user_list(request):
    users = scoped(_users(), request.user)
    query = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(full_name__icontains=query)
            | Q(unit__name__icontains=query)
        )
    if role in Role.values:
        users = users.filter(role_grants__role=role)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {"page": page, "query": query, "role": role, "roles": Role.choices},
    )


def _apply_errors(form, error: ValidationError):
    for message in error.messages:
        form.add_error(None, message)


@region_safe
@capability_required(Capability.ACCOUNTS_MANAGE)
def user_create(request):
    form = UserForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.create_user(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": user.username})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@region_safe
@capability_required(Capability.ACCOUNTS_MANAGE)
def user_detail(request, pk):
    user = get_scoped_or_404(request.user, _users(), pk=pk)
    initial = {
        "full_name": user.full_name,
        "unit": user.unit,
        "roles": user.roles,
        "phone": user.phone,
        "email": user.email,
    }
    form = UserForm(request.POST or None, actor=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_user(actor=request.user, user=user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {"account": user, "form": form, "password_form": PasswordResetForm()},
    )


@region_safe
@capability_required(Capability.ACCOUNTS_MANAGE)
@require_POST
def user_set_active(request, pk):
    user = get_scoped_or_404(request.user, _users(), pk=pk)
    try:
        actions.set_user_active(
            actor=request.user, user=user, active=request.POST.get("active") == "1"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("accounts:user_detail", pk=user.pk)


@region_safe
@capability_required(Capability.ACCOUNTS_MANAGE)
@require_POST
def user_reset_password(request, pk):
    user = get_scoped_or_404(request.user, _users(), pk=pk)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            actions.reset_password(
                actor=request.user, user=user, password=form.cleaned_data["password"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The password was reset."))
    return redirect("accounts:user_detail", pk=user.pk)


@capability_required(Capability.SECURITY_MANAGE)
def security_policy(request):
    form = SecurityPolicyForm(request.POST or None, instance=SecurityPolicy.current())
    if request.method == "POST" and form.is_valid():
        actions.update_security_policy(actor=request.user, **form.cleaned_data)
        messages.success(request, _("The security policy was saved."))
        return redirect("accounts:security_policy")
    return render(request, "accounts/security_policy.html", {"form": form})
