"""Risk of a portfolio: exposure, VaR and CVaR, drawdown, Sharpe and Sortino, Kelly. No Django.

Definitions (returns are simple per-period returns as fractions; losses come out positive):
- Historical VaR at confidence c over n returns: with k = ceil(n x (1 - c)), the k-th worst return,
  negated; historical CVaR: the mean of the k worst, negated.
- Parametric (Gaussian) VaR: -(mean + z x std), z = the (1 - c) quantile of the standard normal;
  CVaR: -(mean - std x pdf(z) / (1 - c)); std is the sample one (ddof=1).
- Sharpe: mean(excess) / std(excess, ddof=1) x sqrt(periods per year), excess = return minus the
  per-period risk-free rate (1 + annual rate) ** (1 / periods per year) - 1.
- Sortino: mean(excess) / downside deviation x sqrt(periods per year), the downside deviation
  being sqrt(mean(min(excess, 0) ** 2)) over all periods (Sortino and Price's target semideviation).
- Periods per year: trading days of the calendar (XNYS 252, FOREX 260, ALWAYS 365) x bars per
  session (6.5 hours for XNYS, 24 for the others); W1 52, MN1 12.
- Max drawdown: the largest fall from a running peak of equity, as a fraction of that peak.
- Kelly: f = p - (1 - p) / b (p: win rate, b: average win / average loss), times a multiplier
  (0.5 for half Kelly), clipped to [0, cap].
A statistic that is undefined (too few returns, no dispersion) is None, never NaN or inf.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from market.timeframes import Timeframe
from portfolios.broker.accounts import Book, Market, unrealized_pnl
from portfolios.broker.fx import Rate, fx_rate

TRADING_DAYS = {"XNYS": 252, "FOREX": 260, "ALWAYS": 365}
SESSION_HOURS = {"XNYS": 6.5, "FOREX": 24.0, "ALWAYS": 24.0}
KELLY_CAP = 0.25
Series = Sequence[float] | np.ndarray  # returns, equity or trade results, oldest first


def periods_per_year(timeframe: Timeframe | str, calendar: str = "ALWAYS") -> float:
    """How many bars of `timeframe` a year holds on `calendar`: the annualisation factor."""
    timeframe = Timeframe(timeframe)
    if timeframe is Timeframe.W1:
        return 52.0
    if timeframe is Timeframe.MN1:
        return 12.0
    days = TRADING_DAYS[calendar]
    if timeframe is Timeframe.D1:
        return float(days)
    return float(days * math.ceil(SESSION_HOURS[calendar] * 3600 / timeframe.seconds))


def _returns(values: Series) -> np.ndarray:
    array: np.ndarray = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError("Returns must be finite numbers.")
    return array


def returns_from_equity(equity: Series) -> np.ndarray:
    """Simple returns of an equity curve: e[t] / e[t-1] - 1."""
    curve = _returns(equity)
    if np.any(curve <= 0):
        raise ValueError("Equity must stay above zero to have returns.")
    returns: np.ndarray = curve[1:] / curve[:-1] - 1
    return returns


def _excess(returns: Series, periods: float, risk_free_annual: float) -> np.ndarray:
    excess: np.ndarray = _returns(returns) - ((1 + risk_free_annual) ** (1 / periods) - 1)
    return excess


def sharpe_ratio(returns: Series, *, periods_per_year: float, risk_free_annual: float = 0.0) -> float | None:
    """Annualised Sharpe ratio (sample std, ddof=1); None with fewer than 2 returns or no dispersion."""
    excess = _excess(returns, periods_per_year, risk_free_annual)
    if excess.size < 2:
        return None
    deviation = float(excess.std(ddof=1))
    if deviation <= 1e-15:
        return None
    return float(excess.mean()) / deviation * math.sqrt(periods_per_year)


def sortino_ratio(returns: Series, *, periods_per_year: float, risk_free_annual: float = 0.0) -> float | None:
    """Annualised Sortino ratio; None with fewer than 2 returns or no return below the risk-free rate."""
    excess = _excess(returns, periods_per_year, risk_free_annual)
    if excess.size < 2:
        return None
    downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
    if downside <= 1e-15:
        return None
    return float(excess.mean()) / downside * math.sqrt(periods_per_year)


@dataclass(frozen=True)
class Drawdown:
    depth: float  # fraction of the peak, >= 0
    amount: float  # peak - trough, in the equity's currency
    peak_index: int
    trough_index: int


def max_drawdown(equity: Series) -> Drawdown:
    """The deepest fall of `equity` from a running peak (0 for a curve that never falls)."""
    curve = _returns(equity)
    if curve.size == 0 or np.any(curve <= 0):
        raise ValueError("Equity must be a non-empty series above zero.")
    peaks = np.maximum.accumulate(curve)
    depth = (peaks - curve) / peaks
    trough = int(np.argmax(depth))
    peak = int(np.argmax(curve[: trough + 1] == peaks[trough]))
    return Drawdown(depth=float(depth[trough]), amount=float(peaks[trough] - curve[trough]), peak_index=peak,
                    trough_index=trough)


def _tail_count(size: int, confidence: float) -> int:
    if not 0 < confidence < 1:
        raise ValueError("The confidence must be between 0 and 1, e.g. 0.95 or 0.99.")
    return max(1, math.ceil(round(size * (1 - confidence), 9)))


METHODS = ("historical", "parametric")


def value_at_risk(returns: Series, *, confidence: float = 0.95, method: str = "historical") -> float | None:
    """One-period VaR as a positive fraction (a loss); None without returns (parametric: fewer than 2)."""
    values = _checked(returns, confidence, method)
    if method == "historical":
        if values.size == 0:
            return None
        return float(-np.sort(values)[_tail_count(values.size, confidence) - 1])
    mean, std = _gaussian(values)
    if mean is None or std is None:
        return None
    return -(mean + NormalDist().inv_cdf(1 - confidence) * std)


def conditional_value_at_risk(returns: Series, *, confidence: float = 0.95, method: str = "historical") -> float | None:
    """One-period CVaR (expected shortfall) as a positive fraction; None as for value_at_risk."""
    values = _checked(returns, confidence, method)
    if method == "historical":
        if values.size == 0:
            return None
        return float(-np.sort(values)[: _tail_count(values.size, confidence)].mean())
    mean, std = _gaussian(values)
    if mean is None or std is None:
        return None
    z = NormalDist().inv_cdf(1 - confidence)
    return -(mean - std * NormalDist().pdf(z) / (1 - confidence))


def _checked(returns: Series, confidence: float, method: str) -> np.ndarray:
    if method not in METHODS:
        raise ValueError(f"The VaR method is one of {', '.join(METHODS)}.")
    _tail_count(1, confidence)
    return _returns(returns)


def _gaussian(values: np.ndarray) -> tuple[float | None, float | None]:
    if values.size < 2:
        return None, None
    return float(values.mean()), float(values.std(ddof=1))


def kelly_fraction(*, win_rate: float, payoff_ratio: float, cap: float = KELLY_CAP, multiplier: float = 1.0) -> float:
    """The fraction of equity to risk per trade: Kelly's p - (1 - p) / b, scaled, within [0, cap]."""
    if not 0 <= win_rate <= 1 or not payoff_ratio > 0 or not 0 < multiplier <= 1 or not 0 <= cap <= 1:
        raise ValueError("Kelly needs 0 <= win rate <= 1, payoff ratio > 0, 0 < multiplier <= 1, 0 <= cap <= 1.")
    full = win_rate if math.isinf(payoff_ratio) else win_rate - (1 - win_rate) / payoff_ratio
    return min(max(full * multiplier, 0.0), cap)


