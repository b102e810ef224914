"""Following signals end to end: a signal published by the real service reaches the portfolios that follow
it through SIGNAL_PUBLISHED_TASKS, which place its bracket sized by their rule; the closed bars fill it,
the journal records the trade with its signal, and the drift report sets it beside the signal's outcome
and an ideal-fill replay. Rules that cannot follow a signal say why, and never invent a confidence."""

import pytest

from config.celery_app import app as celery_app
from portfolios.books import utc
from portfolios.drift import drift_report, ideal_replay_r
from portfolios.following import signal_follow
from portfolios.models import FollowDecision, PaperOrder, Trade
from portfolios.services import follow_rule_create, portfolio_create
from signals.models import SignalPublication
from tests.api_v1.conftest import close, publish
from tests.portfolios.conftest import START

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def goog(tape):
    feed = tape("GOOG", "D1")
    feed.bar(99, 100.5, 98.5, 100)  # the signal's bar: entry 100, stop 98, targets 102 / 104 / 106
    return feed


def published(django_capture_on_commit_callbacks, **draft):
    with django_capture_on_commit_callbacks(execute=True):
        return publish("GOOG", timeframe="D1", bar_time=utc(START), entry=100.0, **draft)


def test_a_followed_signal_is_traded_journaled_and_explained(alice_actor, portfolio, goog, eager,
                                                             django_capture_on_commit_callbacks):
    follow_rule_create(actor=alice_actor, portfolio=portfolio, sizing="fixed_fraction", risk_fraction=0.01)
    signal = published(django_capture_on_commit_callbacks, confidence=None)
    decision = FollowDecision.objects.get(portfolio=portfolio, signal=signal)
    assert decision.placed and decision.quantity == 500  # 1% of 100,000 over a risk of 2 a share
    orders = {o.role: o for o in PaperOrder.objects.filter(portfolio=portfolio, signal=signal)}
    assert orders["stop"].stop_price == signal.stop and orders["target_3"].limit_price == signal.target_3
    assert [orders[f"target_{n}"].quantity for n in (1, 2, 3)] == [166, 166, 168]

    goog.bar(100.2, 102.5, 100, 102.2)  # entry at the open, target 1
    goog.bar(102.2, 104.5, 101, 104)  # target 2
    goog.bar(104, 104.2, 97, 97.5)  # the stop takes the rest
    trade = Trade.objects.get(portfolio=portfolio)
    assert trade.signal_id == signal.pk and trade.initial_stop == signal.stop
    close(signal, r_multiple=1.0)  # as the outcomes service records it: target 1 first

    [row] = drift_report(portfolio=portfolio)
    assert row.outcome.r_multiple == 1.0
    assert row.ideal_r == pytest.approx((2 + 4 - 2) / 3 / 2)  # a third at 102 and 104, the rest at the stop 98
    assert row.ideal_r == ideal_replay_r(signal)
    parts = row.entry_timing_r + row.entry_slippage_r + row.exit_slippage_r + row.exit_fills_r
    assert row.paper_gross_r == pytest.approx(row.ideal_r + parts)  # the difference, explained in full
    assert row.entry_timing_r == pytest.approx(-0.1)  # the next open 100.2 against the entry 100, in R of 2
    assert row.entry_slippage_r < 0 and row.costs_r < 0
    assert row.paper_net_r == pytest.approx(row.paper_gross_r + row.costs_r)


def test_a_min_confidence_rule_follows_no_signal_while_signals_carry_none(alice_actor, portfolio, goog, eager,
                                                                          django_capture_on_commit_callbacks):
    follow_rule_create(actor=alice_actor, portfolio=portfolio, min_confidence=0.55)
    signal = published(django_capture_on_commit_callbacks, confidence=None)
    decision = FollowDecision.objects.get(portfolio=portfolio, signal=signal)
    assert not decision.placed and "carry no confidence" in decision.reason
    assert not PaperOrder.objects.exists()


def test_kelly_cannot_size_a_signal_without_confidence(alice_actor, portfolio, goog, eager,
                                                       django_capture_on_commit_callbacks):
    follow_rule_create(actor=alice_actor, portfolio=portfolio, sizing="kelly")
    signal = published(django_capture_on_commit_callbacks, confidence=None)
    decision = FollowDecision.objects.get(portfolio=portfolio, signal=signal)
    assert not decision.placed and decision.reason.startswith("Kelly sizing needs the signal's confidence")
    assert not PaperOrder.objects.exists()


def test_a_breaker_blocks_a_followed_signal_and_says_why(alice_actor, portfolio, goog, eager,
                                                         django_capture_on_commit_callbacks):
    portfolio.max_cluster_exposure = 0.1
    portfolio.save()
    follow_rule_create(actor=alice_actor, portfolio=portfolio, sizing="fixed_amount", amount=50_000)
    signal = published(django_capture_on_commit_callbacks, confidence=None)
    decision = FollowDecision.objects.get(portfolio=portfolio, signal=signal)
    assert not decision.placed and "above the limit of 10% for one cluster" in decision.reason


def test_a_portfolio_follows_through_its_own_plans_publication_only(charlie_actor, goog, eager,
                                                                   django_capture_on_commit_callbacks):
    free = portfolio_create(actor=charlie_actor, name="Free one")  # Free: signals after an hour's delay
    follow_rule_create(actor=charlie_actor, portfolio=free)
    published(django_capture_on_commit_callbacks, confidence=None)
    assert not FollowDecision.objects.filter(portfolio=free).exists()


def test_a_signal_is_followed_once_however_often_its_event_comes(alice_actor, portfolio, goog, eager,
                                                                 django_capture_on_commit_callbacks):
    follow_rule_create(actor=alice_actor, portfolio=portfolio)
    signal = published(django_capture_on_commit_callbacks, confidence=None)
    publication = SignalPublication.objects.get(signal=signal, tier="pro")
    assert signal_follow(publication_id=publication.pk) == []
    assert PaperOrder.objects.filter(role="entry").count() == 1


def test_a_signal_is_not_stacked_on_a_trade_in_the_same_instrument(alice_actor, portfolio, goog, eager,
                                                                   django_capture_on_commit_callbacks):
    follow_rule_create(actor=alice_actor, portfolio=portfolio)
    published(django_capture_on_commit_callbacks, confidence=None)
    goog.bar(100.2, 101, 99.5, 100.4)  # filled: the portfolio holds GOOG
    with django_capture_on_commit_callbacks(execute=True):
        second = publish("GOOG", timeframe="D1", bar_time=utc(START + 86_400), entry=100.0, confidence=None)
    decision = FollowDecision.objects.get(signal=second)
    assert not decision.placed and "already holds GOOG" in decision.reason
    assert PaperOrder.objects.filter(role="entry").count() == 1


def test_a_signal_whose_price_ran_past_its_levels_is_not_followed(alice_actor, portfolio, tape, eager,
                                                                 django_capture_on_commit_callbacks):
    feed = tape("GOOG", "D1")
    feed.bar(99, 100.5, 98.5, 100)
    feed.bar(100, 103, 100, 102.5)  # already beyond target 1 (102) when the signal reaches the portfolio
    follow_rule_create(actor=alice_actor, portfolio=portfolio)
    signal = published(django_capture_on_commit_callbacks, confidence=None)
    decision = FollowDecision.objects.get(signal=signal)
    assert not decision.placed and "beyond the signal's first target" in decision.reason
