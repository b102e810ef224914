"""Import bars from a CSV file (time,open,high,low,close,volume): good rows are stored, bad rows are
quarantined and reported by line number."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from config.errors import InvalidInput
from market.arrays import PRICE_COLUMNS, BarArrays
from market.models import Instrument, QuarantinedBar
from market.services import IngestReport, bars_ingest
from market.timeframes import Timeframe


@dataclass
class CsvImportReport:
    """What an import did, with each bad row's line number (header is line 1) and reason."""

    rows: int
    ingest: IngestReport
    bad_lines: list[tuple[int, str, str]] = field(default_factory=list)


def bars_import_csv(*, instrument: Instrument, timeframe: Timeframe | str, source, name: str) -> CsvImportReport:
    """Import a CSV with columns time,open,high,low,close,volume; good rows are stored, bad rows
    are quarantined and reported by line number. Rerunnable: identical rows change nothing."""
    raw = pd.read_csv(source, dtype=str, keep_default_na=False)
    missing = [c for c in ("time", *PRICE_COLUMNS) if c not in raw.columns]
    if missing:
        raise InvalidInput(f"The CSV lacks the column(s) {', '.join(missing)}.",
                           fields={"file": [f"Columns needed: time, {', '.join(PRICE_COLUMNS)}."]})
    times = pd.to_datetime(raw["time"], utc=True, errors="coerce", format="mixed")
    numbers = {c: pd.to_numeric(raw[c], errors="coerce").to_numpy(dtype=np.float64) for c in PRICE_COLUMNS}
    unparseable = times.isna().to_numpy()
    bad_lines = [(int(i) + 2, "bad_time", f"time {raw['time'].iloc[i]!r} is not a date") for i in
                 np.flatnonzero(unparseable)]
    for i in np.flatnonzero(unparseable):
        QuarantinedBar.objects.create(instrument=instrument, timeframe=Timeframe(timeframe), time=None,
                                      raw=raw.iloc[int(i)].to_dict(), reason="bad_time",
                                      message=bad_lines[len(bad_lines) - 1][2][:300], source=name[:120])
    keep = np.flatnonzero(~unparseable)
    epoch = times[~unparseable].dt.as_unit("s").astype("int64").to_numpy()
    order = np.argsort(epoch, kind="stable")  # a file may list bars in any order; duplicates stay flagged
    rows, epoch = keep[order], epoch[order]
    bars = BarArrays(epoch, *(numbers[c][rows] for c in PRICE_COLUMNS))
    report = bars_ingest(instrument=instrument, timeframe=timeframe, bars=bars, source=name)
    bad_lines += [(int(rows[issue.index]) + 2, issue.reason, issue.message) for issue in report.issues]
    return CsvImportReport(rows=len(raw), ingest=report, bad_lines=sorted(bad_lines))
