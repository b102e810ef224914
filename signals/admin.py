from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join

from signals.engine.regime import REGIMES
from signals.engine.strategy import StrategyConfig, StrategyConfigError
from signals.model_selectors import model_version_why
from signals.models import (
    EngineError,
    EngineRun,
    LedgerEntry,
    ModelVersion,
    ScreenerRow,
    Signal,
    SignalOutcome,
    SignalPublication,
    Strategy,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Published records are never edited or deleted, not even by staff."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class StrategyForm(forms.ModelForm):
    class Meta:
        model = Strategy
        fields = ["name", "version", "config", "is_active"]

    def clean(self):
        cleaned = super().clean()
        config = cleaned.get("config")
        if config is not None:
            try:
                parsed = StrategyConfig.from_dict(config)
            except StrategyConfigError as error:
                messages = [f"{field}: {' '.join(m)}" for field, m in error.fields.items()]
                raise forms.ValidationError({"config": messages}) from None
            if (parsed.name, parsed.version) != (cleaned.get("name"), cleaned.get("version")):
                self.add_error("config", "The config's name and version must match the strategy's.")
        return cleaned


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    form = StrategyForm
    list_display = ["name", "version", "is_active", "created_at"]
    list_filter = ["is_active", "name"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        # A version that produced signals is history; staff add a new version instead.
        return ["name", "version", "config"] if obj is not None and obj.signals.exists() else []


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    """The model report: every version's out-of-sample figures beside the base rate, which is active and why."""

    list_display = ["strategy", "version", "kind", "oos_samples", "base_rate_shown", "brier", "baseline_brier",
                    "skill_score", "log_loss", "baseline_log_loss", "is_active", "why"]
    list_filter = ["is_active", "kind", "strategy"]
    list_select_related = ["strategy"]
    exclude = ["artifact", "group_figures", "calibration_table"]
    readonly_fields = ["why", "groups_table", "calibration_shown"]

    @admin.display(description="out-of-sample Brier", ordering="oos_brier")
    def brier(self, obj) -> str:
        return _decimals(obj.oos_brier, 4)

    @admin.display(description="base rate's Brier")
    def baseline_brier(self, obj) -> str:
        return _decimals((obj.baselines or {}).get("constant_base_rate_brier"), 4)

    @admin.display(description="skill score (95% interval)", ordering="oos_bss")
    def skill_score(self, obj) -> str:
        if obj.oos_bss is None:
            return "-"
        return f"{obj.oos_bss:+.4f} ({obj.oos_bss_low:+.4f} to {obj.oos_bss_high:+.4f})"

    @admin.display(description="out-of-sample log loss", ordering="oos_log_loss")
    def log_loss(self, obj) -> str:
        return _decimals(obj.oos_log_loss, 4)

    @admin.display(description="base rate's log loss")
    def baseline_log_loss(self, obj) -> str:
        return _decimals((obj.baselines or {}).get("constant_base_rate_log_loss"), 4)

    @admin.display(description="base rate", ordering="base_rate")
    def base_rate_shown(self, obj) -> str:
        return _percent(obj.base_rate)

    @admin.display(description="active or not, and why")
    def why(self, obj) -> str:
        chosen = ModelVersion.objects.filter(strategy_id=obj.strategy_id, is_active=True).first()
        return model_version_why(obj, chosen=chosen)

    @admin.display(description="per asset class and timeframe")
    def groups_table(self, obj) -> str:
        rows = [(g["group"], g["count"], _decimals(g["hit_rate"], 4), _decimals(g["brier"], 4),
                 _decimals(g["baseline_brier"], 4), "-" if g["bss"] is None else f"{g['bss']:+.4f}")
                for g in obj.group_figures or []]
        return _table(("group", "N", "hit rate", "Brier", "base rate's Brier", "skill score"), rows)

    @admin.display(description="calibration")
    def calibration_shown(self, obj) -> str:
        rows = [(b["band"], b["count"], _decimals(b["predicted"], 4), _decimals(b["realised"], 4))
                for b in obj.calibration_table or []]
        return _table(("band", "N", "predicted", "realised"), rows)


def _table(header: tuple[str, ...], rows: list[tuple]) -> str:
    """An HTML table (escaped) for a read-only admin field."""
    if not rows:
        return "-"
    head = format_html_join("", "<th>{}</th>", ((h,) for h in header))
    body = format_html_join("", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((c,) for c in row)),)
                                                for row in rows))
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


