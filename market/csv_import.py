"""Import bars from a CSV file with the columns time, open, high, low, close, volume (in any order;
other columns are ignored).

Good rows are stored; rerunning the same file changes nothing. Every bad row is quarantined and
reported with its own line number (the header is line 1) and its own reason: a row whose fields do
not match the header, a time that is not a date, a price or volume that is missing or not a number,
or a bar that fails validation (market.validation). A file without the needed columns is refused and
nothing is stored.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import NamedTuple, TextIO

import numpy as np
import pandas as pd
from django.db import transaction
from django.template.defaultfilters import pluralize

from config.epoch import utc_from_epoch
from config.errors import InvalidInput
from market.arrays import PRICE_COLUMNS, BarArrays
from market.models import Instrument, QuarantinedBar
from market.services import IngestReport, bars_ingest
from market.timeframes import Timeframe

COLUMNS = ("time", *PRICE_COLUMNS)


class BadLine(NamedTuple):
    """A row the import did not store: its line in the file, its reason code and what is wrong with it."""

    line: int
    reason: str
    message: str


@dataclass
class CsvImportReport:
    """What an import did: data rows read, the ingest of the good ones, and each bad row by line."""

    rows: int
    ingest: IngestReport
    bad_lines: list[BadLine] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    line: int  # where the row starts in the file
    fields: list[str]


@transaction.atomic
def bars_import_csv(*, instrument: Instrument, timeframe: Timeframe | str, source: TextIO,
                    name: str) -> CsvImportReport:
    """Import the CSV text `source` (`name` says where it came from); InvalidInput, with nothing
    stored, when the header lacks a needed column."""
    timeframe = Timeframe(timeframe)
    reader = csv.reader(source)
    header = [column.strip() for column in next(reader, [])]
    if header:
        header[0] = header[0].removeprefix("\ufeff")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidInput(f"The CSV lacks the column{pluralize(len(missing))} {', '.join(missing)}.",
                           fields={"file": [f"Columns needed: time, {', '.join(PRICE_COLUMNS)}."]})
    rows = _rows(reader)
    shaped = [row for row in rows if len(row.fields) == len(header)]
    refused: list[tuple[_Row, int | None, BadLine]] = [  # each bad row, its time if readable, and why
        (row, None, BadLine(row.line, "wrong_field_count",
                            f"has {len(row.fields)} field{pluralize(len(row.fields))} where the header has "
                            f"{len(header)} ({', '.join(header)})"))
        for row in rows if len(row.fields) != len(header)]

    position = {c: header.index(c) for c in COLUMNS}
    text = {c: pd.Series([row.fields[position[c]] for row in shaped], dtype=str) for c in COLUMNS}
    times = pd.to_datetime(text["time"], utc=True, errors="coerce", format="mixed")
    numbers = {c: pd.to_numeric(text[c], errors="coerce").to_numpy(dtype=np.float64) for c in PRICE_COLUMNS}
    dated = ~times.isna().to_numpy()
    epoch = np.zeros(len(shaped), dtype=np.int64)
    epoch[dated] = times[dated].dt.as_unit("s").astype("int64").to_numpy()
    readable = dated & ~np.any([np.isnan(numbers[c]) for c in PRICE_COLUMNS], axis=0)
    refused += [(shaped[i], int(epoch[i]) if dated[i] else None,
                 BadLine(shaped[i].line, *_unreadable(shaped[i], position, dated=bool(dated[i]))))
                for i in np.flatnonzero(~readable)]
    QuarantinedBar.objects.bulk_create([
        QuarantinedBar(instrument=instrument, timeframe=timeframe, raw=_as_written(row, header),
                       time=utc_from_epoch(time) if time is not None else None,
                       reason=bad.reason, message=bad.message[:300], source=name[:120])
        for row, time, bad in refused])

    keep = np.flatnonzero(readable)
    order = keep[np.argsort(epoch[keep], kind="stable")]  # a file may list bars in any order; duplicates stay flagged
    bars = BarArrays(epoch[order], *(numbers[c][order] for c in PRICE_COLUMNS))
    report = bars_ingest(instrument=instrument, timeframe=timeframe, bars=bars, source=name)
    bad_lines = [bad for _, _, bad in refused]
    bad_lines += [BadLine(shaped[order[issue.index]].line, issue.reason, issue.message) for issue in report.issues]
    return CsvImportReport(rows=len(rows), ingest=report, bad_lines=sorted(bad_lines))


def _rows(reader) -> list[_Row]:
    """The data rows, each with the line it starts on; blank lines are skipped."""
    rows = []
    ended = reader.line_num  # the line the previous record ended on
    for fields in reader:
        line, ended = ended + 1, reader.line_num
        if fields:
            rows.append(_Row(line, fields))
    return rows


def _unreadable(row: _Row, position: dict[str, int], *, dated: bool) -> tuple[str, str]:
    """(reason, message) of a row whose time is not a date or whose values are missing or not numbers."""
    if not dated:
        return "bad_time", f"time {row.fields[position['time']]!r} is not a date"
    problems = []
    for column in PRICE_COLUMNS:
        written = row.fields[position[column]]
        if not written.strip():
            problems.append(f"{column} is missing")
        elif np.isnan(pd.to_numeric(written, errors="coerce")):
            problems.append(f"{column} {written!r} is not a number")
    return "non_finite", "; ".join(problems)


def _as_written(row: _Row, header: list[str]) -> dict:
    """The row's values by column, or its fields as a list when they do not match the header."""
    if len(row.fields) == len(header):
        return dict(zip(header, row.fields, strict=True))
    return {"fields": row.fields}
