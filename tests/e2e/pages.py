"""A world for the browser tests of the pages: alice's tenant on Pro, GOOG and EURUSD daily histories,
open and closed signals made by the real services, a watchlist, and alice signed in through the form."""

from __future__ import annotations

from market.models import Bar, Instrument
from market.services import instrument_catalogue_load
from signals.services import strategy_default_ensure
from tests.api_v1.conftest import close, publish, subscribe
from tests.factories import PASSWORD
from tests.signals.website import daily_bars, midnight_days_ago
from watchlists.models import Watchlist, WatchlistItem


def last_close(symbol: str, before) -> float:
    return Bar.objects.filter(instrument__symbol=symbol, timeframe="D1", time__lte=before).latest("time").close


def pro_world(tenant, user, *, bars: int = 520) -> dict:
    """Histories, signals (one closed with its outcome, some open) and a watchlist; the signals by name."""
    instrument_catalogue_load()
    strategy_default_ensure()
    subscribe(tenant, "pro")
    daily_bars("GOOG", until=midnight_days_ago(1), count=bars, start_price=140.0)
    daily_bars("EURUSD", until=midnight_days_ago(1), count=bars, start_price=1.05)
    closed_at = midnight_days_ago(min(101, bars // 2))  # 100 bars after it when there are 520
    closed = publish("GOOG", timeframe="D1", confidence=None, bar_time=closed_at,
                     entry=last_close("GOOG", closed_at))
    close(closed, r_multiple=1.0, bars=5)
    opened = {symbol: publish(symbol, timeframe="D1", confidence=None, bar_time=midnight_days_ago(3),
                              entry=last_close(symbol, midnight_days_ago(3)), direction=direction)
              for symbol, direction in (("EURUSD", "SELL"), ("GOOG", "BUY"))}
    watchlist = Watchlist.objects.create(tenant=tenant, name="Majors", created_by=user, is_shared=True)
    for position, symbol in enumerate(("GOOG", "EURUSD", "BTCUSD")):
        WatchlistItem.objects.create(watchlist=watchlist, instrument=Instrument.objects.get(symbol=symbol),
                                     position=position)
    return {"closed": closed, "open_goog": opened["GOOG"], "open_eurusd": opened["EURUSD"]}


def sign_in(page, url: str, email: str) -> None:
    page.goto(url + "/accounts/login/")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/app/")
