"""News is polled on Beat, and an operator adds feeds in the admin, polls them and sees why one failed."""

from django_celery_beat.models import PeriodicTask
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from config.beat_schedules import beat_schedules_sync
from news.models import NewsFeed, NewsItem
from tests.accounts.conftest import totp_code


def test_the_platform_sync_schedules_the_feeds_and_alpha_vantage_and_pauses_them_at_zero(db, settings):
    settings.NEWS_POLL_SECONDS = 600
    beat_schedules_sync()
    beat_schedules_sync()

    feeds, alphavantage = PeriodicTask.objects.get(name="news-poll-feeds"), PeriodicTask.objects.get(
        name="news-poll-alphavantage")
    assert (feeds.task, feeds.queue, feeds.interval.every, feeds.enabled) == ("news.tasks.poll_feeds", "ingest", 600,
                                                                             True)
    assert (alphavantage.task, alphavantage.enabled) == ("news.tasks.poll_alphavantage", True)
    settings.NEWS_POLL_SECONDS = 0
    beat_schedules_sync()
    assert not PeriodicTask.objects.filter(name__startswith="news-poll-", enabled=True).exists()


def _operator(client):
    staff = User.objects.create_superuser(email="ops@example.com", password="pw-ops-123456")
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client.post("/accounts/login/", {"email": "ops@example.com", "password": "pw-ops-123456"})
    client.post("/accounts/login/verify/", {"code": totp_code(device)})


def test_an_operator_adds_a_feed_polls_it_and_sees_the_error_of_a_broken_one(client, catalogue, feed_server):
    _operator(client)

    added = client.post("/admin/news/newsfeed/add/", {"name": "Desk", "url": f"{feed_server}/rss.xml",
                                                      "active": "on", "created_at_0": "2024-03-13",
                                                      "created_at_1": "12:00:00"})
    broken = NewsFeed.objects.create(name="Broken", url=f"{feed_server}/malformed.xml")
    desk = NewsFeed.objects.get(name="Desk")
    polled = client.post("/admin/news/newsfeed/", {"action": "poll_now", "_selected_action": [desk.pk, broken.pk]},
                         follow=True)

    assert added.status_code == 302
    page = polled.content.decode()
    assert "Desk: 3 new, 1 already stored." in page and "Broken: The feed is not well-formed" in page
    assert NewsItem.objects.count() == 3
    listing = client.get("/admin/news/newsfeed/").content.decode()
    assert "mismatched tag" in listing
