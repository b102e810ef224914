"""The backtest pages: the list, the form (a run started from it, every wrong field named, nothing written
when refused, locked when the plan has no backtests or today's are used), a backtest's page (live
progress while it runs, cancel by its maker, then the engine's metrics, charts, trades, the Monte Carlo
cone, an optimised run's heatmap and walk-forward), the compare view; another tenant gets 404."""

import re

import pytest

from backtests import services
from backtests.models import Backtest, BacktestStatus
from billing.models import Plan
from tests.backtests.test_backtest_services import SMA, goog  # noqa: F401  (the GOOG bars fixture)
from tests.isolation import assert_other_tenant_gets_404

FORM = {**SMA, "cash": "10000", "fast": "10", "slow": "20"}


def start(client, form, callbacks) -> Backtest:
    with callbacks(execute=True):
        response = client.post("/app/backtests/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    backtest = Backtest.objects.get(pk=int(re.search(r"/app/backtests/(\d+)/", response["Location"]).group(1)))
    return backtest


def queued(tenant, user, **changes) -> Backtest:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "_queue", lambda backtest_id: None)
        return services.backtest_create(tenant=tenant, user=user, data={**SMA, **changes})


def test_a_member_starts_a_backtest_from_the_form_and_reads_the_engines_report(
        goog, alice_client, eager_tasks, django_capture_on_commit_callbacks):  # noqa: F811
    backtest = start(alice_client, FORM, django_capture_on_commit_callbacks)
    page = alice_client.get(f"/app/backtests/{backtest.pk}/").content.decode()

    backtest.refresh_from_db()
    assert backtest.status == BacktestStatus.DONE and backtest.created_by.email == "alice@example.com"
    metrics = backtest.result["metrics"]
    assert f'<tr data-metric="sqn"><th>SQN</th><td class="num">{metrics["sqn"]:,.3f}' in page
    assert f'<tr data-metric="trades"><th>Trades</th><td class="num">{metrics["trades"]}' in page
    assert page.count("<tr data-metric=") == len(metrics)  # every figure the engine computed, no other
    assert "onfidence" not in page  # the engine's confidence is withheld
    assert 'aria-label="Equity"' in page and 'aria-label="Drawdown %"' in page
    assert 'aria-label="Equity after each resampled trade"' in page and 'id="monte-carlo"' in page
    assert page.count('<td class="buy">long</td>') + page.count('<td class="sell">short</td>') == 93  # every trade
    first = backtest.result["trades"][0]
    assert f'<td class="num">{first["exit_price"]:,.2f}</td>' in page  # prices at GOOG's 2 decimals
    assert "feed.js" not in page  # a finished backtest follows no stream
    assert "<script>" not in page and " style=" not in page and not re.search(r"\son[a-z]+=", page)


def test_an_optimised_run_shows_its_heatmap_and_walk_forward(goog, alice_client, eager_tasks,  # noqa: F811
                                                            django_capture_on_commit_callbacks):
    backtest = start(alice_client, {**FORM, "optimise": "on"}, django_capture_on_commit_callbacks)
    page = alice_client.get(f"/app/backtests/{backtest.pk}/").content.decode()

    backtest.refresh_from_db()
    grid = backtest.result["optimisation"]
    assert grid["xs"] == [5, 10, 15, 20, 30, 50] and grid["ys"] == [20, 30, 50, 100, 150, 200]
    assert grid["rows"][0][-1] is None and grid["rows"][-1][0] is not None  # fast 50 > slow 20 never ran
    assert 'id="heatmap"' in page and page.count("heat heat-") == 36
    assert len(re.findall(r'heat heat-[0-4]', page)) == sum(v is not None for row in grid["rows"] for v in row)
    walk = backtest.result["walk_forward"]
    assert 'id="walk-forward"' in page and len(walk["windows"]) >= 4
    assert all(w["train_end"] < w["test_start"] for w in walk["windows"])
    assert 'aria-label="Out-of-sample equity"' in page


