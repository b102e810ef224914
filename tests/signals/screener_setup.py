"""Test data of the screener's API tests: rows of known values written through the engine's own
upsert, and API keys of tenants on a plan."""

from __future__ import annotations

from accounts.services import api_key_create
from billing.models import Plan, Subscription
from market.models import Instrument
from market.services import instrument_catalogue_load
from signals.engine.analysis import PairState
from signals.engine.strategy import COMPONENTS
from signals.screener_rows import screener_rows_upsert
from signals.services import strategy_default_ensure

BAR_TIME = 1_764_000_000  # 2025-11-24 16:00 UTC

# symbol, timeframe, score, leaning, regime, rsi, atr_pct, change_pct. Free covers GOOG D1 and BTCUSD MN1;
# Pro also EURUSD H1 and ETHUSD D1; Premium every row (M15 and W1 too).
ROWS = [
    ("GOOG", "D1", 0.62, "long", "trending_up", 64.1, 1.8, 1.2),
    ("BTCUSD", "MN1", -0.5, "short", "volatile", 35.0, 12.5, -8.1),
    ("EURUSD", "H1", 0.1, "neutral", "ranging", 51.3, 0.12, 0.05),
    ("ETHUSD", "D1", -0.3, "neutral", "trending_down", 44.0, 4.2, -2.0),
    ("EURUSD", "M15", 0.47, "long", "trending_up", 58.2, 0.05, 0.02),
    ("AAPL", "W1", None, "neutral", "ranging", 50.0, 2.0, 0.0),  # an undefined score (flat prices)
]
# The news vote at the row's bar close and how many items it counted; the other rows had no fresh news.
NEWS = {("GOOG", "D1"): (0.42, 3), ("BTCUSD", "MN1"): (-0.31, 2), ("EURUSD", "H1"): (0.05, 1),
        ("ETHUSD", "D1"): (0.15, 1)}
FREE_PAIRS = {("GOOG", "D1"), ("BTCUSD", "MN1")}
PRO_PAIRS = FREE_PAIRS | {("EURUSD", "H1"), ("ETHUSD", "D1")}
PREMIUM_PAIRS = {(symbol, timeframe) for symbol, timeframe, *_ in ROWS}


def screener_rows_seed() -> None:
    """The catalogue's instruments, the default strategy and a screener row for each of ROWS."""
    instrument_catalogue_load()
    strategy = strategy_default_ensure()
    ids = dict(Instrument.objects.values_list("symbol", "pk"))
    states = []
    for symbol, timeframe, score, leaning, regime, rsi, atr_pct, change_pct in ROWS:
        parts = {name: (None if score is None else round(score / len(COMPONENTS), 6)) for name in COMPONENTS}
        state = PairState(bar_time=BAR_TIME, close=100.0, change_pct=change_pct, score=score, leaning=leaning,
                          regime=regime, higher_trend="up", rsi=rsi, atr_pct=atr_pct, contributions=parts,
                          **_news(symbol, timeframe))
        states.append((ids[symbol], timeframe, state, None))
    screener_rows_upsert(strategy_id=strategy.pk, states=states)


def _news(symbol: str, timeframe: str) -> dict:
    vote, items = NEWS.get((symbol, timeframe), (None, 0))
    return {"news_vote": vote, "news_items": items}


def api_key_headers(tenant, *, plan: str) -> dict:
    """Headers with a new read key of `tenant`, the tenant subscribed to `plan`."""
    Subscription.objects.update_or_create(tenant=tenant, defaults={"plan": Plan.objects.get(code=plan),
                                                                   "status": "active"})
    _, plaintext = api_key_create(tenant=tenant, name="screener bot", scope="read", created_by=None)
    return {"Authorization": f"Bearer {plaintext}"}
