"""Celery tasks of market data (queue `ingest`)."""

from celery import shared_task


@shared_task(name="market.tasks.replay_tick", acks_late=True, ignore_result=True)
def replay_tick() -> None:
    """The demo's live feed: the next bundled bar of each demo instrument, as a closed bar."""
    from market.arrays import BarArrays
    from market.models import Instrument
    from market.replay import replay_next
    from market.services import DEMO_HISTORY, FIXTURES

    for symbol, timeframe, filename in DEMO_HISTORY:
        instrument = Instrument.objects.filter(symbol=symbol).first()
        if instrument is not None:
            replay_next(instrument=instrument, timeframe=timeframe, history=BarArrays.from_csv(FIXTURES / filename))