class OutcomeInline(admin.StackedInline):
    model = SignalOutcome
    can_delete = False
    extra = 0

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class RegimeFilter(admin.SimpleListFilter):
    title = "regime"
    parameter_name = "regime"

    def lookups(self, request, model_admin):
        return [(name, _regime_label(name)) for name in REGIMES]

    def queryset(self, request, queryset):
        return queryset.filter(regime=self.value()) if self.value() else queryset


@admin.register(Signal)
class SignalAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "instrument", "timeframe", "direction", "confidence_shown", "entry", "stop",
                    "target_1", "risk_reward", "regime_shown", "outcome_result"]
    list_filter = ["direction", "timeframe", "asset_class", RegimeFilter, "strategy"]
    search_fields = ["instrument__symbol", "reasoning"]
    date_hierarchy = "created_at"
    list_select_related = ["instrument", "outcome"]
    inlines = [OutcomeInline]

    @admin.display(description="confidence", ordering="confidence")
    def confidence_shown(self, obj) -> str:
        return _percent(obj.confidence)

    @admin.display(description="regime", ordering="regime")
    def regime_shown(self, obj) -> str:
        return _regime_label(obj.regime)

    @admin.display(description="outcome")
    def outcome_result(self, obj) -> str:
        outcome = getattr(obj, "outcome", None)
        return f"{outcome.get_result_display()} ({outcome.r_multiple:+.2f}R)" if outcome else "open"


@admin.register(SignalOutcome)
class SignalOutcomeAdmin(ReadOnlyAdmin):
    list_display = ["signal", "result", "realised", "best", "worst", "bars_held", "recorded_at"]
    list_filter = ["result"]
    list_select_related = ["signal__instrument"]

    @admin.display(description="R multiple", ordering="r_multiple")
    def realised(self, obj) -> str:
        return f"{obj.r_multiple:+.2f}R"

    @admin.display(description="best (MFE)", ordering="mfe_r")
    def best(self, obj) -> str:
        return f"{obj.mfe_r:+.2f}R"

    @admin.display(description="worst (MAE)", ordering="mae_r")
    def worst(self, obj) -> str:
        return f"{obj.mae_r:+.2f}R"


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["seq", "kind", "signal", "hash", "created_at"]
    list_filter = ["kind"]
    search_fields = ["hash", "=seq"]
    list_select_related = ["signal__instrument"]


class EngineErrorInline(admin.TabularInline):
    model = EngineError
    extra = 0
    can_delete = False
    readonly_fields = ["instrument", "timeframe", "error", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("instrument")


@admin.register(EngineRun)
class EngineRunAdmin(ReadOnlyAdmin):
    list_display = ["tier", "trigger", "started_at", "finished_at", "pairs_wanted", "pairs_computed",
                    "signals_created", "error_count"]
    list_filter = ["tier", "trigger"]
    inlines = [EngineErrorInline]


@admin.register(SignalPublication)
class SignalPublicationAdmin(ReadOnlyAdmin):
    list_display = ["id", "signal", "tier", "visible_at", "published_at"]
    list_filter = ["tier"]
    list_select_related = ["signal__instrument"]


@admin.register(ScreenerRow)
class ScreenerRowAdmin(ReadOnlyAdmin):
    """The engine's newest state of each pair, as the runs left it: what the screener shows."""

    list_display = ["instrument", "timeframe", "bar_time", "close", "change_shown", "score", "leaning", "regime_shown",
                    "higher_trend", "rsi", "atr_shown", "last_signal", "computed_at"]
    list_filter = ["timeframe", "leaning", RegimeFilter, "instrument__asset_class", "strategy"]
    search_fields = ["instrument__symbol"]
    list_select_related = ["instrument", "last_signal__instrument"]
    ordering = ["instrument__symbol", "timeframe"]

    @admin.display(description="change", ordering="change_pct")
    def change_shown(self, obj) -> str:
        return "-" if obj.change_pct is None else f"{obj.change_pct:+.2f}%"

    @admin.display(description="ATR %", ordering="atr_pct")
    def atr_shown(self, obj) -> str:
        return "-" if obj.atr_pct is None else f"{obj.atr_pct:.2f}%"

    @admin.display(description="regime", ordering="regime")
    def regime_shown(self, obj) -> str:
        return _regime_label(obj.regime)


def _percent(fraction: float | None) -> str:
    """A probability or rate as a whole percent ("56%"), or a dash when there is none."""
    return "-" if fraction is None else f"{100 * fraction:.0f}%"


def _regime_label(regime: str) -> str:
    return regime.replace("_", " ").capitalize()  # "trending_up" -> "Trending up"


def _decimals(value: float | None, places: int) -> str:
    return "-" if value is None else f"{value:.{places}f}"
