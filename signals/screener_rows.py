"""The screener's rows: the engine's newest state of each pair, stored by the runs that compute it.

A chunk of pairs stores all its states in one INSERT ... ON CONFLICT DO UPDATE, written as SQL
because its update needs two expressions bulk_create(update_conflicts=True) cannot take: a pair
without a new signal keeps its last one, and a state older than the stored one (from a worker that
finished after another computed a newer bar) changes nothing.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from config.epoch import utc_from_epoch
from signals.engine.analysis import PairState
from signals.models import ScreenerRow

COLUMNS = ("strategy_id", "instrument_id", "timeframe", "bar_time", "close", "change_pct", "score", "leaning",
           "regime", "higher_trend", "rsi", "atr_pct", "contributions", "news_vote", "news_items", "last_signal_id",
           "computed_at")
PAIR = COLUMNS[:3]
UPDATES = {"last_signal_id": 'COALESCE(EXCLUDED."last_signal_id", "signals_screenerrow"."last_signal_id")'}
UPSERT_SQL_HEAD = "".join(['INSERT INTO "signals_screenerrow" (', ", ".join(f'"{c}"' for c in COLUMNS), ") VALUES "])
UPSERT_SQL_TAIL = "".join([
    " ON CONFLICT (", ", ".join(f'"{c}"' for c in PAIR), ") DO UPDATE SET ",
    ", ".join(f'"{c}" = ' + UPDATES.get(c, f'EXCLUDED."{c}"') for c in COLUMNS if c not in PAIR),
    ' WHERE "signals_screenerrow"."bar_time" <= EXCLUDED."bar_time"',
])


def screener_rows_upsert(*, strategy_id: int, states: list[tuple[int, str, PairState, int | None]]) -> None:
    """Store each (instrument id, timeframe, state, id of the signal it gave or None) as its pair's
    ScreenerRow, in one statement."""
    if not states:
        return
    now = timezone.now()
    rows = [(strategy_id, instrument_id, timeframe, utc_from_epoch(state.bar_time), state.close, state.change_pct,
             state.score, state.leaning, state.regime, state.higher_trend, state.rsi, state.atr_pct,
             state.contributions, state.news_vote, state.news_items, signal_id, now)
            for instrument_id, timeframe, state, signal_id in states]
    by_column = {field.column: field for field in ScreenerRow._meta.concrete_fields}
    fields = [by_column[column] for column in COLUMNS]
    values = ", ".join(["(" + ", ".join(["%s"] * len(COLUMNS)) + ")"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute("".join([UPSERT_SQL_HEAD, values, UPSERT_SQL_TAIL]),
                       [field.get_db_prep_save(value, connection) for row in rows
                        for field, value in zip(fields, row, strict=True)])
