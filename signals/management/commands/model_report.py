"""Every confidence model version's out-of-sample figures beside the base rate, which is active and why;
then each chart pattern's record (hit rate and sample size of the signals it voted for), and the news
sentiment component's value (hit rate with and without it)."""

from django.core.management.base import BaseCommand

from signals.engine.chart_patterns import NAMES
from signals.model_selectors import ModelVersionRow, confidence_status, model_version_rows
from signals.models import Strategy
from signals.sentiment_selectors import sentiment_report_lines
from signals.track_record_selectors import chart_pattern_track_records


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.4f}"


def _plain(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def version_lines(row: ModelVersionRow) -> list[str]:
    """The report of one version, as lines of text."""
    v, baselines = row.version, row.version.baselines or {}
    lines = [
        f"  v{v.version} {v.get_kind_display()}{' [ACTIVE]' if row.active else ''}: {v.algorithm}",
        f"    trained {v.trained_from:%Y-%m-%d} to {v.trained_to:%Y-%m-%d}; {v.oos_samples} out-of-sample predictions "
        f"of {baselines.get('samples', 'n/a')} samples; base rate {_plain(v.base_rate)}",
        f"    Brier {_plain(v.oos_brier)} vs base rate {_plain(baselines.get('constant_base_rate_brier'))}; "
        f"skill score {_signed(v.oos_bss)} (95% {_signed(v.oos_bss_low)} to {_signed(v.oos_bss_high)}); "
        f"log loss {_plain(v.oos_log_loss)} vs base rate {_plain(baselines.get('constant_base_rate_log_loss'))}",
        f"    {row.why}",
    ]
    for group in v.group_figures or []:
        lines.append(f"    {group['group']:<12} n={group['count']:<5} hit rate {group['hit_rate']:.4f}  "
                     f"Brier {group['brier']:.4f} vs base rate {group['baseline_brier']:.4f}  "
                     f"skill {_signed(group['bss'])}")
    for band in v.calibration_table or []:
        lines.append(f"    calibration {band['band']}: n={band['count']:<5} predicted {band['predicted']:.4f}  "
                     f"realised {band['realised']:.4f}")
    return lines


class Command(BaseCommand):
    help = "Report every confidence model version: out-of-sample figures, base rate, which is active and why."

    def handle(self, *args, **options):
        strategies = Strategy.objects.filter(model_versions__isnull=False).distinct().order_by("name", "version")
        if not strategies:
            self.stdout.write("No confidence model has been trained yet: signals carry no confidence.")
        for strategy in strategies:
            self.stdout.write(f"{strategy}: {confidence_status(strategy=strategy)}")
            for row in model_version_rows(strategy=strategy):
                self.stdout.write("\n".join(version_lines(row)))
        patterns = chart_pattern_track_records()
        self.stdout.write("Chart patterns in the track record (signals each confirmed pattern voted for, "
                          "outcomes recorded after publication):" if patterns else
                          "Chart patterns in the track record: no closed signal had a chart pattern yet.")
        for group in patterns:
            record = group.record
            self.stdout.write(f"  {NAMES[group.key['chart_pattern']]}: n={record.count}, target-1 hit rate "
                              f"{record.hit_rate:.4f} (95% {record.hit_rate_low:.4f} to {record.hit_rate_high:.4f}), "
                              f"average R {record.average_r:+.2f}")
        self.stdout.write("\n".join(sentiment_report_lines()))
