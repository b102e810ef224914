from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def beat_schedules_sync(self) -> None:
        from config.beat_schedules import periodic_task_ensure

        periodic_task_ensure(name="billing-downgrades-notify", task="billing.tasks.downgrades_notify",
                             every_seconds=24 * 3600)
