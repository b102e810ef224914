from datetime import UTC, datetime

from django_celery_beat.models import PeriodicTask

from market.demo_seed import market_demo_seed
from market.models import Bar, BarClose, Instrument
from market.periodic_tasks import periodic_tasks_sync
from market.tasks import poll_live, replay_tick


def test_the_markets_page_shows_the_five_real_histories(alice_client, catalogue):
    market_demo_seed(hold_back=10)

    page = alice_client.get("/app/markets/").content.decode()

    for symbol in ("GOOG", "EURUSD", "BTCUSD", "SPX", "IXIC"):
        assert f"<strong>{symbol}</strong>" in page
    assert "2138" in page  # GOOG daily bars stored
    assert "5021" in page  # SPX and IXIC daily bars stored
    assert "SYNTHETIC" not in page


def test_the_replay_tick_adds_one_closed_bar_per_demo_instrument(catalogue, django_capture_on_commit_callbacks):
    market_demo_seed(hold_back=10)
    before = Bar.objects.count()

    replay_tick.apply()

    assert Bar.objects.count() == before + 5  # GOOG, EURUSD, BTCUSD, SPX, IXIC
    assert BarClose.objects.count() == 5


def test_polling_without_a_configured_provider_logs_and_carries_on(catalogue, caplog):
    Instrument.objects.exclude(symbol__in=["GOOG", "BTCUSD"]).update(active=False)
    Instrument.objects.filter(symbol="BTCUSD").update(active=False)

    poll_live.apply(kwargs={"timeframe": "D1"})

    assert "poll GOOG D1 failed (permanent)" in caplog.text


def test_schedules_follow_the_settings(db, settings):
    settings.MARKET_DEMO_REPLAY = True
    settings.MARKET_LIVE_POLLING = {"H1": 300}
    periodic_tasks_sync()

    assert PeriodicTask.objects.get(name="market-poll-H1").interval.every == 300
    assert PeriodicTask.objects.get(name="market-demo-replay").enabled

    settings.MARKET_DEMO_REPLAY = False
    periodic_tasks_sync()
    assert not PeriodicTask.objects.get(name="market-demo-replay").enabled


def test_the_admin_data_quality_page_lists_gaps_and_quarantine(client, db, catalogue):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from tests.accounts.conftest import totp_code

    staff = User.objects.create_superuser(email="ops@example.com", password="pw-ops-123456")
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client.post("/accounts/login/", {"email": "ops@example.com", "password": "pw-ops-123456"})
    client.post("/accounts/login/verify/", {"code": totp_code(device)})
    goog = Instrument.objects.get(symbol="GOOG")
    for day in (2, 4):  # 2013-01-03 is missing
        Bar.objects.create(instrument=goog, timeframe="D1", time=datetime(2013, 1, day, tzinfo=UTC), open=1, high=1,
                           low=1, close=1, volume=1)

    page = client.get(f"/admin/market/instrument/{goog.pk}/data-quality/").content.decode()

    assert "1 bar missing" in page
    assert "between 2013-01-02 00:00 and 2013-01-04 00:00 UTC" in page  # dates, not epoch seconds
