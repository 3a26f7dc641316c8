"""The eight categories of the Guangzhou daily figures and the four kinds of children."""

from django.db import migrations

CATEGORIES = [
    # code, name, English name, household programme, children
    ("DIBAO", "低保", "minimum living allowance", True, False),
    ("LOW_INCOME", "低收入", "low income", True, False),
    ("TEKUN", "特困", "extreme poverty", False, False),
    ("LEFT_BEHIND_ELDERLY", "留守老人", "left-behind elderly", False, False),
    ("WIDOWED_ELDERLY", "孤寡老人", "widowed elderly", False, False),
    ("LIVING_ALONE_ELDERLY", "独居老人", "elderly living alone", False, False),
    ("CHILD_IN_DIFFICULTY", "困境儿童", "child in difficulty", False, True),
    ("SEVERE_DISABILITY", "特殊困难重度残疾人", "severely disabled", False, False),
    ("LEFT_BEHIND_CHILD", "留守儿童", "left-behind child", False, True),
    ("SCATTERED_ORPHAN", "社会散居孤儿", "scattered orphan", False, True),
    ("UNSUPPORTED_CHILD", "事实无人抚养儿童", "child without de facto support", False, True),
]


def seed(apps, schema_editor):
    Category = apps.get_model("registry", "Category")
    for position, (code, name, name_en, household, child) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "is_household_programme": household,
                "is_child_category": child,
                "position": position,
            },
        )


def unseed(apps, schema_editor):
    Category = apps.get_model("registry", "Category")
    Category.objects.filter(code__in=[row[0] for row in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
