from django.apps import AppConfig


class NewsConfig(AppConfig):
    """News items and their sentiment per instrument. Its periodic tasks are in news/periodic_tasks.py."""

    name = "news"
