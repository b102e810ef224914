"""The service's recorded health: one HealthCheck a minute (the /healthz checks and the data's
freshness), and the incidents they make (runs of failed checks). Kept 90 days."""

from __future__ import annotations

from django.db import models


class HealthCheck(models.Model):
    """What /healthz's checks answered at `checked_at`, and how fresh each asset class's bars were."""

    id = models.BigAutoField(primary_key=True)
    checked_at = models.DateTimeField(unique=True, help_text="The minute of the check (UTC); one check a minute.")
    ok = models.BooleanField(help_text="Every check passed.")
    checks = models.JSONField(default=dict, help_text="Each check's result as /healthz gives it.")
    freshness = models.JSONField(default=list, help_text="Per asset class: newest bar and bars missing.")

    class Meta:
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{'ok' if self.ok else 'failed'} at {self.checked_at:%Y-%m-%d %H:%M:%S}"

    @property
    def failing(self) -> list[str]:
        """The names of the checks that failed."""
        return [name for name, result in self.checks.items() if not result.get("ok")]


class Incident(models.Model):
    """A run of consecutive failed checks: open (no `ended_at`) until a check passes again."""

    started_at = models.DateTimeField(db_index=True)
    last_failed_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    failed_checks = models.PositiveIntegerField(default=1)
    failing = models.JSONField(default=list, help_text="Names of the checks that failed during it.")
    first_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"incident from {self.started_at:%Y-%m-%d %H:%M}"
