import pytest

from config.outbound import TransportError
from news.models import NewsFeed, NewsItem, NewsMention
from news.scoring import VADER
from news.services import news_feed_poll
from news.tasks import poll_feeds


def _feed(url: str) -> NewsFeed:
    return NewsFeed.objects.create(name=url.rsplit("/", 1)[-1], url=url)


def test_an_rss_feed_is_stored_scored_by_vader_and_linked_to_what_it_names(catalogue, feed_server):
    feed = _feed(f"{feed_server}/rss.xml")

    report = news_feed_poll(feed=feed)

    assert (report.received, report.stored, report.duplicates) == (4, 3, 1)  # the Apple story twice, by content
    bitcoin = NewsItem.objects.get(url__endswith="bitcoin-plunges")
    assert bitcoin.scorer == VADER and bitcoin.sentiment < 0 and bitcoin.source == "Markets Desk"
    assert bitcoin.summary == "The largest cryptocurrency lost a fifth of its value."
    assert [(m.instrument.symbol, m.relevance, m.scorer) for m in bitcoin.mentions.all()] == [("BTCUSD", 1.0, VADER)]
    euro = NewsItem.objects.get(url__endswith="euro-strengthens")
    assert euro.sentiment > 0
    assert NewsMention.objects.get(item=euro, instrument__symbol="EURUSD").sentiment == euro.sentiment
    assert NewsMention.objects.get(item=euro, instrument__symbol="EURJPY").sentiment == euro.sentiment
    assert NewsMention.objects.get(item=euro, instrument__symbol="USDJPY").sentiment == -euro.sentiment
    feed.refresh_from_db()
    assert (feed.last_error, feed.items_stored) == ("", 3) and feed.last_polled_at is not None


def test_an_atom_feed_is_read_with_its_dates(catalogue, feed_server):
    news_feed_poll(feed=_feed(f"{feed_server}/atom.xml"))

    yen = NewsItem.objects.get(url__endswith="yen-slumps")
    assert yen.published_at.isoformat() == "2024-03-13T11:30:00+00:00"
    assert NewsItem.objects.get(url__endswith="microsoft-gains").published_at.isoformat() == "2024-03-13T11:00:00+00:00"
    assert {m.instrument.symbol for m in NewsMention.objects.filter(item__url__endswith="microsoft-gains")} == {"MSFT"}
    assert "USDJPY" in {m.instrument.symbol for m in yen.mentions.all()}


def test_polling_a_feed_again_stores_nothing_twice(catalogue, feed_server):
    feed = _feed(f"{feed_server}/rss.xml")
    news_feed_poll(feed=feed)

    again = news_feed_poll(feed=feed)

    assert (again.stored, again.duplicates) == (0, 4)
    assert NewsItem.objects.count() == 3


def test_a_redirect_is_followed_to_a_public_address(catalogue, feed_server):
    assert news_feed_poll(feed=_feed(f"{feed_server}/moved")).stored == 3


@pytest.mark.parametrize(("path", "says"), [
    ("/malformed.xml", "not well-formed: .*mismatched tag"),
    ("/huge", "over the 2,000,000 bytes allowed"),
    ("/to-private", "Refused http://10.0.0.1/feed.xml: 10.0.0.1 is a private"),
    ("/to-metadata", "Refused http://169.254.169.254/.*private"),
    ("/loop", "More than 3 redirects"),
    ("/missing", "HTTP 404"),
])
def test_a_hostile_feed_fails_alone_with_a_clear_error_and_stores_nothing(catalogue, feed_server, path, says):
    feed = _feed(f"{feed_server}{path}")

    with pytest.raises(TransportError, match=says) as error:
        news_feed_poll(feed=feed)

    assert error.value.permanent
    assert NewsItem.objects.count() == 0
    feed.refresh_from_db()
    assert feed.last_error == error.value.message


def test_a_feed_url_on_a_private_address_is_refused_before_connecting(catalogue, settings):
    settings.ALERTS_OUTBOUND_ALLOW_HTTP = True
    feed = _feed("http://192.168.1.10/rss.xml")

    with pytest.raises(TransportError, match=r"192\.168\.1\.10 is a private"):
        news_feed_poll(feed=feed)


def test_the_beat_task_polls_every_feed_and_a_broken_one_does_not_stop_the_others(catalogue, feed_server):
    broken, good = _feed(f"{feed_server}/malformed.xml"), _feed(f"{feed_server}/atom.xml")
    NewsFeed.objects.create(name="off", url=f"{feed_server}/rss.xml", active=False)

    poll_feeds()

    assert set(NewsItem.objects.values_list("feed__name", flat=True)) == {"atom.xml"}
    broken.refresh_from_db()
    good.refresh_from_db()
    assert "not well-formed" in broken.last_error and good.last_error == "" and good.items_stored == 2
