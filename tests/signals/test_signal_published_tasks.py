"""SIGNAL_PUBLISHED_TASKS: each task named there is sent once per publication as it becomes visible
to its tier (after the signal's commit, or when a delayed one is released), and never for a
signal rolled back; a failing send leaves publishing intact."""

import logging

import pytest
from asgiref.sync import async_to_sync
from celery import shared_task
from channels.layers import get_channel_layer
from django.db import transaction
from django.test import override_settings

from market.models import Instrument
from signals.models import Signal, SignalPublication
from signals.publishing import publications_release_due, tier_group_name
from signals.services import signal_create, strategy_default_ensure
from tests.signals.conftest import received
from tests.signals.test_outcomes_recorded import a_draft

PROBE = "tests.signals.signal_published_probe"
probe_calls: list[tuple[int, int, str]] = []


@shared_task(name=PROBE)
def signal_published_probe(*, publication_id: int, signal_id: int, tier: str) -> None:
    """A task as alerts or portfolios would register: it records what it was sent."""
    probe_calls.append((publication_id, signal_id, tier))


@pytest.fixture
def probe():
    probe_calls.clear()
    with override_settings(SIGNAL_PUBLISHED_TASKS=[PROBE]):
        yield probe_calls
    probe_calls.clear()


def _goog_signal() -> Signal:
    """A GOOG daily signal: Pro and Premium see it at once, Free after its delay."""
    return signal_create(draft=a_draft(), instrument=Instrument.objects.get(symbol="GOOG"),
                         strategy=strategy_default_ensure())


def _visible(signal: Signal) -> list[tuple[int, int, str]]:
    return sorted((p.pk, signal.pk, p.tier) for p in signal.publications.exclude(published_at=None))


def test_each_task_receives_one_call_per_publication_visible_at_once_after_the_commit(
        market, probe, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signal = _goog_signal()
        assert probe == []  # nothing before the commit

    assert sorted(probe) == _visible(signal)
    assert {tier for _, _, tier in probe} == {"pro", "premium"}  # Free's copy waits for its delay


def test_nothing_is_sent_for_a_signal_whose_transaction_rolls_back(market, probe, django_capture_on_commit_callbacks):
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
          transaction.atomic()):
        _goog_signal()
        raise RuntimeError("the caller's transaction fails after the signal was stored")

    assert probe == [] and callbacks == []
    assert not Signal.objects.exists() and not SignalPublication.objects.exists()


def test_a_delayed_publication_is_sent_only_when_released(market, probe, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signal = _goog_signal()
    free = SignalPublication.objects.get(signal=signal, tier="free")
    at_once = list(probe)

    assert publications_release_due(now=free.visible_at - (free.visible_at - signal.created_at) / 2) == 0
    assert probe == at_once
    assert publications_release_due(now=free.visible_at) == 1
    assert sorted(probe) == sorted([*at_once, (free.pk, signal.pk, "free")])
    assert publications_release_due(now=free.visible_at) == 0
    assert len(probe) == 3  # released once, sent once


@override_settings(SIGNAL_PUBLISHED_TASKS=["tests.signals.no_such_task"])
def test_a_failing_send_is_logged_and_publishing_goes_on(market, caplog, django_capture_on_commit_callbacks):
    # Eager mode runs a task in the sending process, so sending one this process does not know fails.
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(tier_group_name("premium"), channel)

    with caplog.at_level(logging.ERROR, logger="signals.publishing"):
        with django_capture_on_commit_callbacks(execute=True):
            signal = _goog_signal()
        free = SignalPublication.objects.get(signal=signal, tier="free")
        released = publications_release_due(now=free.visible_at)

    assert [m["data"]["signal_id"] for m in received(layer, channel, 1)] == [signal.pk]
    assert released == 1 and not signal.publications.filter(published_at=None).exists()
    failures = [r for r in caplog.records if r.name == "signals.publishing" and "failed" in r.getMessage()]
    assert len(failures) == 2 and all(r.exc_info for r in failures)  # the one at once, the release