def test_a_bayesian_search_from_the_form_shows_its_trials_and_the_heatmap_of_the_pairs_it_tried(
        goog, alice_client, eager_tasks, django_capture_on_commit_callbacks):  # noqa: F811
    form = {**FORM, "start": "2010-01-01", "optimise": "on", "method": "bayesian", "budget": "10",
            "objective": "sortino"}
    backtest = start(alice_client, form, django_capture_on_commit_callbacks)
    page = alice_client.get(f"/app/backtests/{backtest.pk}/").content.decode()

    backtest.refresh_from_db()
    search = backtest.result["optimisation"]
    assert (search["method"], search["objective"], search["runs"]) == ("bayesian", "sortino", 10)
    assert "Bayesian search (Optuna&#x27;s TPE): 10 trials of a budget of 10" in page
    trials = re.search(r'<table id="trials">(.*?)</table>', page, re.S).group(1)
    assert trials.count("<tr") == 11 and "<th class=\"num\">Sortino ratio</th>" in trials  # the header and 10
    assert page.count("heat heat-") == len(search["xs"]) * len(search["ys"])
    assert len(re.findall(r'heat heat-[0-4]', page)) == sum(v is not None for row in search["rows"] for v in row)


def test_bad_search_fields_in_the_form_are_named_and_nothing_is_written(goog, alice_client):  # noqa: F811
    response = alice_client.post("/app/backtests/new/", {**FORM, "optimise": "on", "method": "genetic",
                                                         "objective": "luck"})
    assert response.status_code == 400
    assert re.findall(r'id="error-(\w+)"', response.content.decode()) == ["method", "objective"]
    response = alice_client.post("/app/backtests/new/", {**FORM, "optimise": "on", "method": "random",
                                                         "budget": "5000"})
    assert re.findall(r'id="error-(\w+)"', response.content.decode()) == ["budget"]
    Plan.objects.filter(is_default=True).update(optimisation_trials=20)
    response = alice_client.post("/app/backtests/new/", {**FORM, "optimise": "on", "method": "random",
                                                         "budget": "21"})
    assert "Your plan allows up to 20 trials per optimisation." in response.content.decode()
    assert not Backtest.objects.exists()


def test_a_running_backtest_page_follows_the_backtests_stream_and_its_maker_cancels_it(
        goog, alice, alice_client, tenant_a):  # noqa: F811
    backtest = queued(tenant_a, alice)
    page = alice_client.get(f"/app/backtests/{backtest.pk}/").content.decode()

    assert 'data-streams="backtests"' in page and "js/backtest-page.js" in page
    assert '<progress id="backtest-progress" max="100" value="0"' in page
    assert alice_client.get(f"/app/backtests/{backtest.pk}/status/").json() == {
        "id": backtest.pk, "status": "queued", "progress": 0, "finished": False, "error": ""}
    alice_client.post(f"/app/backtests/{backtest.pk}/cancel/")
    backtest.refresh_from_db()
    assert backtest.status == BacktestStatus.CANCELLED


def test_a_member_cannot_cancel_another_members_backtest(goog, alice, bob, client, tenant_a):  # noqa: F811
    backtest = queued(tenant_a, alice)
    client.force_login(bob)

    page = client.get(f"/app/backtests/{backtest.pk}/").content.decode()
    response = client.post(f"/app/backtests/{backtest.pk}/cancel/", follow=True)

    assert "/cancel/" not in page
    assert "Only its maker, an owner or an admin" in response.content.decode()
    backtest.refresh_from_db()
    assert backtest.status == BacktestStatus.QUEUED


def test_bad_form_input_is_refused_field_by_field_and_nothing_is_written(goog, alice_client):  # noqa: F811
    response = alice_client.post("/app/backtests/new/", {**FORM, "timeframe": "D7", "start": "soon",
                                                         "cash": "lots", "fast": "ten", "slow": "5"})
    page = response.content.decode()

    assert response.status_code == 400
    for field in ("timeframe", "start", "cash", "fast"):
        assert f'id="error-{field}"' in page, field
    assert "A whole number of bars" in page and "A date as YYYY-MM-DD" in page
    assert 'value="lots"' in page  # what was typed is kept
    response = alice_client.post("/app/backtests/new/", {**FORM, "fast": "30", "slow": "20"})
    assert re.findall(r'id="error-(\w+)"', response.content.decode()) == ["slow"]
    response = alice_client.post("/app/backtests/new/", {**FORM, "start": "2013-02-20"})
    assert re.findall(r'id="error-(\w+)"', response.content.decode()) == ["start"]
    assert not Backtest.objects.exists()


