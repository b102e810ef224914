"""The demo's alert: a rule of the demo member that the replay fires within its first minute, so that
`make run` shows an alert delivered in the app (the notifications page) and by email (the console).

BTCUSD's monthly close crosses its EMA(10) on the 5th replayed bar (about 25 s in, at one bar per
MARKET_REPLAY_SECONDS_PER_BAR), then about once in six bars (market.demo_seed says what is replayed).
"""

from __future__ import annotations

from accounts.models import Membership, User
from alerts.models import AlertRule, Channel
from alerts.services import alert_rule_create
from market.models import Instrument
from watchlists.actors import Actor

DEMO_RULE_NAME = "BTCUSD crosses its EMA(10)"


def alert_rules_demo_seed(*, member: User) -> AlertRule | None:
    """The demo rule of `member` in their first tenant, made once (through the service, so within the plan);
    None if the member has no tenant or BTCUSD is not in the catalogue."""
    membership = Membership.objects.filter(user=member).select_related("tenant").order_by("pk").first()
    btcusd = Instrument.objects.filter(symbol="BTCUSD").first()
    if membership is None or btcusd is None:
        return None
    existing = AlertRule.objects.for_tenant(membership.tenant).filter(name=DEMO_RULE_NAME).first()
    if existing is not None:
        return existing
    actor = Actor.member(tenant=membership.tenant, user=member, manages=membership.can_manage)
    return alert_rule_create(actor=actor, name=DEMO_RULE_NAME, kind="indicator", instrument=btcusd, timeframe="MN1",
                             left="close", op="crosses", right="ema(10)", channels=[Channel.IN_APP, Channel.EMAIL])
