"""Backtests on the live feed: each of a tenant's runs goes to the tenant's `backtests` stream as it runs.

- `backtest.progress` {backtest_id, percent, stage}: stage is signals (the confluence engine over the
  bars), simulation (the paper broker's fills), optimisation or walk_forward;
- `backtest.done` {backtest_id, status, percent: 100}, `backtest.failed` {backtest_id, status, error},
  `backtest.cancelled` {backtest_id, status}.

The row is the truth (a page renders it, the API reads it); a message that cannot be sent is logged
and the run goes on. The result page follows the stream (static/js/backtest-page.js).
"""

from __future__ import annotations

import logging

from config.channel_sender import group_send_many
from signals.feed_streams import BACKTESTS

logger = logging.getLogger(__name__)
FINISHED_TYPES = {"done": "backtest.done", "failed": "backtest.failed", "cancelled": "backtest.cancelled"}


def backtest_group(tenant_id: int) -> str:
    assert BACKTESTS.group is not None
    return BACKTESTS.group(str(tenant_id))


def backtest_progress_message(*, backtest_id: int, percent: int, stage: str) -> dict:
    return {"type": "backtest.progress", "seq": None,
            "data": {"backtest_id": backtest_id, "percent": percent, "stage": stage}}


def backtest_finished_message(*, backtest_id: int, status: str, error: str = "") -> dict:
    data: dict[str, object] = {"backtest_id": backtest_id, "status": status}
    if status == "done":
        data["percent"] = 100
    if error:
        data["error"] = error
    return {"type": FINISHED_TYPES[status], "seq": None, "data": data}


def backtest_message_send(*, tenant_id: int, message: dict) -> None:
    """Send one message to the tenant's backtests stream; a failure is logged, never raised."""
    try:
        group_send_many([(backtest_group(tenant_id), message)])
    except Exception:  # the feed is a courtesy here: the run and its row must not fail with it
        logger.warning("backtest %s: %s not sent to the feed", message["data"]["backtest_id"], message["type"],
                       exc_info=True)
