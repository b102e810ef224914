"""/api/v1/backtests/: run, poll, report, trades, cancel; bad parameters named per field; tenants apart."""

import pytest

from backtests.models import Backtest, BacktestStatus
from tests.backtests.test_backtest_services import SMA, goog  # noqa: F401  (the GOOG bars fixture)

URL = "/api/v1/backtests/"


@pytest.fixture
def alice_actor(alice):
    return alice


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_a_member_runs_a_backtest_and_reads_its_report_and_trades(goog, alice_api, eager_tasks,  # noqa: F811
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = post(alice_api, URL, SMA)

    assert made.status_code == 201, made.content
    report = alice_api.get(f"{URL}{made.json()['id']}/").json()
    assert report["status"] == "done" and report["progress"] == 100
    assert report["metrics"]["trades"] == 93 and report["equity"][0] == [report["equity"][0][0], 10000.0]
    trades = alice_api.get(f"{URL}{made.json()['id']}/trades/").json()
    assert trades["count"] == 93 and trades["results"][0]["entry_price"] == 169.02
    assert [b["id"] for b in alice_api.get(URL).json()["results"]] == [made.json()["id"]]


def test_bad_parameters_get_a_reason_per_field_and_write_nothing(goog, alice_api):  # noqa: F811
    response = post(alice_api, URL, {**SMA, "timeframe": "D7", "start": "soon", "cash": "lots"})

    assert response.status_code == 400
    assert {"timeframe", "start", "cash"} <= set(response.json()["error"]["fields"])
    response = post(alice_api, URL, {**SMA, "fast": 30, "slow": 20})
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["slow"]
    assert not Backtest.objects.exists()


def test_a_random_search_over_the_api_reports_its_trials_and_a_bad_search_field_is_named(
        goog, alice_api, eager_tasks, django_capture_on_commit_callbacks):  # noqa: F811
    body = {**SMA, "start": "2010-01-01", "optimise": True, "method": "random", "budget": 6, "objective": "calmar"}
    with django_capture_on_commit_callbacks(execute=True):
        made = post(alice_api, URL, body)

    assert made.status_code == 201, made.content
    search = alice_api.get(f"{URL}{made.json()['id']}/").json()["optimisation"]
    assert (search["method"], search["budget"], search["objective"], len(search["trials"])) == ("random", 6, "calmar",
                                                                                                  6)
    for change, field in (({"method": "genetic"}, "method"), ({"budget": 0}, "budget"),
                          ({"objective": "luck"}, "objective")):
        refused = post(alice_api, URL, {**body, **change})
        assert refused.status_code == 400 and list(refused.json()["error"]["fields"]) == [field], change
    assert Backtest.objects.count() == 1


def test_another_tenant_gets_404_and_changes_nothing(goog, alice_api, client, charlie, monkeypatch):  # noqa: F811
    monkeypatch.setattr("backtests.services._queue", lambda backtest_id: None)
    made = post(alice_api, URL, SMA).json()
    client.force_login(charlie)

    for url in (f"{URL}{made['id']}/", f"{URL}{made['id']}/trades/"):
        assert client.get(url).status_code == 404
    assert post(client, f"{URL}{made['id']}/cancel/", {}).status_code == 404
    assert client.get(URL).json()["results"] == []
    assert Backtest.objects.get(pk=made["id"]).status == BacktestStatus.QUEUED


def test_its_maker_cancels_a_queued_backtest_and_bob_may_not(goog, alice_api, client, bob, monkeypatch):  # noqa: F811
    monkeypatch.setattr("backtests.services._queue", lambda backtest_id: None)
    made = post(alice_api, URL, SMA).json()
    client.force_login(bob)

    assert post(client, f"{URL}{made['id']}/cancel/", {}).status_code == 403
    assert Backtest.objects.get(pk=made["id"]).status == BacktestStatus.QUEUED
    client.force_login(Backtest.objects.get(pk=made["id"]).created_by)
    cancelled = post(client, f"{URL}{made['id']}/cancel/", {})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
