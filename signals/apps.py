from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "signals"

    def beat_schedules_sync(self) -> None:
        """Engine runs per tier, the release of delayed publications, and model retraining."""
        from config.beat_schedules import periodic_task_ensure
        from signals.scheduling import engine_schedules_sync

        engine_schedules_sync()
        periodic_task_ensure(name="signals-publications-release", task="signals.tasks.publications_release",
                             every_seconds=10, queue="engine")
        periodic_task_ensure(name="signals-model-retrain", task="signals.tasks.model_retrain",
                             every_seconds=7 * 24 * 3600, queue="default")
