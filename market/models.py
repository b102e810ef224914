from __future__ import annotations

from django.db import models
from django.utils import timezone

from market.arrays import InstrumentSpec
from market.timeframes import Timeframe


class AssetClass(models.TextChoices):
    STOCK = "stock", "Stock"
    FOREX = "forex", "Forex"
    CRYPTO = "crypto", "Crypto"


class Calendar(models.TextChoices):
    """Trading calendars (see market.calendars)."""

    XNYS = "XNYS", "NYSE / NASDAQ sessions and US holidays"
    FOREX = "FOREX", "Forex: Sunday 17:00 to Friday 17:00 New York"
    ALWAYS = "ALWAYS", "Always open (crypto)"


TIMEFRAME_CHOICES = [(tf.value, tf.value) for tf in Timeframe]


class Instrument(models.Model):
    symbol = models.CharField(max_length=24, unique=True)
    display_name = models.CharField(max_length=120)
    asset_class = models.CharField(max_length=10, choices=AssetClass.choices, db_index=True)
    venue = models.CharField(max_length=40, help_text="Exchange or market, e.g. NASDAQ, OTC FX, Coinbase.")
    base_currency = models.CharField(max_length=10)
    quote_currency = models.CharField(max_length=10)
    price_precision = models.PositiveSmallIntegerField(help_text="Decimal places of a price.")
    tick_size = models.FloatField()
    pip_size = models.FloatField(null=True, blank=True, help_text="Forex only: 0.0001, or 0.01 for JPY pairs.")
    lot_size = models.FloatField(default=1.0, help_text="Units per lot or contract.")
    calendar = models.CharField(max_length=10, choices=Calendar.choices)
    active = models.BooleanField(default=True)
    is_synthetic = models.BooleanField(default=False, help_text="Generated data, labelled wherever shown.")

    class Meta:
        ordering = ["asset_class", "symbol"]

    def __str__(self) -> str:
        return self.symbol

    @property
    def spec(self) -> InstrumentSpec:
        """The facts the pure core needs to size and round a signal."""
        return InstrumentSpec(symbol=self.symbol, asset_class=self.asset_class, tick_size=self.tick_size,
                              price_precision=self.price_precision, pip_size=self.pip_size, lot_size=self.lot_size)


class Bar(models.Model):
    """One closed OHLCV bar; `time` is its open time in UTC."""

    id = models.BigAutoField(primary_key=True)
    # No database constraint or index of its own: a foreign-key check per row cost PostgreSQL most of
    # a bulk COPY (1,000,000 bars: 10.4 s with it, 4.0 s without, measured), and the unique index
    # below already starts with the instrument. Bars are written only for Instrument rows the writer
    # holds, and deleting an instrument still deletes its bars (Django's CASCADE).
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="bars", db_constraint=False,
                                   db_index=False)
    timeframe = models.CharField(max_length=4, choices=TIMEFRAME_CHOICES)
    time = models.DateTimeField()
    open = models.FloatField()
    high = models.FloatField()
    low = models.FloatField()
    close = models.FloatField()
    volume = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instrument", "timeframe", "time"], name="bar_unique")]
        # The unique index (instrument, timeframe, time) also serves "latest N bars" scans backwards.

    def __str__(self) -> str:
        return f"{self.instrument} {self.timeframe} {self.time:%Y-%m-%d %H:%M}"


class QuarantinedBar(models.Model):
    """A bar that failed validation: kept with its reason and source, never silently dropped."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="quarantined_bars")
    timeframe = models.CharField(max_length=4, choices=TIMEFRAME_CHOICES)
    time = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(help_text="The values as received.")
    reason = models.CharField(max_length=32, db_index=True)
    message = models.CharField(max_length=300)
    source = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.instrument} {self.timeframe} {self.reason}"


class BarClose(models.Model):
    """The record that the closed-bar event of (instrument, timeframe, time) was emitted: once."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="+")
    timeframe = models.CharField(max_length=4, choices=TIMEFRAME_CHOICES)
    time = models.DateTimeField()
    emitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instrument", "timeframe", "time"], name="bar_close_once")]

    def __str__(self) -> str:
        return f"{self.instrument} {self.timeframe} {self.time:%Y-%m-%d %H:%M} closed"
