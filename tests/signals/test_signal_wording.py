"""Signals read as a person would write them: titles with the symbol, reasoning in words, figures
rounded as they are quoted, and admin lists that cost the same few queries however long they are."""

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from market.arrays import BarArrays
from market.models import Instrument
from market.resample import resample
from market.services import instrument_catalogue_load
from market.timeframes import Timeframe
from signals.engine.analysis import analyse
from signals.engine.confluence import reasoning
from signals.engine.outcomes import Outcome
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig
from signals.models import SignalOutcome
from signals.services import outcomes_record, signal_create, strategy_default_ensure
from tests.market.conftest import FIXTURES
from tests.signals.test_engine import EURUSD, GOOG
from tests.signals.test_outcomes_recorded import a_draft

STRATEGY = StrategyConfig.from_dict(DEFAULT_CONFLUENCE)


def a_signal(*, day: int, symbol: str = "GOOG", **changes):
    bar_time = int(datetime(2013, 1, day, tzinfo=UTC).timestamp())
    return signal_create(draft=replace(a_draft(bar_time=bar_time), **changes),
                         instrument=Instrument.objects.get(symbol=symbol), strategy=strategy_default_ensure())


def a_target_1_outcome(signal) -> SignalOutcome:
    outcome = Outcome(result="target_1", target_1_hit=True, targets_hit=1, exit_price=signal.target_1, r_multiple=1.0,
                      mfe_r=1.2345678912345, mae_r=-0.3333333333333, bars_held=3,
                      closed_bar_time=int(signal.bar_time.timestamp()) + 3 * 86400)
    return outcomes_record([(signal, outcome)])[0]


def test_a_signal_is_titled_with_its_symbol_and_its_entry_at_the_instruments_precision(db):
    instrument_catalogue_load()

    goog = a_signal(day=2)
    eurusd = a_signal(day=3, symbol="EURUSD", timeframe="H1", direction="SELL", entry=1.2, stop=1.21,
                      targets=(1.19, 1.18, 1.17))

    assert str(goog) == "BUY GOOG D1 @ 723.25"
    assert str(eurusd) == "SELL EURUSD H1 @ 1.20000"
    assert str(a_target_1_outcome(goog)) == "BUY GOOG D1 @ 723.25: target 1 (+1.00R)"


def test_the_reasoning_puts_each_vote_in_words_for_and_against():
    contributions = {"trend": 0.13, "rsi": 0.06, "higher_trend": -0.12, "volume": -0.02, "pattern": 0.0}
    context = {"rsi": 61.4, "higher_timeframe": "W1"}

    text = reasoning(contributions, context, direction="BUY")

    assert text == "Uptrend (EMA20 above EMA50), RSI at 61; against: downtrend on the weekly chart."


@pytest.mark.parametrize(("name", "timeframe", "instrument", "calendar"), [
    ("GOOG_D1.csv", Timeframe.D1, GOOG, "XNYS"), ("EURUSD_H1.csv", Timeframe.H1, EURUSD, "FOREX")])
def test_the_reasoning_of_real_signals_has_no_code_names_long_decimals_or_wrong_plurals(name, timeframe, instrument,
                                                                                         calendar):
    bars = BarArrays.from_csv(FIXTURES / name)
    higher = resample(bars, target=timeframe.higher, calendar=calendar)
    drafts = [d for t in range(300, len(bars), 37)
              if (d := analyse(bars.upto(t), instrument=instrument, timeframe=timeframe, strategy=STRATEGY,
                               higher=higher.upto(int((higher.time <= bars.time[t - 7]).sum()) - 1)))]

    assert len(drafts) >= 10 and any("; against: " in d.reasoning for d in drafts)
    for draft in drafts:
        text = draft.reasoning
        assert not re.search(r"[a-z]+_[a-z]+", text), text  # no snake_case names
        assert not re.search(rf"\d\.\d{{{instrument.price_precision + 1},}}", text), text  # no raw floats
        assert not re.search(r"\b1 swings\b|\(\d+ swing\)", text.replace("(1 swing)", "")), text
        assert text[0].isupper() and text.endswith(".") and ".." not in text


@pytest.fixture
def staff_client(db, client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from tests.accounts.conftest import totp_code

    staff = User.objects.create_superuser(email="ops@example.com", password="pw-ops-123456")
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client.post("/accounts/login/", {"email": "ops@example.com", "password": "pw-ops-123456"})
    client.post("/accounts/login/verify/", {"code": totp_code(device)})
    return client


LISTS = ("signal", "signaloutcome", "ledgerentry", "signalpublication")


def test_the_admin_lists_show_symbols_and_human_figures_with_no_query_per_row(staff_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing.services import plan_catalogue_seed

    plan_catalogue_seed()
    instrument_catalogue_load()

    def queries_per_list() -> dict[str, int]:
        counts = {}
        for model in LISTS:
            with CaptureQueriesContext(connection) as queries:
                assert staff_client.get(f"/admin/signals/{model}/").status_code == 200
            counts[model] = len(queries)
        return counts

    a_target_1_outcome(a_signal(day=2))
    with_one = queries_per_list()
    for day in range(3, 9):
        a_target_1_outcome(a_signal(day=day))
    with_seven = queries_per_list()

    assert with_seven == with_one
    signals, outcomes = (staff_client.get(f"/admin/signals/{m}/").content.decode() for m in ("signal", "signaloutcome"))
    assert "BUY GOOG D1 @ 723.25" in outcomes and "Target 1" in outcomes
    assert "+1.23R" in outcomes and "-0.33R" in outcomes and "1.2345678" not in outcomes
    assert "Trending up" in signals and ">trending_up<" not in signals  # rows and filters show the label
    assert "?regime=trending_up" in signals  # the filter still filters
    assert "Target 1 (+1.00R)" in signals
