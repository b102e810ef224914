from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from config.outbound import TransportError
from market.models import Instrument
from market.provider_factory import provider_for
from market.services import bars_backfill
from market.timeframes import Timeframe


class Command(BaseCommand):
    help = "Backfill bars of an instrument from a provider (ccxt, alphavantage or bundled)."

    def add_arguments(self, parser):
        parser.add_argument("--symbol", required=True)
        parser.add_argument("--timeframe", required=True, choices=[tf.value for tf in Timeframe])
        parser.add_argument("--since", required=True, help="YYYY-MM-DD (UTC)")
        parser.add_argument("--until", help="YYYY-MM-DD (UTC); default now")
        parser.add_argument("--provider", choices=["ccxt", "alphavantage", "bundled"])

    def handle(self, *args, symbol, timeframe, since, until, provider, **options):
        instrument = Instrument.objects.filter(symbol=symbol.upper()).first()
        if instrument is None:
            raise CommandError(f"Unknown symbol {symbol!r}.")
        try:
            start = datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=UTC)
            end = datetime.strptime(until, "%Y-%m-%d").replace(tzinfo=UTC) if until else None
        except ValueError:
            raise CommandError("--since and --until take dates as YYYY-MM-DD.") from None
        try:
            report = bars_backfill(instrument=instrument, timeframe=timeframe,
                                   provider=provider_for(instrument=instrument, name=provider), since=start, until=end)
        except TransportError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(
            f"{instrument.symbol} {timeframe}: {report.received} bars fetched, {report.stored} stored or changed, "
            f"{report.quarantined} quarantined"))
