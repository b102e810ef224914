"""The news sentiment component's out-of-sample value: target-1 hit rates of resolved signals by whether
their news agreed, and with vs without the news at a candidate weight, with sample sizes and intervals."""

from django.core.management.base import BaseCommand, CommandError

from signals.sentiment_selectors import CANDIDATE_WEIGHT, sentiment_report_lines


class Command(BaseCommand):
    help = "Measure the news sentiment component on resolved signals (hit rate with and without it)."

    def add_arguments(self, parser):
        parser.add_argument("--weight", type=float, default=CANDIDATE_WEIGHT,
                            help=f"The news weight compared with 0 (default {CANDIDATE_WEIGHT:g}, a typical "
                                 f"component's); choose it before looking, or the figure is no longer out of sample.")
        parser.add_argument("--seed", type=int, default=0, help="The bootstrap's seed.")

    def handle(self, *args, weight: float, seed: int, **options):
        if not 0 < weight <= 10:
            raise CommandError("--weight is a number in (0, 10], as a strategy's news_weight.")
        self.stdout.write("\n".join(sentiment_report_lines(weight=weight, seed=seed)))
