"""A pair is claimed once per bar: the first caller wins it, later and older bars do not re-win it."""

from datetime import UTC, datetime, timedelta

from market.models import Instrument
from market.services import instrument_catalogue_load
from signals.models import EngineCursor
from signals.run_books import pair_claim
from signals.services import strategy_default_ensure

BAR = datetime(2018, 1, 8, 10, tzinfo=UTC)


def test_a_pair_is_claimed_once_per_bar_and_never_for_an_older_one(db):
    instrument_catalogue_load()
    pair = {"strategy_id": strategy_default_ensure().pk, "instrument_id": Instrument.objects.get(symbol="EURUSD").pk,
            "timeframe": "H1"}

    first, again = pair_claim(**pair, bar_time=BAR), pair_claim(**pair, bar_time=BAR)
    older = pair_claim(**pair, bar_time=BAR - timedelta(hours=1))
    newer = pair_claim(**pair, bar_time=BAR + timedelta(hours=1))

    assert (first, again, older, newer) == (True, False, False, True)
    assert EngineCursor.objects.get(**pair).last_bar_time == BAR + timedelta(hours=1)
