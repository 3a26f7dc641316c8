"""Roles and the capabilities they grant: the one place that says who may do what.

Views, actions and templates ask for a capability (``user.can(Capability.AUDIT_READ)``), never for
a role, so that changing what a role may do is a change to this file alone.

三员分立 (separation of the three administrators): the system administrator manages accounts but
reads neither personal data nor the audit log; the security administrator sets the security policy;
the auditor reads the audit log and changes nothing. No account holds two of these three roles.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_COMMANDER = "CITY_COMMANDER", _("city commander")
    DISTRICT_STAFF = "DISTRICT_STAFF", _("district staff")
    STREET_STAFF = "STREET_STAFF", _("street staff")
    COMMUNITY_WORKER = "COMMUNITY_WORKER", _("community worker")
    CALLER = "CALLER", _("caller")
    TEAM_LEADER = "TEAM_LEADER", _("team leader")
    HOTLINE_OPERATOR = "HOTLINE_OPERATOR", _("hotline operator")
    VOLUNTEER = "VOLUNTEER", _("volunteer")
    SYSTEM_ADMIN = "SYSTEM_ADMIN", _("system administrator")
    SECURITY_ADMIN = "SECURITY_ADMIN", _("security administrator")
    AUDITOR = "AUDITOR", _("auditor")


class Capability(models.TextChoices):
    UNITS_VIEW = "units.view", _("see units and their staff")
    UNITS_MANAGE = "units.manage", _("create and edit units")
    ACCOUNTS_MANAGE = "accounts.manage", _("manage accounts and roles")
    SECURITY_MANAGE = "security.manage", _("set the security policy")
    AUDIT_READ = "audit.read", _("read and export the audit log")
    TASKS_MANAGE = "tasks.manage", _("watch and retry background tasks")
    PERSON_VIEW = "registry.view_person", _("see people in special difficulty")
    PERSON_EDIT = "registry.edit_person", _("edit people in special difficulty")
    PERSON_UNMASK = "registry.unmask", _("see ID numbers and phones in full, giving a reason")
    ROSTER_IMPORT = "registry.import", _("import rosters")
    ZONES_MANAGE = "zones.manage", _("declare risk zones")
    VISIT_CALL = "visits.call", _("make phone visits")
    VISIT_HOME = "visits.home", _("make home and video visits")
    TEAM_LEAD = "visits.lead_team", _("lead a phone-visit team")
    NEED_REPORT = "needs.report", _("report needs")
    NEED_HANDLE = "needs.handle", _("accept and resolve needs")
    NEED_SUPERVISE = "needs.supervise", _("supervise and dispatch needs")
    HOTLINE_ANSWER = "hotlines.answer", _("answer hotline calls")
    DATAEYE_VIEW = "dataeye.view", _("see dashboards and daily reports")
    VOLUNTEER_TASKS = "volunteers.tasks", _("take on volunteer tasks")


C = Capability
_STAFF = {C.UNITS_VIEW, C.PERSON_VIEW, C.NEED_REPORT}

ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.CITY_COMMANDER: frozenset(
        _STAFF
        | {
            C.PERSON_EDIT,
            C.PERSON_UNMASK,
            C.ROSTER_IMPORT,
            C.ZONES_MANAGE,
            C.NEED_SUPERVISE,
            C.DATAEYE_VIEW,
            C.TEAM_LEAD,
        }
    ),
    Role.DISTRICT_STAFF: frozenset(
        _STAFF
        | {
            C.PERSON_EDIT,
            C.PERSON_UNMASK,
            C.ROSTER_IMPORT,
            C.ZONES_MANAGE,
            C.NEED_HANDLE,
            C.NEED_SUPERVISE,
            C.DATAEYE_VIEW,
        }
    ),
    Role.STREET_STAFF: frozenset(
        _STAFF | {C.PERSON_EDIT, C.NEED_HANDLE, C.NEED_SUPERVISE, C.DATAEYE_VIEW}
    ),
    Role.COMMUNITY_WORKER: frozenset(_STAFF | {C.PERSON_EDIT, C.VISIT_HOME, C.NEED_HANDLE}),
    Role.CALLER: frozenset(_STAFF | {C.VISIT_CALL}),
    Role.TEAM_LEADER: frozenset(_STAFF | {C.VISIT_CALL, C.TEAM_LEAD, C.DATAEYE_VIEW}),
    Role.HOTLINE_OPERATOR: frozenset(_STAFF | {C.HOTLINE_ANSWER}),
    Role.VOLUNTEER: frozenset({C.VOLUNTEER_TASKS}),
    Role.SYSTEM_ADMIN: frozenset({C.UNITS_VIEW, C.UNITS_MANAGE, C.ACCOUNTS_MANAGE, C.TASKS_MANAGE}),
    Role.SECURITY_ADMIN: frozenset({C.SECURITY_MANAGE}),
    Role.AUDITOR: frozenset({C.AUDIT_READ}),
}

SEPARATED_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})

# Capabilities that reveal personal data: never granted to the system or security administrator.
PERSONAL_DATA_CAPABILITIES = frozenset({C.PERSON_VIEW, C.PERSON_EDIT, C.PERSON_UNMASK})


def capabilities_of(roles) -> frozenset[Capability]:
    granted: set[Capability] = set()
    for role in roles:
        granted |= ROLE_CAPABILITIES[Role(role)]
    return frozenset(granted)
