"""The demo (issue 16's done-when): `make run` seeds a rule of the demo member that the replay fires in
its first bars, delivered in the app and by email, and shown on the alerts and notifications pages."""

from django.core import mail
from django.core.management import call_command

from accounts.models import User
from alerts.demo_seed import DEMO_RULE_NAME
from alerts.models import AlertEvent, AlertRule, Notification
from market.tasks import replay_tick


def test_the_demo_rule_fires_from_the_replay_and_reaches_the_demo_member(
        db, client, eager_tasks, django_capture_on_commit_callbacks):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: still one demo rule
    demo = User.objects.get(email="demo@beacon.local")
    rule = AlertRule.objects.get(name=DEMO_RULE_NAME)
    assert rule.created_by == demo and rule.is_active

    for _ in range(6):  # half a minute at MARKET_REPLAY_SECONDS_PER_BAR = 5
        with django_capture_on_commit_callbacks(execute=True):
            replay_tick.apply()

    event = AlertEvent.objects.filter(rule=rule).first()
    assert event is not None and event.message.startswith("BTCUSD MN1: close ")
    notification = Notification.objects.get(member=demo, event=event)
    assert any(email.subject == event.message and email.to == [demo.email] for email in mail.outbox)
    client.force_login(demo)
    assert event.message in client.get("/app/alerts/").content.decode()
    assert notification.title in client.get("/alerts/notifications/").content.decode()
