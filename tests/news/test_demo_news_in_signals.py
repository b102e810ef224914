"""The demo's recorded news reaches the signals the demo replays: the engine, fed the stored demo news as
the live path feeds it, writes the news sentence into the reasoning of replayed signals."""

from datetime import UTC, datetime

from market.demo_seed import DEMO_HISTORY
from market.models import Instrument
from market.resample import resample
from market.timeframes import Timeframe
from news.demo_seed import news_demo_seed
from news.selectors import news_scores_for
from signals.engine.analysis import analyse
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig
from signals.services import LOOKBACK_BARS


def test_replayed_eurusd_signals_carry_the_demo_news_in_their_reasoning(catalogue):
    news_demo_seed()
    demo = next(d for d in DEMO_HISTORY if d.symbol == "EURUSD")
    bars = demo.bars()
    first = int((bars.time >= int(demo.replay_from.timestamp())).argmax())
    eurusd = Instrument.objects.get(symbol="EURUSD")
    news = news_scores_for(instrument_ids=[eurusd.pk], since=datetime(2017, 1, 1, tzinfo=UTC),
                           until=datetime(2019, 1, 1, tzinfo=UTC))[eurusd.pk]
    strategy = StrategyConfig.from_dict(DEFAULT_CONFLUENCE)

    reasons = []
    for i in range(first, first + 60):
        window = bars.upto(i).tail(LOOKBACK_BARS)
        higher = resample(window, target=Timeframe.H4, calendar="FOREX", now=int(bars.time[i]))
        draft = analyse(window, instrument=eurusd.spec, timeframe="H1", strategy=strategy, higher=higher, news=news)
        if draft is not None:
            reasons.append(draft.reasoning)

    with_news = [r for r in reasons if "News sentiment" in r and "(not weighed in the score)." in r]
    assert len(reasons) >= 5 and len(with_news) >= len(reasons) // 2
