from django.apps import AppConfig


class MarketConfig(AppConfig):
    """Instruments, bars and their ingestion. Its periodic tasks are in market/periodic_tasks.py."""

    name = "market"
