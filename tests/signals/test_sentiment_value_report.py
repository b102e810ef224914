"""The news component's value is measured on the stored resolved signals and the news published before
each one's bar close, and reported by its command and the model report with sample sizes and a verdict."""

from dataclasses import replace
from datetime import UTC, datetime
from io import StringIO

from django.core.management import call_command

from market.models import Instrument
from news.models import NewsItem, NewsMention
from signals.engine.outcomes import Outcome
from signals.sentiment_selectors import sentiment_value_of
from signals.services import outcomes_record, signal_create, strategy_default_ensure
from tests.signals.test_outcomes_recorded import a_draft

DAY = 86400


def _mention(instrument: Instrument, published: int, sentiment: float, n: int) -> None:
    item = NewsItem.objects.create(url=f"https://news.example.org/{n}", content_hash=f"{n:064d}", title=f"item {n}",
                                   provider="feed", published_at=datetime.fromtimestamp(published, tz=UTC),
                                   sentiment=sentiment, scorer="vader-3.3.2")
    NewsMention.objects.create(item=item, instrument=instrument, relevance=1.0, sentiment=sentiment,
                               scorer="vader-3.3.2", published_at=item.published_at)


def _resolved_signals(goog: Instrument) -> None:
    """GOOG daily BUYs: news 3 h before the close good for 3 (2 hit), bad for 2 (none hit), none for 2 (1 hit),
    and one whose only news came out at its close, too late for it (it hit)."""
    strategy = strategy_default_ensure()
    cases = [(2, 0.8, True), (3, 0.8, True), (4, 0.8, False), (7, -0.8, False), (8, -0.8, False),
             (9, None, True), (10, None, False), (11, "late", True)]
    for n, (day, news, hit) in enumerate(cases):
        bar_time = int(datetime(2013, 1, day, tzinfo=UTC).timestamp())
        close = bar_time + DAY
        if news == "late":
            _mention(goog, close, -0.9, n)
        elif news is not None:
            _mention(goog, close - 3 * 3600, news, n)
        signal = signal_create(draft=replace(a_draft(bar_time=bar_time), score=0.5), instrument=goog,
                               strategy=strategy)
        outcomes_record([(signal, Outcome(result="target_1" if hit else "stop", target_1_hit=hit,
                                          targets_hit=int(hit), exit_price=1.0, r_multiple=1.0 if hit else -1.0,
                                          mfe_r=1.0, mae_r=-1.0, bars_held=3, closed_bar_time=close + 5 * DAY))])


def test_the_signals_are_grouped_by_the_news_known_at_their_close(catalogue):
    _resolved_signals(Instrument.objects.get(symbol="GOOG"))

    value = sentiment_value_of(strategy=strategy_default_ensure(), weight=1.0)

    assert value.signals == 8
    assert (value.agree.count, value.agree.hits) == (3, 2)
    assert (value.disagree.count, value.disagree.hits) == (2, 0)
    assert (value.no_news.count, value.no_news.hits) == (3, 2)  # the late item did not count
    # Score 0.5 over the components' weight 12.25: at news weight 1 a bad-news BUY scores
    # (0.5 x 12.25 - 0.8) / 13.25 = 0.402 < 0.45 and is withheld; the others keep theirs (0.462 at least).
    assert (value.without.count, value.with_news.count, value.dropped) == (8, 6, 2)
    assert not value.helps and value.verdict.startswith("Too few signals to conclude: 3 with agreeing news")


def test_the_command_and_the_model_report_say_the_figures_and_the_verdict(catalogue):
    _resolved_signals(Instrument.objects.get(symbol="GOOG"))
    command, report = StringIO(), StringIO()

    call_command("sentiment_value", stdout=command)
    call_command("model_report", stdout=report)

    text = command.getvalue()
    assert "News sentiment component of Confluence v1 (news weight now 0), out of sample:" in text
    assert "news agreed            n=3     target-1 hit rate 0.6667 (95% 0.2077 to 0.9385)" in text
    assert "news disagreed         n=2     target-1 hit rate 0.0000" in text
    assert "news neutral           n=0\n" in text
    assert "without (weight 0)     n=8     target-1 hit rate 0.5000" in text
    assert "with (weight 1)        n=6     target-1 hit rate 0.6667" in text
    assert "with minus without: +0.1667 (bootstrap 95%" in text
    assert "withheld by the news: 2" in text and "This is not evidence either way" in text
    assert text.strip() in report.getvalue()


def test_without_resolved_signals_the_report_says_it_is_not_measured(db):
    out = StringIO()

    call_command("sentiment_value", stdout=out)

    assert out.getvalue().strip() == "News sentiment component: no signal has been resolved yet, so it is not measured."


def test_members_see_the_measurement_on_the_track_record_page(alice_client, catalogue):
    _resolved_signals(Instrument.objects.get(symbol="GOOG"))

    page = alice_client.get("/app/track-record/").content.decode()

    section = page[page.index('data-testid="news-value"'):]
    assert "<td>News agreed with the signal</td><td class=\"num\">3</td><td class=\"num\">66.7%</td>" in section
    assert "<td>Kept at news weight 1</td><td class=\"num\">6</td>" in section
    assert "With the news at weight 1 instead of 0: <strong>+16.7 pts</strong>" in section
    assert "Too few signals to conclude" in section and "2 signals withheld" in section
    assert 'data-testid="news-value-demo"' not in section  # no illustrative demo item stored here
    assert 'data-testid="news-value"' not in alice_client.get("/track-record/").content.decode()  # members' page


def test_with_the_demos_illustrative_news_the_page_says_the_figures_are_not_evidence(alice_client, catalogue):
    from news.demo_seed import news_demo_seed

    _resolved_signals(Instrument.objects.get(symbol="GOOG"))
    news_demo_seed()

    page = alice_client.get("/app/track-record/").content.decode()

    assert "they are not evidence that news helps or hurts" in page[page.index('data-testid="news-value"'):]
