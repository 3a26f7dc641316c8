from django.db import migrations


def create_policy(apps, schema_editor):
    SecurityPolicy = apps.get_model("accounts", "SecurityPolicy")
    SecurityPolicy.objects.get_or_create(id=1)


def drop_policy(apps, schema_editor):
    apps.get_model("accounts", "SecurityPolicy").objects.filter(id=1).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_policy, drop_policy)]
