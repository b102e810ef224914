from celery import shared_task

from billing.sync import downgrades_notify as notify


@shared_task(name="billing.tasks.downgrades_notify", acks_late=True, ignore_result=True)
def downgrades_notify() -> None:
    """Daily: tell the owners of tenants whose grace period ended that they are on Free now."""
    notify()
