from django.apps import AppConfig
from django.conf import settings


class MarketConfig(AppConfig):
    name = "market"

    def beat_schedules_sync(self) -> None:
        """The demo replay's schedule, when it is on (MARKET_DEMO_REPLAY)."""
        from django_celery_beat.models import PeriodicTask

        from config.beat_schedules import periodic_task_ensure

        if settings.MARKET_DEMO_REPLAY:
            periodic_task_ensure(name="market-demo-replay", task="market.tasks.replay_tick",
                                 every_seconds=settings.MARKET_REPLAY_SECONDS_PER_BAR, queue="ingest")
        else:
            PeriodicTask.objects.filter(name="market-demo-replay").update(enabled=False)
