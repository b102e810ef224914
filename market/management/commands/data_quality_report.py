from django.core.management.base import BaseCommand
from django.template.defaultfilters import pluralize

from market.models import Instrument
from market.selectors import data_quality_report


class Command(BaseCommand):
    help = "List, per instrument and timeframe, the calendar gaps and the quarantined bars."

    def add_arguments(self, parser):
        parser.add_argument("--symbol")

    def handle(self, *args, symbol: str | None = None, **options):
        instruments = Instrument.objects.all()
        if symbol:
            instruments = instruments.filter(symbol=symbol.upper())
        for instrument in instruments:
            for report in data_quality_report(instrument=instrument):
                self.stdout.write(f"{instrument.symbol} {report.timeframe}: {report.bars} bars "
                                  f"{report.first:%Y-%m-%d} .. {report.last:%Y-%m-%d}, {len(report.gaps)} gaps, "
                                  f"{len(report.quarantined)} quarantined" if report.bars else
                                  f"{instrument.symbol} {report.timeframe}: no bars, "
                                  f"{len(report.quarantined)} quarantined")
                for gap in report.gaps:
                    self.stdout.write(f"  gap: {gap.missing} bar{pluralize(gap.missing)} missing "
                                      f"between {gap.after:%Y-%m-%d %H:%M} and {gap.before:%Y-%m-%d %H:%M}")
                for bar in report.quarantined:
                    self.stdout.write(f"  quarantined {bar.time or '-'}: {bar.reason} ({bar.message}) "
                                      f"from {bar.source}")
