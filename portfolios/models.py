"""Paper portfolios: a tenant's simulated accounts, their orders, fills, positions, cash and equity.

The broker's state lives in rows that mirror the pure core's dataclasses (portfolios.broker): an
order row is a `broker.orders.Order` and back (portfolios.books), a position row a
`broker.accounts.Position`. Times the broker reads are market times (epoch seconds of the bars
traded, which a replay sets in the past), kept beside the wall-clock times of the rows.
Money of a portfolio is in its currency; prices in the instrument's quote currency.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.tenancy import TenantOwnedModel


class Portfolio(TenantOwnedModel):
    """A paper account of a tenant: cash and positions in one currency, with its risk limits."""

    name = models.CharField(max_length=80)
    currency = models.CharField(max_length=3, default="USD")
    starting_balance = models.FloatField(default=100_000.0)
    cash = models.FloatField(help_text="Deposits + realised P&L - commissions + swaps, in the portfolio's currency.")
    equity = models.FloatField(help_text="Cash + unrealised P&L as marked on the last closed bar.")
    unrealized_pnl = models.FloatField(default=0.0)
    gross_exposure = models.FloatField(default=0.0)
    day = models.BigIntegerField(null=True, blank=True, help_text="UTC day (epoch s) of the last mark.")
    day_start_equity = models.FloatField(null=True, blank=True)
    # Risk limits: circuit breakers that block new orders (None: no limit).
    daily_loss_limit = models.FloatField(null=True, blank=True, help_text="Fraction of the day's starting equity.")
    max_open_positions = models.PositiveIntegerField(null=True, blank=True)
    max_cluster_exposure = models.FloatField(null=True, blank=True,
                                             help_text="Fraction of equity in one cluster of correlated instruments.")
    correlation_threshold = models.FloatField(default=0.7)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reset_at = models.DateTimeField(null=True, blank=True)
    marked_at = models.DateTimeField(null=True, blank=True, help_text="Market time of the last mark.")

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["tenant", "name"])]

    def __str__(self) -> str:
        return self.name


class Sizing(models.TextChoices):
    FIXED_FRACTION = "fixed_fraction", "Fixed fraction of equity at risk"
    FIXED_AMOUNT = "fixed_amount", "Fixed amount per trade"
    KELLY = "kelly", "Kelly fraction, capped"


class FollowRule(models.Model):
    """Which published signals a portfolio trades, and how large: a bracket order per signal."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="follow_rules")
    strategy = models.ForeignKey("signals.Strategy", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+", help_text="Empty: every strategy.")
    asset_class = models.CharField(max_length=10, blank=True, help_text="Empty: every asset class.")
    min_confidence = models.FloatField(null=True, blank=True,
                                       help_text="Signals carry no confidence today: with a minimum, none is followed.")
    sizing = models.CharField(max_length=16, choices=Sizing.choices, default=Sizing.FIXED_FRACTION)
    risk_fraction = models.FloatField(default=0.01, help_text="Fixed fraction: equity risked per trade.")
    amount = models.FloatField(null=True, blank=True, help_text="Fixed amount: notional per trade.")
    kelly_multiplier = models.FloatField(default=0.5)
    kelly_cap = models.FloatField(default=0.05, help_text="The most of equity Kelly may risk per trade.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.portfolio} follows {self.asset_class or 'every asset class'}"


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending (waits for its entry)"
    WORKING = "working", "Working"
    FILLED = "filled", "Filled"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


OPEN_ORDER_STATUSES = (OrderStatus.PENDING, OrderStatus.WORKING)


class PaperOrder(models.Model):
    """One order of a portfolio: the broker's Order, stored. `ref` is the broker's id."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="orders")
    instrument = models.ForeignKey("market.Instrument", on_delete=models.PROTECT, related_name="+")
    timeframe = models.CharField(max_length=4, help_text="The bars it fills on.")
    signal = models.ForeignKey("signals.Signal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ref = models.CharField(max_length=40)
    side = models.CharField(max_length=4)
    quantity = models.FloatField()
    type = models.CharField(max_length=16)
    limit_price = models.FloatField(null=True, blank=True)
    stop_price = models.FloatField(null=True, blank=True)
    trail_amount = models.FloatField(null=True, blank=True)
    trail_percent = models.FloatField(null=True, blank=True)
    time_in_force = models.CharField(max_length=4, default="gtc")
    expires_at = models.BigIntegerField(null=True, blank=True, help_text="GTD: market time, epoch s.")
    created_at = models.BigIntegerField(help_text="Market time it was placed at (epoch s).")
    parent_ref = models.CharField(max_length=40, blank=True)
    bracket_ref = models.CharField(max_length=40, blank=True)
    role = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.WORKING)
    filled_quantity = models.FloatField(default=0.0)
    average_fill_price = models.FloatField(null=True, blank=True)
    triggered = models.BooleanField(default=False)
    trail_anchor = models.FloatField(null=True, blank=True)
    session_day = models.BigIntegerField(null=True, blank=True)
    closed_at = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    placed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["portfolio", "ref"], name="paper_order_ref_once")]
        indexes = [models.Index(fields=["instrument", "timeframe", "status"])]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity:g} {self.instrument_id} {self.type} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ORDER_STATUSES


class PaperFill(models.Model):
    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="fills")
    order = models.ForeignKey(PaperOrder, on_delete=models.CASCADE, related_name="fills")
    instrument = models.ForeignKey("market.Instrument", on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=4)
    quantity = models.FloatField()
    price = models.FloatField(help_text="Spread and slippage included.")
    commission = models.FloatField(default=0.0)
    commission_currency = models.CharField(max_length=10)
    bar_time = models.DateTimeField(help_text="Open time of the bar it filled on.")
    time = models.DateTimeField(help_text="The bar's close: when the broker booked it.")
    at_open = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity:g} @ {self.price:g}"


class PaperPosition(models.Model):
    """A net position (one per instrument), with what its journal entry will need when it closes."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="positions")
    instrument = models.ForeignKey("market.Instrument", on_delete=models.PROTECT, related_name="+")
    signal = models.ForeignKey("signals.Signal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    quantity = models.FloatField(help_text="Signed units: > 0 long, < 0 short.")
    average_price = models.FloatField()
    last_price = models.FloatField()
    opened_at = models.BigIntegerField(help_text="Market time, epoch s.")
    swap_through = models.BigIntegerField()
    initial_stop = models.FloatField(null=True, blank=True, help_text="The stop at entry: 1R is its distance.")
    high_seen = models.FloatField(help_text="Highest price since entry (MFE/MAE).")
    low_seen = models.FloatField()
    entry_quantity = models.FloatField(help_text="The largest size it reached, units.")
    exit_quantity = models.FloatField(default=0.0)
    exit_value = models.FloatField(default=0.0, help_text="Sum of exit units x price, quote currency.")
    realized_pnl = models.FloatField(default=0.0, help_text="Realised so far, portfolio currency.")
    costs = models.FloatField(default=0.0, help_text="Commissions and swaps so far (negative: paid).")

    class Meta:
        ordering = ["instrument__symbol"]
        constraints = [models.UniqueConstraint(fields=["portfolio", "instrument"], name="paper_position_once")]
        indexes = [models.Index(fields=["instrument"])]

    def __str__(self) -> str:
        return f"{self.quantity:+g} {self.instrument_id}"


class CashEntry(models.Model):
    """One movement of a portfolio's cash, in its currency (negative: a cost)."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="cash_entries")
    kind = models.CharField(max_length=16, help_text="deposit, realized_pnl, commission or swap.")
    amount = models.FloatField()
    symbol = models.CharField(max_length=24, blank=True)
    order_ref = models.CharField(max_length=40, blank=True)
    time = models.DateTimeField(help_text="Market time.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "cash entries"

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+.2f}"


class EquityPoint(models.Model):
    """The portfolio marked to market on a closed bar."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="equity_points")
    time = models.DateTimeField(help_text="Market time: the close of the bar marked on.")
    equity = models.FloatField()
    cash = models.FloatField()
    unrealized_pnl = models.FloatField()
    gross_exposure = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["portfolio", "id"])]

    def __str__(self) -> str:
        return f"{self.portfolio_id} {self.equity:.2f}"


class Trade(models.Model):
    """A closed trade for the journal: a position from flat to flat."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="trades")
    instrument = models.ForeignKey("market.Instrument", on_delete=models.PROTECT, related_name="+")
    signal = models.ForeignKey("signals.Signal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    side = models.CharField(max_length=5, help_text="long or short.")
    quantity = models.FloatField(help_text="The largest size, units.")
    entry_price = models.FloatField()
    exit_price = models.FloatField(help_text="Average of the exits.")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField()
    duration_seconds = models.BigIntegerField()
    pnl = models.FloatField(help_text="Net of costs, portfolio currency.")
    costs = models.FloatField(help_text="Commissions and swaps (negative: paid).")
    initial_stop = models.FloatField(null=True, blank=True)
    r_multiple = models.FloatField(null=True, blank=True, help_text="Price move over the initial risk, before costs.")
    mfe_r = models.FloatField(null=True, blank=True)
    mae_r = models.FloatField(null=True, blank=True)
    mfe_price = models.FloatField(help_text="Best price reached while open.")
    mae_price = models.FloatField(help_text="Worst price reached while open.")

    class Meta:
        ordering = ["-closed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.side} {self.instrument_id} {self.pnl:+.2f}"


class FollowDecision(models.Model):
    """What a portfolio did with a signal it could follow: placed its bracket, or why not."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="follow_decisions")
    signal = models.ForeignKey("signals.Signal", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(FollowRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    placed = models.BooleanField()
    quantity = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["portfolio", "signal"], name="follow_decision_once")]

    def __str__(self) -> str:
        return f"{self.portfolio_id} {'placed' if self.placed else 'skipped'} {self.signal_id}"


class BarProcessed(models.Model):
    """The claim that a closed bar was processed for portfolios: once, however often its event comes."""

    instrument = models.ForeignKey("market.Instrument", on_delete=models.CASCADE, related_name="+")
    timeframe = models.CharField(max_length=4)
    time = models.DateTimeField()
    processed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instrument", "timeframe", "time"],
                                               name="portfolio_bar_processed_once")]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.timeframe} {self.time:%Y-%m-%d %H:%M}"
