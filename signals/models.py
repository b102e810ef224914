"""Signals, their outcomes and the ledger that makes the track record verifiable.

Published rows (Signal, SignalOutcome, LedgerEntry) are never edited or deleted: the services only
insert them, the admin is read-only, and on PostgreSQL a trigger refuses UPDATE and DELETE.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from signals.engine.skill import Skill


class Direction(models.TextChoices):
    BUY = "BUY", "Buy"
    SELL = "SELL", "Sell"


class Strategy(models.Model):
    """A versioned strategy: component weights and thresholds as validated JSON."""

    name = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    config = models.JSONField(help_text="Validated by signals.engine.strategy.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "strategies"
        ordering = ["name", "-version"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="strategy_unique_name_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ModelKind(models.TextChoices):
    CLASSIFIER = "classifier", "Calibrated classifier"
    EMPIRICAL_BAYES = "empirical_bayes", "Empirical-Bayes cell hit rate"


class ModelVersion(models.Model):
    """A trained, calibrated confidence model with its out-of-sample figures.

    Which version is active (at most one per strategy) follows signals.engine.skill.active_choice:
    the highest out-of-sample Brier skill score among the versions whose score and the lower end of
    its 95% interval are above zero."""

    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="model_versions")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=ModelKind.choices, default=ModelKind.CLASSIFIER)
    algorithm = models.CharField(max_length=120)
    feature_names = models.JSONField(default=list)
    trained_from = models.DateTimeField()
    trained_to = models.DateTimeField()
    oos_samples = models.PositiveIntegerField(default=0)
    oos_brier = models.FloatField(null=True)
    oos_log_loss = models.FloatField(null=True)
    base_rate = models.FloatField(null=True)
    baselines = models.JSONField(default=dict, help_text="Naive baselines measured on the same folds.")
    oos_bss = models.FloatField(null=True, help_text="Brier skill score against the base rate, out of sample.")
    oos_bss_low = models.FloatField(null=True, help_text="Bootstrap 95% interval of the skill score, low end.")
    oos_bss_high = models.FloatField(null=True, help_text="Bootstrap 95% interval of the skill score, high end.")
    calibration_table = models.JSONField(default=list)
    group_figures = models.JSONField(default=list, help_text="Out-of-sample figures per asset class and timeframe.")
    artifact = models.BinaryField()
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "version"], name="model_version_unique"),
            models.UniqueConstraint(fields=["strategy"], condition=models.Q(is_active=True),
                                    name="model_version_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.strategy} model {self.version}"

    @property
    def beats_baseline(self) -> bool:
        """Whether its out-of-sample Brier score beats predicting the base rate on the same folds."""
        baseline = (self.baselines or {}).get("constant_base_rate_brier")
        return self.oos_brier is not None and baseline is not None and self.oos_brier < baseline

    @property
    def skill(self) -> Skill:
        """Its out-of-sample skill as the activation rule reads it."""
        return Skill(key=self.pk, bss=self.oos_bss, bss_low=self.oos_bss_low)


class Signal(models.Model):
    """One published signal: what a subscriber needs to act on it and to judge it."""

    instrument = models.ForeignKey("market.Instrument", on_delete=models.PROTECT, related_name="signals")
    asset_class = models.CharField(max_length=10)
    timeframe = models.CharField(max_length=4)
    direction = models.CharField(max_length=4, choices=Direction.choices)
    score = models.FloatField(help_text="Weighted confluence score in [-1, 1].")
    confidence = models.FloatField(null=True, help_text="Calibrated P(target 1 before stop), out of sample.")
    entry = models.FloatField()
    stop = models.FloatField()
    target_1 = models.FloatField()
    target_2 = models.FloatField()
    target_3 = models.FloatField()
    risk_reward = models.FloatField(help_text="Mean reward of the three targets over the risk (a third of the "
                                              "position closed at each), in R.")
    position_size_fraction = models.FloatField(help_text="Fraction of equity for risk_per_trade.")
    risk_per_trade = models.FloatField(default=0.01)
    distances = models.JSONField(default=dict, help_text="Stop and target distances in pips, ticks and percent.")
    regime = models.CharField(max_length=20)
    reasoning = models.TextField()
    contributions = models.JSONField(default=dict)
    chart_pattern_geometry = models.JSONField(
        default=list, blank=True,
        help_text="The chart patterns voting at its bar, to draw: name, direction, swing points and lines as "
                  "[epoch s, price], the broken level and its line (signals.engine.chart_patterns).")
    success_rate = models.FloatField(null=True, help_text="Historical target-1 hit rate, out of sample.")
    success_sample_size = models.PositiveIntegerField(default=0)
    success_source = models.CharField(max_length=20, blank=True, help_text="live or walk_forward")
    avg_r = models.FloatField(null=True)
    worst_loss_r = models.FloatField(null=True)
    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="signals")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="signals")
    bar_time = models.DateTimeField(help_text="Open time of the closed bar the signal was computed on.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    valid_until = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "instrument", "timeframe", "bar_time"],
                                    name="signal_once_per_bar"),
        ]
        indexes = [models.Index(fields=["instrument", "timeframe", "-created_at"])]

    def __str__(self) -> str:
        """Its title, e.g. "BUY GOOG D1 @ 642.35": the entry at the instrument's precision."""
        instrument = self.instrument
        return f"{self.direction} {instrument.symbol} {self.timeframe} @ {self.entry:.{instrument.price_precision}f}"


