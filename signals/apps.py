from django.apps import AppConfig


class SignalsConfig(AppConfig):
    """The engine, signals and their ledger. Its periodic tasks are in signals/periodic_tasks.py."""

    name = "signals"
