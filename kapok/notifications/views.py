"""The pages of notifications: a unit's settings (channels, duty people, a test message) and the
outbox (what was sent, what waits, what was given up, with a retry). Who may: see
kapok.notifications.access."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kapok.access.decorators import region_safe
from kapok.access.policy import get_scoped_or_404, scoped
from kapok.accounts.roles import Capability
from kapok.audit.masking import mask_text
from kapok.notifications import actions
from kapok.notifications.access import (
    check_may_configure,
    check_may_use,
    may_configure,
    unit_for_settings_or_404,
)
from kapok.notifications.forms import ChannelsForm, DutyPersonForm, OutboxFilterForm
from kapok.notifications.models import ChannelKind, DutyPerson, Notification
from kapok.units.models import Unit


def _channels(unit: Unit) -> dict:
    return {channel.kind: channel for channel in unit.notification_channels.all()}


@region_safe
def unit_settings(request, pk):
    unit = unit_for_settings_or_404(request.user, pk)
    channels = _channels(unit)
    wecom = channels.get(ChannelKind.WECOM)
    initial = {
        "wecom_enabled": bool(wecom and wecom.enabled),
        "sms_enabled": bool(channels.get(ChannelKind.SMS) and channels[ChannelKind.SMS].enabled),
        "email_enabled": bool(
            channels.get(ChannelKind.EMAIL) and channels[ChannelKind.EMAIL].enabled
        ),
    }
    form = ChannelsForm(
        request.POST or None,
        initial=initial,
        webhook_masked=wecom.webhook_masked if wecom else "",
    )
    if request.method == "POST" and form.is_valid():
        try:
            changes = actions.save_channels(actor=request.user, unit=unit, **form.cleaned_data)
        except actions.NotificationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, _("Saved.") if changes else _("Nothing changed."))
            return redirect("notifications:unit_settings", pk=unit.pk)
    people = unit.duty_people.all()
    return render(
        request,
        "notifications/unit_settings.html",
        {"unit": unit, "form": form, "people": people, "channels": channels},
    )


def _person_form(request, unit: Unit, person: DutyPerson | None):
    initial = {}
    if person is not None:
        initial = {"name": person.name, "duty": person.duty, "email": person.email}
    form = DutyPersonForm(request.POST or None, initial=initial, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if person is None:
                actions.add_duty_person(actor=request.user, unit=unit, **data)
            else:
                data["phone"] = data["phone"] or None  # empty: keep the number
                actions.update_duty_person(actor=request.user, person=person, **data)
        except actions.NotificationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, _("Saved."))
            return redirect("notifications:unit_settings", pk=unit.pk)
    return render(
        request,
        "notifications/person_form.html",
        {"unit": unit, "person": person, "form": form},
    )


@region_safe
def person_new(request, pk):
    unit = unit_for_settings_or_404(request.user, pk)
    return _person_form(request, unit, None)


def _person_or_404(request, pk) -> DutyPerson:
    check_may_use(request.user)
    person = get_scoped_or_404(
        request.user, DutyPerson.objects.select_related("unit__region"), pk=pk
    )
    check_may_configure(request.user, person.unit)
    return person


@region_safe
def person_edit(request, pk):
    person = _person_or_404(request, pk)
    return _person_form(request, person.unit, person)


@region_safe
@require_POST
def person_active(request, pk):
    person = _person_or_404(request, pk)
    active = request.POST.get("active") == "1"
    if actions.set_duty_person_active(actor=request.user, person=person, active=active):
        if active:
            messages.success(request, _("%(name)s is on the duty list again.") % {"name": person})
        else:
            messages.success(request, _("%(name)s is off the duty list.") % {"name": person})
    return redirect("notifications:unit_settings", pk=person.unit_id)


@region_safe
@require_POST
def send_test(request, pk):
    unit = unit_for_settings_or_404(request.user, pk)
    rows = actions.send_test_message(actor=request.user, unit=unit)
    if rows:
        messages.success(
            request,
            _("A test message is on its way to %(count)s recipients: see the outbox.")
            % {"count": len(rows)},
        )
    else:
        messages.error(request, _("No channel is on, or nobody is on duty: nobody to send to."))
    return redirect(f"{reverse('notifications:outbox')}?{urlencode({'unit': unit.pk})}")


@region_safe
def outbox(request):
    user = request.user
    check_may_use(user)
    rows = scoped(Notification.objects.select_related("unit"), user)
    if not user.can(Capability.UNITS_MANAGE):
        rows = rows.filter(unit_id=user.unit_id)
    form = OutboxFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    if status:
        rows = rows.filter(status=status)
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = get_scoped_or_404(user, Unit.objects.all(), pk=request.GET["unit"])
        rows = rows.filter(unit=unit)
    page = Paginator(rows.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    for row in page:
        row.shown_body = mask_text(row.body)
        row.may_retry = row.status == Notification.Status.FAILED and may_configure(user, row.unit)
    own_unit = user.unit if user.unit_id and may_configure(user, user.unit) else None
    query = urlencode(
        {k: v for k, v in (("status", status), ("unit", unit.pk if unit else "")) if v}
    )
    return render(
        request,
        "notifications/outbox.html",
        {
            "page": page,
            "form": form,
            "unit": unit,
            "may_configure_unit": unit is not None and may_configure(user, unit),
            "own_unit": own_unit,
            "query": query,
        },
    )


@region_safe
@require_POST
def retry(request, pk):
    check_may_use(request.user)
    notification = get_scoped_or_404(
        request.user, Notification.objects.select_related("unit"), pk=pk
    )
    retried = actions.retry_notification(actor=request.user, notification=notification)
    if retried:
        messages.success(request, _("The message will be sent again in a moment."))
    else:
        messages.error(request, _("Only a message that was given up can be retried."))
    target = reverse("notifications:outbox")
    return redirect(
        f"{target}?{urlencode({'unit': notification.unit_id})}" if notification.unit_id else target
    )
