"""Plans limit the trials of one backtest optimisation; the catalogue's plans get the catalogue's figures."""

from django.db import migrations, models

TRIALS = {"free": 50, "pro": 200, "premium": 1000}  # billing.catalogue's, as they were when this was written


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for code, trials in TRIALS.items():
        Plan.objects.filter(code=code).update(optimisation_trials=trials)


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0003_stripe_events_usage'),
    ]

    operations = [
        migrations.AddField(
            model_name='plan',
            name='optimisation_trials',
            field=models.PositiveIntegerField(default=50, help_text='Most parameter sets one backtest optimisation may try.'),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
