"""The navigation and the home-page cards, by capability: each role sees what it may use."""

from dataclasses import dataclass

from django.urls import resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kapok.access.policy import is_region_restricted
from kapok.accounts.roles import Capability as C


@dataclass(frozen=True)
class Link:
    title: Promise
    url_name: str
    capability: C | tuple[C, ...] | None = None  # a tuple: any one of them


@dataclass(frozen=True)
class Card:
    title: Promise
    text: Promise
    capability: C
    url_name: str | None = None  # None: the module arrives with a later release


NAVIGATION = (
    Link(_("Home"), "web:home"),
    Link(_("Needs"), "needs:queue", (C.NEED_HANDLE, C.NEED_SUPERVISE)),
    Link(_("People"), "registry:person_list", C.PERSON_VIEW),
    Link(_("Figures"), "registry:figures", C.PERSON_VIEW),
    Link(_("Risk zones"), "zones:zone_list", C.PERSON_VIEW),
    # Open to TEAM_LEAD or DATAEYE_VIEW; every role that leads teams also watches the figures.
    Link(_("Visit board"), "visits:board", C.DATAEYE_VIEW),
    Link(_("Same-day clearance"), "needs:clearance", (C.DATAEYE_VIEW, C.NEED_SUPERVISE)),
    Link(_("Imports"), "registry:import_list", C.ROSTER_IMPORT),
    Link(_("Possible duplicates"), "registry:duplicate_list", C.PERSON_EDIT),
    Link(_("Units"), "units:unit_list", C.UNITS_VIEW),
    Link(_("Accounts"), "accounts:user_list", C.ACCOUNTS_MANAGE),
    Link(_("API integrations"), "integrations:list", C.ACCOUNTS_MANAGE),
    Link(_("Security policy"), "accounts:security_policy", C.SECURITY_MANAGE),
    Link(_("Background tasks"), "site:task_list", C.TASKS_MANAGE),
    Link(_("Notifications"), "notifications:outbox", (C.UNITS_MANAGE, C.NEED_SUPERVISE)),
    Link(_("Audit log"), "audit:log_list", C.AUDIT_READ),
)

CARDS = (
    Card(
        _("People in special difficulty"),
        _("The deduplicated roster of your area, by category and risk zone."),
        C.PERSON_VIEW,
        "registry:person_list",
    ),
    Card(
        _("Today's phone visits"),
        _("Your next call and today's progress."),
        C.VISIT_CALL,
        "visits:call_next",
    ),
    Card(
        _("Visit board"),
        _("Calls planned, made and reached, by team."),
        C.DATAEYE_VIEW,  # or TEAM_LEAD: every role that leads teams has DATAEYE_VIEW too
        "visits:board",
    ),
    Card(
        _("Home visits"),
        _("People nobody reached by phone today."),
        C.VISIT_HOME,
        "visits:home_list",
    ),
    Card(
        _("Needs to handle"),
        _("New, accepted, due soon and overdue."),
        C.NEED_HANDLE,
        "needs:queue",
    ),
    Card(
        _("Needs under supervision"),
        _("Overdue and escalated needs below you; the same-day clearance rate."),
        C.NEED_SUPERVISE,
    ),
    Card(
        _("Risk zones"),
        _("Lockdown, control and prevention zones in force."),
        C.ZONES_MANAGE,
        "zones:zone_list",
    ),
    Card(_("Hotline"), _("Log a 红棉守护 or 12345 call and match the caller."), C.HOTLINE_ANSWER),
    Card(_("Data eye"), _("Live counts and the daily report."), C.DATAEYE_VIEW),
    Card(_("Volunteer tasks"), _("The activities and tasks given to you."), C.VOLUNTEER_TASKS),
    Card(
        _("Units"), _("The units of your region and their staff."), C.UNITS_VIEW, "units:unit_list"
    ),
    Card(
        _("Accounts"),
        _("Create accounts, give roles, reset passwords."),
        C.ACCOUNTS_MANAGE,
        "accounts:user_list",
    ),
    Card(
        _("Security policy"),
        _("Passwords, lock-out and session time-out."),
        C.SECURITY_MANAGE,
        "accounts:security_policy",
    ),
    Card(
        _("Background tasks"),
        _("Imports, notifications and reports running in the background; retry failures."),
        C.TASKS_MANAGE,
        "site:task_list",
    ),
    Card(
        _("Audit log"),
        _("Who did what, when and from where; export to Excel."),
        C.AUDIT_READ,
        "audit:log_list",
    ),
)


def _open_to(user, url_name: str) -> bool:
    """A region-restricted user is not shown pages that would refuse them."""
    if not is_region_restricted(user):
        return True
    match = resolve(reverse(url_name))
    view_class = getattr(match.func, "view_class", None)
    return getattr(match.func, "region_safe", False) or getattr(view_class, "region_safe", False)


def _granted(user, capability) -> bool:
    if capability is None:
        return True
    if isinstance(capability, tuple):
        return any(user.can(one) for one in capability)
    return user.can(capability)


def navigation_for(user) -> list[Link]:
    return [
        link
        for link in NAVIGATION
        if _granted(user, link.capability) and _open_to(user, link.url_name)
    ]


def cards_for(user) -> list[Card]:
    """The cards for the user's roles; the ones that open a page first."""
    cards = [
        card
        for card in CARDS
        if user.can(card.capability) and (card.url_name is None or _open_to(user, card.url_name))
    ]
    return sorted(cards, key=lambda card: card.url_name is None)
