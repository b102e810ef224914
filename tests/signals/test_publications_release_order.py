"""A delayed tier's releases commit in seq order: the live feed sends a tier's publications in seq order
and skips a copy that arrives after a later one, and a resume after seq N reads only what is above N.
So no publication may become published after a later one of its tier."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from billing.services import plan_catalogue_seed
from market.services import instrument_catalogue_load
from signals.models import SignalPublication
from signals.publishing import publications_release_due
from signals.services import strategy_default_ensure
from tests.signals.feed.conftest import signal_publish

GAP_SQL = """SELECT count(*) FROM signals_signalpublication unreleased
             WHERE unreleased.tier = 'free' AND unreleased.published_at IS NULL
               AND unreleased.id < (SELECT max(id) FROM signals_signalpublication
                                    WHERE tier = 'free' AND published_at IS NOT NULL)"""


@pytest.fixture
def free_publications(transactional_db):
    """Free's copies of `count` signals, each visible 1 ms after the one before from `base`."""
    plan_catalogue_seed()
    instrument_catalogue_load()
    strategy_default_ensure()

    def make(count: int):
        for _ in range(count):
            signal_publish(symbol="GOOG", timeframe="D1")
        free = list(SignalPublication.objects.filter(tier="free").order_by("id"))
        base = timezone.now() + timedelta(hours=2)
        for rank, publication in enumerate(free):
            SignalPublication.objects.filter(pk=publication.pk).update(visible_at=base + timedelta(milliseconds=rank))
        return free, base

    return make


def released_ids() -> list[int]:
    return list(SignalPublication.objects.filter(tier="free", published_at__isnull=False)
                .order_by("id").values_list("id", flat=True))


def test_a_copy_made_visible_a_moment_after_a_newer_one_is_released_with_it_not_after_it(free_publications):
    free, base = free_publications(4)
    # The third signal's copy became visible 5 ms after the fourth's (their engine runs finished in that order).
    SignalPublication.objects.filter(pk=free[2].pk).update(visible_at=base + timedelta(milliseconds=8))

    assert publications_release_due(now=base + timedelta(milliseconds=3)) == 4
    assert released_ids() == [p.pk for p in free]


def test_nothing_unreleased_is_left_below_a_released_copy(free_publications):
    free, base = free_publications(3)

    assert publications_release_due(now=base + timedelta(milliseconds=1)) == 2
    assert released_ids() == [free[0].pk, free[1].pk]
    assert publications_release_due(now=base + timedelta(hours=1)) == 1


@pytest.mark.postgres
def test_concurrent_releasers_commit_a_tier_in_seq_order_and_release_each_copy_once(free_publications):
    """Four releasers step through the due times together while a watcher looks, in one statement (one
    snapshot) each time, for an unreleased copy below a released one."""
    assert connection.vendor == "postgresql"
    free, base = free_publications(120)
    counts: list[int] = []
    gaps: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()
    start = threading.Barrier(5)

    def release() -> None:
        try:
            start.wait()
            for step in range(len(free) + 1):
                counts.append(publications_release_due(now=base + timedelta(milliseconds=step)))
        except BaseException as error:  # reported by the test thread
            errors.append(error)
        finally:
            connections.close_all()

    def watch() -> None:
        try:
            start.wait()
            with connections["default"].cursor() as cursor:
                while not done.is_set():
                    cursor.execute(GAP_SQL)
                    gaps.append(cursor.fetchone()[0])
        finally:
            connections.close_all()

    releasers = [threading.Thread(target=release) for _ in range(4)]
    watcher = threading.Thread(target=watch)
    for thread in [*releasers, watcher]:
        thread.start()
    for thread in releasers:
        thread.join(timeout=120)
    done.set()
    watcher.join(timeout=30)

    assert not errors, errors
    assert len(gaps) > 100  # it looked throughout
    assert max(gaps) == 0
    assert sum(counts) == len(free)  # each copy released once
    assert released_ids() == [p.pk for p in free]
