"""Each signal goes to the ledger and to every entitled tier: at once, or after the tier's delay,
showing only what the tier's plan shows."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from billing.entitlements import Entitlements
from billing.models import Plan
from market.models import Instrument
from signals.ledger import ledger_verify
from signals.models import LedgerEntry, Signal, SignalPublication
from signals.payloads import signal_payload_for_tier
from signals.publishing import publications_release_due, tier_group_name
from signals.scheduling import engine_run_start
from signals.services import signal_create, strategy_default_ensure
from tests.signals.conftest import NOW, received
from tests.signals.test_outcomes_recorded import a_draft


def test_each_signal_is_in_the_ledger_and_published_to_every_entitled_tier(market,
                                                                          django_capture_on_commit_callbacks):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(tier_group_name("premium"), channel)

    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="premium", now=NOW)

    signals = list(Signal.objects.all())
    assert {(s.instrument.symbol, s.timeframe) for s in signals} == {("GOOG", "D1"), ("EURUSD", "H1"),
                                                                     ("BTCUSD", "MN1"), ("SPX", "D1"),
                                                                     ("IXIC", "D1")}
    assert ledger_verify().ok
    assert LedgerEntry.objects.filter(kind="signal").count() == len(signals)
    free_universe = Plan.objects.get(code="free").instruments  # GOOG, EURUSD and BTCUSD, not the indices
    for signal in signals:
        tiers = set(SignalPublication.objects.filter(signal=signal).values_list("tier", flat=True))
        assert "premium" in tiers
        assert ("free" in tiers) == (signal.timeframe in ("D1", "MN1") and signal.instrument.symbol in free_universe)
    premium = SignalPublication.objects.filter(tier="premium")
    assert not premium.filter(published_at=None).exists()  # published with the signal's commit
    messages = received(layer, channel, len(signals))
    assert sorted(m["seq"] for m in messages) == sorted(premium.values_list("id", flat=True))
    assert {m["data"]["instrument"] for m in messages} == {"GOOG", "EURUSD", "BTCUSD", "SPX", "IXIC"}
    assert all(m["type"] == "signal.published" and m["data"]["reasoning"] for m in messages)
    assert publications_release_due(now=NOW) == 0  # and never again


def test_the_free_tier_sees_a_signal_only_after_its_delay(market, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="free", now=NOW)
    free = SignalPublication.objects.filter(tier="free")

    assert free.count() == 2  # GOOG D1 and BTCUSD MN1; Free has no H1
    assert not free.filter(published_at__isnull=False).exists()
    assert publications_release_due(now=NOW) == 0
    later = max(p.visible_at for p in free)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(tier_group_name("free"), channel)
    assert publications_release_due(now=later) == free.count()
    assert publications_release_due(now=later) == 0  # released once, however often it runs
    assert sorted(m["seq"] for m in received(layer, channel, free.count())) == sorted(free.values_list("id", flat=True))


def test_confidence_and_reasoning_are_hidden_from_a_tier_without_them(market):
    signal = signal_create(draft=a_draft(), instrument=Instrument.objects.get(symbol="GOOG"),
                           strategy=strategy_default_ensure())

    free = signal_payload_for_tier(signal, entitlements=Entitlements.from_plan(Plan.objects.get(code="free")))
    pro = signal_payload_for_tier(signal, entitlements=Entitlements.from_plan(Plan.objects.get(code="pro")))
    assert free["reasoning"] is None and free["contributions"] is None
    assert pro["reasoning"] == signal.reasoning