def test_a_plan_without_backtests_shows_them_locked_and_refuses_one(goog, alice_client):  # noqa: F811
    Plan.objects.filter(is_default=True).update(backtests_per_day=0)

    page = alice_client.get("/app/backtests/new/").content.decode()
    response = alice_client.post("/app/backtests/new/", FORM)

    assert 'class="locked"' in page and "Backtests: in Pro" in page and 'id="backtest-form"' not in page
    assert "allows 0 backtests a day" in response.content.decode()
    assert not Backtest.objects.exists()


def test_todays_backtests_used_up_locks_the_form(goog, alice, alice_client, tenant_a):  # noqa: F811
    Plan.objects.filter(is_default=True).update(backtests_per_day=1)
    queued(tenant_a, alice)

    page = alice_client.get("/app/backtests/new/").content.decode()
    index = alice_client.get("/app/backtests/").content.decode()
    alice_client.post("/app/backtests/new/", {**FORM, "fast": "5"})

    assert "More backtests today: in Pro" in page and 'id="backtest-form"' not in page
    assert "More backtests today" in index and "New backtest</a>" not in index
    assert Backtest.objects.count() == 1


def test_the_compare_view_puts_two_backtests_side_by_side(goog, alice_client, eager_tasks,  # noqa: F811
                                                         django_capture_on_commit_callbacks):
    first = start(alice_client, FORM, django_capture_on_commit_callbacks)
    second = start(alice_client, {**FORM, "fast": "5"}, django_capture_on_commit_callbacks)

    index = alice_client.get("/app/backtests/").content.decode()
    page = alice_client.get(f"/app/backtests/compare/?ids={first.pk}&ids={second.pk}").content.decode()

    assert f'name="ids" value="{first.pk}"' in index and f'name="ids" value="{second.pk}"' in index
    assert 'id="compare"' in page and page.count('class="line line-') == 2
    first.refresh_from_db()
    second.refresh_from_db()
    row = re.search(r"<th>SQN</th>(.*?)</tr>", page).group(1)
    assert f"{first.result['metrics']['sqn']:,.3f}" in row and f"{second.result['metrics']['sqn']:,.3f}" in row


def test_another_tenant_gets_404_on_every_backtest_route_and_sees_none(goog, alice, tenant_a, client,  # noqa: F811
                                                                        charlie):
    backtest = queued(tenant_a, alice)
    base = f"/app/backtests/{backtest.pk}/"
    for url in (base, f"{base}status/"):
        assert_other_tenant_gets_404(client, outsider=charlie, url=url, methods=("get", "post"))
    assert_other_tenant_gets_404(client, outsider=charlie, url=f"{base}cancel/", methods=("post",))

    index = client.get("/app/backtests/").content.decode()
    compare = client.get(f"/app/backtests/compare/?ids={backtest.pk}&ids={backtest.pk}").content.decode()
    assert f"/app/backtests/{backtest.pk}/" not in index + compare and "No backtest yet" in index
    backtest.refresh_from_db()
    assert backtest.status == BacktestStatus.QUEUED


def test_metrics_are_shown_in_the_documented_order_whatever_order_they_were_stored_in():
    from backtests.presentation import METRIC_LABELS, metric_rows

    stored = {"sqn": 1.5, "start": "2004-08-19T00:00:00+00:00", "kelly": None, "trades": 93}
    rows = metric_rows(stored, {"kelly": "No losing trade."})
    assert [r.key for r in rows] == [k for k in METRIC_LABELS if k in stored]
    assert [(r.text, r.reason) for r in rows] == [("2004-08-19", ""), ("93", ""), ("1.500", ""),
                                                  ("—", "No losing trade.")]
