"""The demo's backtests: the demo member's team gets the shipped confluence strategy (the live engine)
backtested on the bundled GOOG daily bars stored before the replay, and a SMA cross of the same bars
optimised over its grid and walked forward, so `make run` shows finished reports (charts, metrics, trades,
Monte Carlo, heatmap, walk-forward) at /app/backtests/.

Run here, in the seeding process, so they are done before the server starts (a few seconds, once): a backtest
already there with the same parameters is kept. The task the service also queues finds them claimed and
does nothing.
"""

from __future__ import annotations

import logging

from accounts.models import Membership, User
from backtests.models import Backtest, BacktestStatus
from backtests.parameters import params_parse
from backtests.services import backtest_create, backtest_execute
from config.errors import DomainError
from signals.services import strategy_default_ensure

logger = logging.getLogger(__name__)
GOOG_BEFORE_REPLAY = {"symbol": "GOOG", "timeframe": "D1", "end": "2008-02-25", "cash": 100_000.0,
                      "costs": "default"}
DEMO_RUNS: list[dict[str, object]] = [  # the confluence replay costs ~12 ms a bar: 9 months of it
    {"strategy": "confluence", **GOOG_BEFORE_REPLAY, "start": "2007-06-01"},
    {"strategy": "sma_cross", **GOOG_BEFORE_REPLAY, "start": "2004-08-19", "fast": 10, "slow": 20, "optimise": True},
]


def backtest_demo_seed(*, member: User) -> list[Backtest]:
    """The demo backtests of `member`'s first team, run to the end once; [] if the member has no team."""
    membership = Membership.objects.filter(user=member).select_related("tenant").order_by("pk").first()
    if membership is None:
        return []
    strategy_default_ensure()
    made = []
    for data in DEMO_RUNS:
        params = params_parse(data).as_dict()
        backtest = Backtest.objects.for_tenant(membership.tenant).filter(params=params).order_by("pk").first()
        if backtest is None:
            try:
                backtest = backtest_create(tenant=membership.tenant, user=member, data=data)
            except DomainError as refused:  # no bars (the market seed failed) or no plan left: say so, go on
                logger.warning("demo backtest %s not made: %s %s", data["strategy"], refused.message, refused.fields)
                continue
        if backtest.status == BacktestStatus.QUEUED:
            backtest_execute(backtest_id=backtest.pk)
            backtest.refresh_from_db()
        made.append(backtest)
    return made
