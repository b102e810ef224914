"""The engine's outputs on the bundled histories are exactly those it gave before its speed work
(c0bdbe8): chart patterns, structure events, and each pair's state and signal draft from the live
batch at many bars. A digest of each, so any change in any output (a bit of a price included) shows;
an intended change of a formula records the new digests here, with the reason.

Recorded again once: each pair's state gained the news sentiment at its close (news_vote=None,
news_items=0 on these histories, which have no news); with those two fields taken out of the repr the
live digests are exactly c0bdbe8's."""

import hashlib

from market.arrays import BarArrays, InstrumentSpec
from market.providers.bundled import FIXTURES
from signals.engine import indicators as ind
from signals.engine.analysis import analyse_many
from signals.engine.chart_patterns import chart_patterns
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig
from signals.engine.structure import structure_events

STRATEGY = StrategyConfig.from_dict(DEFAULT_CONFLUENCE)
HISTORIES = {"EURUSD_H1": ("H1", InstrumentSpec("EURUSD", "forex", 0.00001, 5, 0.0001, 100_000)),
             "GOOG_D1": ("D1", InstrumentSpec("GOOG", "stock", 0.01, 2)),
             "SPX_D1": ("D1", InstrumentSpec("SPX", "stock", 0.01, 2)),
             "BTCUSD_MN1": ("MN1", InstrumentSpec("BTCUSD", "crypto", 0.01, 2))}
RECORDED = {
    "EURUSD_H1": {"chart_patterns": "1ba3971a9d80815eb865a5908dab5c09af5892296a05a4b2aa3a5a906076117e",
                  "structure": "0049105729d11c8e120b4bd70a70b6604f6f1b4312b1a7f1e779741f7e52df9c",
                  "live": "d650b2c70adccee0c8f55b0e659fc9d8e29dbafc1490c13d5964251d4496c915"},
    "GOOG_D1": {"chart_patterns": "7088a5a27f915df159d89f609b29bde6296aabc9cc55e8e7af5c3e4911c79b1d",
                "structure": "b0c6edb805aca8a69992b761a9b24d6c5e0a14d8e5cd169010c9128b4745b479",
                "live": "80f37b3787bcfd3e7b8d7ce074e9cb4c8316345463006be4e39566de5e6a031e"},
    "SPX_D1": {"chart_patterns": "79d10d2d5157fb207e56df733e9666be50052fe252a1f04f89d6a47330d50f6b",
               "structure": "2bd90d1dc008cd2a67a363a99fa3b161499b2ab3fdf4a4fe48d8e1d3b139980c",
               "live": "ccabf8108bdcff6267a775a303cecc9d69d2d33150ed31dc5cac4d161bd2b588"},
    "BTCUSD_MN1": {"chart_patterns": "37ce240312f5c80aeaa98a9325cf8441b07074e15099d08db3515a111070e555",
                   "structure": "7fdde9409c4f8319f3fd40d73029acc1201913c2b458eccc6ebd0cca4bf58e2f",
                   "live": "1ac2c5fdde5afa267383a8f9ee75934fa5497d0862e54a06119908eb7a266be7"},
}


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()


def _outputs(name: str) -> dict[str, str]:
    timeframe, instrument = HISTORIES[name]
    bars = BarArrays.from_csv(FIXTURES / f"{name}.csv")
    h, lo, c, v = bars.high, bars.low, bars.close, bars.volume
    events = structure_events(h, lo, c)
    # The live batch over histories of many lengths: each pair's state and draft at its newest bar.
    items = [(t, bars.upto(t), instrument, None) for t in range(55, len(bars), max(len(bars) // 60, 1))]
    return {"chart_patterns": _digest(chart_patterns(h, lo, c, v, ind.atr(h, lo, c, 14))),
            "structure": _digest([events.event.tolist(), events.trend.tolist(), events.swing_high.tolist(),
                                  events.swing_low.tolist()]),
            "live": _digest(sorted(analyse_many(items, timeframe=timeframe, strategy=STRATEGY).items()))}


def test_the_engine_gives_exactly_the_outputs_recorded_on_the_bundled_histories():
    assert {name: _outputs(name) for name in HISTORIES} == RECORDED
