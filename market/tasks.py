"""Celery tasks of market data (queue `ingest`)."""

import logging

from celery import shared_task

from config.outbound import TransportError
from market.demo_seed import DEMO_HISTORY
from market.models import Instrument
from market.provider_factory import provider_for
from market.replay import replay_next
from market.services import bars_poll

log = logging.getLogger(__name__)


@shared_task(name="market.tasks.replay_tick", acks_late=True, ignore_result=True)
def replay_tick() -> None:
    """The demo's live feed: the next bundled bar of each demo instrument from its `replay_from` on
    (market.demo_seed says why there), as a closed bar."""
    for demo in DEMO_HISTORY:
        instrument = Instrument.objects.filter(symbol=demo.symbol).first()
        if instrument is not None:
            replay_next(instrument=instrument, timeframe=demo.timeframe, history=demo.replayed())


@shared_task(name="market.tasks.poll_live", acks_late=True, ignore_result=True)
def poll_live(timeframe: str) -> None:
    """Poll the live provider of every active real instrument; one failing instrument fails alone."""
    for instrument in Instrument.objects.filter(active=True, is_synthetic=False):
        try:
            bars_poll(instrument=instrument, timeframe=timeframe, provider=provider_for(instrument=instrument))
        except TransportError as error:
            log.warning("poll %s %s failed (%s): %s", instrument.symbol, timeframe,
                        "permanent" if error.permanent else "will retry next poll", error.message)
