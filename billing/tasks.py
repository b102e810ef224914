from celery import shared_task

from billing.sync import downgrades_notify as notify
from billing.usage import usage_flush_all


@shared_task(name="billing.tasks.downgrades_notify", acks_late=True, ignore_result=True)
def downgrades_notify() -> None:
    """Daily: tell the owners of tenants whose grace period ended that they are on Free now."""
    notify()


@shared_task(name="billing.tasks.usage_flush", acks_late=True, ignore_result=True)
def usage_flush() -> None:
    """Every few minutes: move the API calls counted in the cache into the usage table."""
    usage_flush_all()
