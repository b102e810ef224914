from celery import shared_task
from django.utils import timezone

from status.services import health_check_record, health_checks_prune


@shared_task(name="status.tasks.health_check", acks_late=True, ignore_result=True)
def health_check() -> None:
    """Every minute: record /healthz's checks and the data's freshness; drop records past 90 days."""
    now = timezone.now()
    health_check_record(now=now)
    health_checks_prune(now=now)