def kelly_from_trades(r_multiples: Series, *, cap: float = KELLY_CAP, multiplier: float = 1.0) -> float | None:
    """Kelly fraction from trade results in R (or money); None without a trade."""
    results = _returns(r_multiples)
    if results.size == 0:
        return None
    wins, losses = results[results > 0], results[results < 0]
    if wins.size == 0:
        return 0.0
    payoff = math.inf if losses.size == 0 else float(wins.mean() / -losses.mean())
    return kelly_fraction(win_rate=wins.size / results.size, payoff_ratio=payoff, cap=cap, multiplier=multiplier)


@dataclass(frozen=True)
class Exposure:
    long: float  # >= 0, account currency
    short: float  # >= 0

    @property
    def net(self) -> float:
        return self.long - self.short

    @property
    def gross(self) -> float:
        return self.long + self.short


def position_exposures(book: Book, market: Market, fx_closes: Mapping[str, Rate]) -> dict[str, float]:
    """Signed notional of each position at its last close, in the account currency."""
    currency = book.account.currency
    return {symbol: p.quantity * p.last_price
            * float(fx_rate(market.instruments[symbol].quote_currency, currency, fx_closes))
            for symbol, p in book.positions.items()}


def exposure_by_asset_class(book: Book, market: Market, fx_closes: Mapping[str, Rate]) -> dict[str, Exposure]:
    """Long and short notional per asset class, in the account currency."""
    totals: dict[str, list[float]] = {}
    for symbol, value in position_exposures(book, market, fx_closes).items():
        sides = totals.setdefault(market.instruments[symbol].asset_class, [0.0, 0.0])
        sides[0 if value > 0 else 1] += abs(value)
    return {asset_class: Exposure(long, short) for asset_class, (long, short) in totals.items()}


def exposure_by_currency(book: Book, market: Market, fx_closes: Mapping[str, Rate]) -> dict[str, float]:
    """Net exposure to each currency, in the account currency (positive: long that currency).

    A forex position is long its base and short its quote (long 100,000 EURUSD at 1.10 is
    +100,000 EUR and -110,000 USD); a stock or a coin counts as exposure to its quote currency.
    """
    account = book.account.currency
    net: dict[str, float] = {}
    for symbol, p in book.positions.items():
        instrument = market.instruments[symbol]
        quote_value = p.quantity * p.last_price * float(fx_rate(instrument.quote_currency, account, fx_closes))
        if instrument.asset_class == "forex":
            base = instrument.base_currency or symbol[:3]
            net[base] = net.get(base, 0.0) + p.quantity * float(fx_rate(base, account, fx_closes))
            net[instrument.quote_currency] = net.get(instrument.quote_currency, 0.0) - quote_value
        else:
            net[instrument.quote_currency] = net.get(instrument.quote_currency, 0.0) + quote_value
    return net


def book_unrealized(book: Book, market: Market, fx_closes: Mapping[str, Rate]) -> float:
    """Unrealised P&L of the book at its last closes, in the account currency."""
    currency = book.account.currency
    return sum(unrealized_pnl(p) * float(fx_rate(market.instruments[s].quote_currency, currency, fx_closes))
               for s, p in book.positions.items())
