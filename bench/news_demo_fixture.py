"""Writes news/fixtures/demo_news.json: the demo's recorded news items (illustrative headlines, not real
articles), dated inside the bars the demo replays, each headline following the move of the bar it was
published in (up or down, known by then), never a later one. Run once; the file is committed.

    .venv/bin/python bench/news_demo_fixture.py
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from market.arrays import BarArrays  # noqa: E402

FIXTURES = ROOT / "market" / "fixtures"
HEADLINES = {
    "GOOG": {1: ["Google shares rise as search advertising revenue grows strongly",
                 "Analysts upgrade Google, citing strong growth in paid clicks",
                 "Google stock gains as investors cheer its mobile success"],
             -1: ["Google shares fall as worries about advertising spending mount",
                  "Google stock slides as investors fear a weak economy",
                  "Analysts cut Google targets on weak growth fears"]},
    "EURUSD": {1: ["Euro rallies against the dollar as ECB hawks gain ground",
                   "Euro gains as strong eurozone data lifts confidence",
                   "EUR/USD climbs as traders welcome upbeat German surveys"],
               -1: ["Euro slides against the dollar on political worries in Europe",
                    "Euro weakens as ECB signals patience on stimulus",
                    "EUR/USD falls as disappointing eurozone data hurts the single currency"]},
    "BTCUSD": {1: ["Bitcoin surges as institutional interest grows",
                   "Bitcoin rallies to strong gains as buyers return"],
               -1: ["Bitcoin crashes as fears of a ban hurt crypto markets",
                    "Bitcoin tumbles as panic selling hits crypto markets"]},
}
# (symbol, file, first replayed bar, bars replayed with news, one item every `step` bars, seconds a bar lasts)
PLAN = [("GOOG", "GOOG_D1.csv", datetime(2008, 2, 25, tzinfo=UTC), 400, 2, 86400),
        ("EURUSD", "EURUSD_H1.csv", datetime(2017, 9, 20, tzinfo=UTC), 600, 3, 3600),
        ("BTCUSD", "BTCUSD_MN1.csv", datetime(2017, 11, 1, tzinfo=UTC), 86, 1, 28 * 86400)]
SEEDED_BEFORE = 6  # items on the bars just before the replay starts, for the instrument page at first sight


def main() -> None:
    items = []
    for symbol, filename, start, count, step, seconds in PLAN:
        bars = BarArrays.from_csv(FIXTURES / filename)
        first = int((bars.time >= int(start.timestamp())).argmax())
        chosen = list(range(first - SEEDED_BEFORE * step, first, step)) + list(range(first, first + count, step))
        for n, i in enumerate(i for i in chosen if i < len(bars)):
            move = 1 if bars.close[i] >= bars.open[i] else -1
            options = HEADLINES[symbol][move]
            published = int(bars.time[i]) + int(seconds * 0.75)  # inside the bar, after most of its move
            when = datetime.fromtimestamp(published, UTC)
            summary = (f"Recorded demo data for {symbol}, {when:%d %b %Y %H:%M} UTC: an illustrative headline, "
                       f"not a real article.")
            items.append({"title": options[n % len(options)], "summary": summary, "source": "Beacon demo",
                          "url": f"https://demo.beacon.invalid/news/{symbol.lower()}-{when:%Y%m%d%H%M}",
                          "published": when.strftime("%Y-%m-%dT%H:%M:%SZ")})
    out = ROOT / "news" / "fixtures" / "demo_news.json"
    out.write_text(json.dumps({"note": "Recorded demo data: illustrative headlines written for the demo, dated "
                                       "inside the bundled bars; not real articles.", "items": items}, indent=1))
    print(f"{len(items)} demo items -> {out}")


if __name__ == "__main__":
    main()
