from django_celery_beat.models import PeriodicTask

from config.beat_schedules import beat_schedules_sync


def test_syncing_the_schedules_creates_the_billing_and_market_tasks_once(db, settings):
    settings.MARKET_LIVE_POLLING = {"H1": 300}
    settings.MARKET_DEMO_REPLAY = True

    beat_schedules_sync()
    beat_schedules_sync()

    notify = PeriodicTask.objects.get(name="billing-downgrades-notify")
    assert (notify.task, notify.interval.every) == ("billing.tasks.downgrades_notify", 24 * 3600)
    assert PeriodicTask.objects.get(name="market-poll-H1").task == "market.tasks.poll_live"
    assert PeriodicTask.objects.get(name="market-demo-replay").enabled
    assert PeriodicTask.objects.filter(name__in=["billing-downgrades-notify", "market-poll-H1"]).count() == 2


def test_syncing_the_schedules_flushes_api_usage_every_five_minutes(db):
    beat_schedules_sync()

    flush = PeriodicTask.objects.get(name="billing-usage-flush")
    assert (flush.task, flush.interval.every, flush.enabled) == ("billing.tasks.usage_flush", 300, True)
