"""Cancelling an order and processing a closed bar at the same moment, on PostgreSQL with two connections:
the cancel locks the portfolio first, then the order, as the bar's processing does, so an order ends
cancelled or filled, never both, and a cancelled order is never filled."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import DatabaseError, connection, connections, transaction

from billing.services import plan_catalogue_seed
from config.errors import InvalidInput
from portfolios.books import utc as as_datetime
from portfolios.models import PaperFill, PaperOrder, PaperPosition, Portfolio
from portfolios.processing import bar_closed_process
from portfolios.services import order_cancel_by_subscriber, order_place
from tests.portfolios.conftest import order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAITING_SQL = """SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"""


def _in_thread(work) -> tuple[threading.Thread, dict]:
    """Run `work` on its own connection; its result or error lands in the returned dict."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as error:  # reported by the test
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _waits_for_a_lock(seconds: float = 10.0) -> bool:
    """Whether another connection of this database comes to wait for a lock within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(WAITING_SQL)
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.02)
    return False


@pytest.fixture(autouse=True)
def plans(transactional_db):
    """The plan catalogue (a transactional test's database is emptied after each test, seeded data too)."""
    plan_catalogue_seed()


@pytest.fixture
def limit_order_and_its_bar(alice_actor, portfolio, tape):
    """A working buy limit on BTCUSD, and the next bar (stored, not processed) that reaches it."""
    btc = tape("BTCUSD")
    btc.bar(100, 101, 99, 100)
    [placed] = order_place(actor=alice_actor, portfolio=portfolio,
                           request=order("BTCUSD", "buy", 1, order_type="limit", limit_price=97))
    bar_time = as_datetime(btc.next_time)
    btc.bar(99, 99.5, 96, 97, process=False)

    def process():
        return bar_closed_process(instrument_id=btc.instrument.pk, timeframe="H1", bar_time=bar_time)

    return placed, process


def test_cancelling_an_order_locks_its_portfolio_until_the_cancel_commits(alice_actor, limit_order_and_its_bar):
    placed, _ = limit_order_and_its_bar
    with transaction.atomic():
        order_cancel_by_subscriber(actor=alice_actor, order=placed)
        thread, outcome = _in_thread(lambda: Portfolio.objects.select_for_update(nowait=True)
                                     .filter(pk=placed.portfolio_id).first())
        thread.join(timeout=30)
    assert isinstance(outcome.get("error"), DatabaseError)  # "could not obtain lock": the cancel holds it


def test_a_bar_processed_while_an_order_is_being_cancelled_waits_and_does_not_fill_it(alice_actor,
                                                                                      limit_order_and_its_bar):
    placed, process = limit_order_and_its_bar
    with transaction.atomic():
        order_cancel_by_subscriber(actor=alice_actor, order=placed)
        thread, outcome = _in_thread(process)
        assert _waits_for_a_lock()  # the bar's processing waits for the cancel's portfolio lock
    thread.join(timeout=60)

    assert "error" not in outcome, outcome
    assert outcome["result"].fills == 0
    assert PaperOrder.objects.get(pk=placed.pk).status == "cancelled"
    assert not PaperFill.objects.exists() and not PaperPosition.objects.exists()


def test_an_order_cancelled_while_its_bar_fills_it_is_refused_as_filled(alice_actor, limit_order_and_its_bar):
    placed, process = limit_order_and_its_bar
    with transaction.atomic():
        process()
        thread, outcome = _in_thread(lambda: order_cancel_by_subscriber(actor=alice_actor, order=placed))
        assert _waits_for_a_lock()  # the cancel waits for the bar's lock on the portfolio
    thread.join(timeout=60)

    assert isinstance(outcome.get("error"), InvalidInput)
    assert "filled" in str(outcome["error"])
    assert PaperOrder.objects.get(pk=placed.pk).status == "filled"
    assert PaperFill.objects.filter(order=placed).count() == 1
