from django.db import migrations

# GUARDIANSHIP (监护缺失) to the minor-protection centre and the street's child supervisor;
# SHELTER (住宿、回不了家) to the rescue station. Rules are data: edited in the admin, not here.
DEFAULT_RULES = [
    {"kind": "GUARDIANSHIP", "unit_kind": "MINOR_PROTECTION_CENTRE", "duty": ""},
    {"kind": "GUARDIANSHIP", "unit_kind": "", "duty": "CHILD_SUPERVISOR"},
    {"kind": "SHELTER", "unit_kind": "RESCUE_STATION", "duty": ""},
]


def add_rules(apps, schema_editor):
    RoutingRule = apps.get_model("needs", "RoutingRule")
    for rule in DEFAULT_RULES:
        RoutingRule.objects.get_or_create(**rule)


def remove_rules(apps, schema_editor):
    RoutingRule = apps.get_model("needs", "RoutingRule")
    for rule in DEFAULT_RULES:
        RoutingRule.objects.filter(**rule).delete()


class Migration(migrations.Migration):
    dependencies = [("needs", "0003_lifecycle_routing_deadlines")]

    operations = [migrations.RunPython(add_rules, remove_rules)]
