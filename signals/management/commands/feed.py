"""Follow the live feed with an API key and print each message as a JSON line (signals.feed_client)."""

import asyncio
import logging
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from signals.feed_client import DEFAULT_URL, FeedClient, FeedClosed


class Command(BaseCommand):
    help = "Print the live feed as JSON lines; resume from the last sequence after any disconnect."

    def add_arguments(self, parser):
        parser.add_argument("--key", required=True, help="An API key (sent in the first message, never in the URL).")
        parser.add_argument("--url", default=DEFAULT_URL)
        parser.add_argument("--after", type=int, help="Resume after this sequence number (overrides --state-file).")
        parser.add_argument("--state-file", type=Path, help="Where the last sequence is kept between runs.")
        parser.add_argument("--stream", action="append", dest="streams", default=[],
                            help="signals (always), alerts, engine; repeat for several.")
        parser.add_argument("--symbol", action="append", default=[])
        parser.add_argument("--timeframe", action="append", default=[])
        parser.add_argument("--asset-class", action="append", default=[])

    def handle(self, *args, key, url, after, state_file, streams, symbol, timeframe, asset_class, **options):
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
        filters = {name: values for name, values in
                   (("symbol", symbol), ("timeframe", timeframe), ("asset_class", asset_class)) if values}
        client = FeedClient(url=url, key=key, after=after, state_file=state_file, filters=filters,
                            streams=tuple(dict.fromkeys(["signals", *streams])))
        try:
            asyncio.run(client.run())
        except FeedClosed as closed:
            raise CommandError(str(closed)) from None
        except KeyboardInterrupt:
            pass