class OutcomeResult(models.TextChoices):
    TARGET_1 = "target_1", "Target 1"
    TARGET_2 = "target_2", "Target 2"
    TARGET_3 = "target_3", "Target 3"
    STOP = "stop", "Stop"
    EXPIRED = "expired", "Expired"


class SignalOutcome(models.Model):
    """How a signal ended: first barrier touched, realised R, excursions and duration."""

    signal = models.OneToOneField(Signal, on_delete=models.PROTECT, related_name="outcome")
    result = models.CharField(max_length=10, choices=OutcomeResult.choices)
    target_1_hit = models.BooleanField()
    targets_hit = models.PositiveSmallIntegerField(default=0)
    r_multiple = models.FloatField()
    mfe_r = models.FloatField()
    mae_r = models.FloatField()
    exit_price = models.FloatField()
    bars_held = models.PositiveIntegerField()
    duration_seconds = models.PositiveIntegerField()
    closed_bar_time = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.signal}: {self.get_result_display().lower()} ({self.r_multiple:+.2f}R)"


class LedgerKind(models.TextChoices):
    SIGNAL = "signal", "Signal published"
    OUTCOME = "outcome", "Outcome recorded"


class LedgerEntry(models.Model):
    """An append-only, hash-chained record: hash = sha256(previous hash + canonical JSON of payload)."""

    seq = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(max_length=10, choices=LedgerKind.choices)
    signal = models.ForeignKey(Signal, on_delete=models.PROTECT, related_name="ledger_entries")
    canonical = models.TextField(help_text="The canonical JSON exactly as hashed.")
    payload = models.JSONField(help_text="The same payload, for querying; the hash covers `canonical`.")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_kind_display().lower()} ({self.hash[:12]})"


