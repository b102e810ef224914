"""`make run`'s demo: seed_demo leaves the demo team finished backtests of the shipped confluence strategy
and of an optimised SMA cross on the bundled GOOG bars, each with its page; seeding again adds none."""

import pytest
from django.core.management import call_command

from backtests.models import Backtest, BacktestStatus


@pytest.mark.django_db
def test_seed_demo_leaves_finished_demo_backtests_visible_on_their_pages(client, capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    backtests = list(Backtest.objects.order_by("pk"))
    assert [(b.params["strategy"], b.status) for b in backtests] == [("confluence", BacktestStatus.DONE),
                                                                    ("sma_cross", BacktestStatus.DONE)]
    confluence, sma = backtests
    assert confluence.strategy is not None and confluence.result["signals"] > 0
    assert sma.result["optimisation"]["best"] is not None and sma.result["walk_forward"]["windows"]
    output = capsys.readouterr().out
    assert f"at /app/backtests/{confluence.pk}/" in output
    client.force_login(confluence.created_by)
    page = client.get(f"/app/backtests/{confluence.pk}/").content.decode()
    assert 'id="metrics"' in page and 'id="trades"' in page and "Done" in page
    assert 'id="heatmap"' in client.get(f"/app/backtests/{sma.pk}/").content.decode()
