"""Every database starts with the plan catalogue: the default (Free) plan is data the app relies on."""

from django.db import migrations


def seed(apps, schema_editor):
    from billing.catalogue import PLAN_CATALOGUE

    Plan = apps.get_model("billing", "Plan")
    fields = {f.name for f in Plan._meta.get_fields()}  # the catalogue's later fields come with their migrations
    for spec in PLAN_CATALOGUE:
        Plan.objects.get_or_create(code=spec["code"], defaults={k: v for k, v in spec.items()
                                                                if k != "code" and k in fields})


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