class EngineCursor(models.Model):
    """The newest closed bar the engine has computed for a pair: each pair is computed once per bar."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="+")
    instrument = models.ForeignKey("market.Instrument", on_delete=models.CASCADE, related_name="+")
    timeframe = models.CharField(max_length=4)
    last_bar_time = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["strategy", "instrument", "timeframe"],
                                               name="engine_cursor_unique_pair")]

    def __str__(self) -> str:
        return f"{self.instrument.symbol} {self.timeframe} at {self.last_bar_time:%Y-%m-%d %H:%M}"


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Tier schedule"
    BAR_CLOSE = "bar_close", "Bar closed"


class EngineRun(models.Model):
    """One run of the engine for a tier: on the tier's schedule, or at once when a bar closes."""

    tier = models.CharField(max_length=32, db_index=True, help_text="Plan code.")
    tiers_served = models.CharField(
        max_length=200, blank=True, default="",
        help_text="The plans whose pairs the run computed, comma-wrapped (',free,pro,'): a bar-close run is "
                  "recorded for the fastest plan covering the pair but computes it for every plan covering it.")
    trigger = models.CharField(max_length=16, choices=RunTrigger.choices, default=RunTrigger.SCHEDULE)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    pairs_wanted = models.PositiveIntegerField(default=0)
    pairs_computed = models.PositiveIntegerField(default=0)
    signals_created = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.tier} run {self.started_at:%Y-%m-%d %H:%M:%S}"


class EngineError(models.Model):
    """One pair that failed in a run; the run went on without it."""

    run = models.ForeignKey(EngineRun, on_delete=models.CASCADE, related_name="errors")
    instrument = models.ForeignKey("market.Instrument", on_delete=models.CASCADE, related_name="+")
    timeframe = models.CharField(max_length=4)
    error = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.instrument.symbol} {self.timeframe}: {self.error[:60]}"


class SignalPublication(models.Model):
    """A signal made visible to one tier: at once, or after the tier's delay. `id` is the feed sequence."""

    signal = models.ForeignKey(Signal, on_delete=models.PROTECT, related_name="publications")
    tier = models.CharField(max_length=32)
    visible_at = models.DateTimeField(db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["signal", "tier"], name="publication_once_per_tier")]
        indexes = [models.Index(fields=["tier", "id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.signal} to {self.tier}"


class Leaning(models.TextChoices):
    LONG = "long", "Long"
    SHORT = "short", "Short"
    NEUTRAL = "neutral", "Neutral"


class HigherTrend(models.TextChoices):
    UP = "up", "Up"
    DOWN = "down", "Down"
    UNKNOWN = "", "Unknown"


class ScreenerRow(models.Model):
    """The engine's newest state of a pair (strategy, instrument, timeframe), signal or not: what the
    screener shows. Written by the engine runs (one upsert per chunk), never on request."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="+")
    instrument = models.ForeignKey("market.Instrument", on_delete=models.CASCADE, related_name="+")
    timeframe = models.CharField(max_length=4)
    bar_time = models.DateTimeField(help_text="Open time of the newest closed bar the state was computed on.")
    close = models.FloatField()
    change_pct = models.FloatField(null=True, help_text="The close over the previous bar's close, in %.")
    score = models.FloatField(null=True, help_text="Weighted confluence score in [-1, 1]; null when undefined.")
    leaning = models.CharField(max_length=8, choices=Leaning.choices,
                               help_text="Long or short when |score| reaches the strategy's threshold.")
    regime = models.CharField(max_length=20)
    higher_trend = models.CharField(max_length=4, choices=HigherTrend.choices, blank=True,
                                    help_text="EMA20 vs EMA50 on the higher timeframe's newest closed bar.")
    rsi = models.FloatField(null=True, help_text="RSI(14), 0..100.")
    atr_pct = models.FloatField(null=True, help_text="ATR(14) as % of the close.")
    contributions = models.JSONField(default=dict, help_text="Each component's part of the score.")
    news_vote = models.FloatField(null=True, blank=True,
                                  help_text="The news sentiment vote at the bar's close, -1..1; null: no fresh news.")
    news_items = models.PositiveIntegerField(default=0, help_text="How many news items the vote counted.")
    last_signal = models.ForeignKey(Signal, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    help_text="The pair's newest signal (whatever tier it has reached).")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["strategy", "instrument", "timeframe"],
                                               name="screener_row_unique_pair")]

    def __str__(self) -> str:
        return f"{self.instrument.symbol} {self.timeframe} at {self.bar_time:%Y-%m-%d %H:%M}"
