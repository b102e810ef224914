from django.core.management.base import BaseCommand, CommandError

from market.csv_import import bars_import_csv
from market.models import Instrument
from market.timeframes import Timeframe


class Command(BaseCommand):
    help = "Import a CSV (time,open,high,low,close,volume) of bars; bad rows are reported by line number."

    def add_arguments(self, parser):
        parser.add_argument("csv")
        parser.add_argument("--symbol", required=True)
        parser.add_argument("--timeframe", required=True, choices=[tf.value for tf in Timeframe])

    def handle(self, *args, csv: str, symbol: str, timeframe: str, **options):
        instrument = Instrument.objects.filter(symbol=symbol.upper()).first()
        if instrument is None:
            raise CommandError(f"Unknown symbol {symbol!r}; run load_instruments or check the spelling.")
        try:
            with open(csv, newline="") as handle:
                report = bars_import_csv(instrument=instrument, timeframe=timeframe, source=handle,
                                         name=f"csv:{csv}")
        except FileNotFoundError:
            raise CommandError(f"No such file: {csv}") from None
        for line, reason, message in report.bad_lines:
            self.stdout.write(f"line {line}: {reason}: {message}")
        ingest = report.ingest
        self.stdout.write(self.style.SUCCESS(
            f"{report.rows} rows read, {ingest.stored} stored or changed, "
            f"{len(report.bad_lines)} quarantined, in {ingest.seconds:.2f}s"))
