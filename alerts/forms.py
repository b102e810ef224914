"""The form of the alerts page: a rule's fields, typed; alerts.services checks what they mean."""

from __future__ import annotations

from django import forms

from alerts.models import AlertKind, AlertOp, Channel, Repeat, SignalDirection
from market.models import TIMEFRAME_CHOICES, AssetClass

SERIES_HELP = "close, rsi(14), ema(20), macd(12,26,9), change(5), volume_ratio(20), volume_z(20)…"


class AlertRuleForm(forms.Form):
    name = forms.CharField(max_length=80)
    kind = forms.ChoiceField(choices=AlertKind.choices)
    instrument = forms.CharField(max_length=24, required=False, help_text="A symbol, e.g. GOOG; or choose a watchlist.")
    watchlist = forms.TypedChoiceField(coerce=int, empty_value=None, required=False,
                                       help_text="Every instrument of the list, as it changes.")
    timeframe = forms.ChoiceField(choices=[("", "—"), *TIMEFRAME_CHOICES], required=False)
    left = forms.CharField(max_length=40, required=False, label="Watch", help_text=SERIES_HELP)
    op = forms.ChoiceField(choices=[("", "—"), *AlertOp.choices], required=False, label="Condition")
    right = forms.CharField(max_length=40, required=False, label="Compared with",
                            help_text="Another series (indicator alerts), e.g. ema(50) or bollinger(20,2).")
    value = forms.FloatField(required=False, help_text="Or a value: a price, a level, a percent.")
    direction = forms.ChoiceField(choices=SignalDirection.choices, required=False, label="Signal direction")
    min_confidence = forms.FloatField(required=False, min_value=0, max_value=1, label="Minimum confidence (0 to 1)")
    asset_class = forms.ChoiceField(choices=[("", "Any"), *AssetClass.choices], required=False)
    channels = forms.MultipleChoiceField(choices=Channel.choices, widget=forms.CheckboxSelectMultiple,
                                         initial=[Channel.IN_APP])
    cooldown_seconds = forms.IntegerField(min_value=0, initial=0, label="Cooldown (seconds)")
    expires_at = forms.DateTimeField(required=False, label="Expires (UTC, YYYY-MM-DD HH:MM)")
    repeat = forms.ChoiceField(choices=Repeat.choices, initial=Repeat.EVERY_TIME)

    def __init__(self, *args, watchlists=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["watchlist"].choices = [("", "—"), *((w.pk, w.name) for w in watchlists)]
