"""The shipped "Confluence" strategy, v1."""

from django.db import migrations


def create(apps, schema_editor):
    from signals.engine.strategy import DEFAULT_CONFLUENCE

    Strategy = apps.get_model("signals", "Strategy")
    Strategy.objects.get_or_create(name=DEFAULT_CONFLUENCE["name"], version=DEFAULT_CONFLUENCE["version"],
                                   defaults={"config": DEFAULT_CONFLUENCE, "is_active": True})


class Migration(migrations.Migration):
    dependencies = [("signals", "0002_append_only")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
