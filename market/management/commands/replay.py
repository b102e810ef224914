from django.core.management.base import BaseCommand, CommandError

from market.arrays import BarArrays
from market.models import Instrument
from market.replay import replay_run
from market.timeframes import Timeframe


class Command(BaseCommand):
    help = "Stream a CSV of bars into the database as if live, emitting closed-bar events."

    def add_arguments(self, parser):
        parser.add_argument("csv")
        parser.add_argument("--symbol", required=True)
        parser.add_argument("--timeframe", required=True, choices=[tf.value for tf in Timeframe])
        parser.add_argument("--speed", type=float, default=3600.0,
                            help="Times real time: 3600 plays one hourly bar per second.")
        parser.add_argument("--max-bars", type=int, default=None)

    def handle(self, *args, csv: str, symbol: str, timeframe: str, speed: float, max_bars, **options):
        instrument = Instrument.objects.filter(symbol=symbol.upper()).first()
        if instrument is None:
            raise CommandError(f"Unknown symbol {symbol!r}.")
        if speed <= 0:
            raise CommandError("--speed must be positive.")
        count = replay_run(instrument=instrument, timeframe=timeframe, history=BarArrays.from_csv(csv), speed=speed,
                           max_bars=max_bars)
        self.stdout.write(self.style.SUCCESS(f"Replayed {count} bars of {instrument.symbol} {timeframe}."))
