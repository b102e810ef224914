"""Backtests: a tenant's run of a strategy over one instrument's history, its state and its result."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.tenancy import TenantOwnedModel


class BacktestStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED = (BacktestStatus.DONE, BacktestStatus.FAILED, BacktestStatus.CANCELLED)


class Backtest(TenantOwnedModel):
    """One backtest. `params` are backtests.parameters' validated fields; `cache_key` is the hash of
    (strategy version, data hash, parameters): a finished run with the same key is reused."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    instrument = models.ForeignKey("market.Instrument", on_delete=models.PROTECT, related_name="+")
    strategy = models.ForeignKey("signals.Strategy", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", help_text="The confluence strategy version run; none for sma_cross.")
    timeframe = models.CharField(max_length=4)
    params = models.JSONField()
    data_hash = models.CharField(max_length=64)
    cache_key = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=12, choices=BacktestStatus.choices, default=BacktestStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    result = models.JSONField(null=True, blank=True, help_text="Metrics, equity and trades, once done.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True,
                                        help_text="When its worker last reported; a run silent for "
                                                  "BACKTESTS_STALE_SECONDS lost its worker.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "created_at"])]
        constraints = [models.CheckConstraint(condition=models.Q(progress__lte=100), name="backtest_progress_0_100")]

    def __str__(self) -> str:
        return f"{self.params.get('strategy')} {self.timeframe} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


class BacktestChunkStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"


class BacktestChunk(models.Model):
    """A batch of an optimisation's parameter sets, evaluated by whichever process claims it first: a worker
    on the `backtests` queue, or the run that asked for it while it waits (so a run never waits on a busy
    queue). `candidates` are the engine's results of `params`, in the same order, once done."""

    backtest = models.ForeignKey(Backtest, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField(help_text="In the order the search asked for them, over the whole run.")
    params = models.JSONField(help_text="The parameter sets to backtest.")
    status = models.CharField(max_length=8, choices=BacktestChunkStatus.choices, default=BacktestChunkStatus.QUEUED)
    candidates = models.JSONField(null=True, blank=True, help_text="[{params, value, metrics}] once done.")
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of the process that ran it.")
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["backtest", "number"]
        constraints = [models.UniqueConstraint(fields=["backtest", "number"], name="backtest_chunk_number_unique")]

    def __str__(self) -> str:
        return f"backtest #{self.backtest_id} chunk {self.number}"
