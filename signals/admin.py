from django import forms
from django.contrib import admin

from signals.engine.strategy import StrategyConfig, StrategyConfigError
from signals.models import (
    EngineError,
    EngineRun,
    LedgerEntry,
    ModelVersion,
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
                raise forms.ValidationError({"config": [f"{field}: {' '.join(m)}" for field, m in error.fields.items()]}) \
                    from None
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
    list_display = ["strategy", "version", "algorithm", "oos_samples", "oos_brier", "oos_log_loss", "base_rate",
                    "is_active", "created_at"]
    list_filter = ["is_active", "strategy"]
    exclude = ["artifact"]


class OutcomeInline(admin.StackedInline):
    model = SignalOutcome
    can_delete = False
    extra = 0

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Signal)
class SignalAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "instrument", "timeframe", "direction", "confidence", "entry", "stop",
                    "target_1", "risk_reward", "regime", "outcome_result"]
    list_filter = ["direction", "timeframe", "asset_class", "regime", "strategy"]
    search_fields = ["instrument__symbol", "reasoning"]
    date_hierarchy = "created_at"
    list_select_related = ["instrument", "outcome"]
    inlines = [OutcomeInline]

    @admin.display(description="outcome")
    def outcome_result(self, obj) -> str:
        outcome = getattr(obj, "outcome", None)
        return f"{outcome.result} ({outcome.r_multiple:+.2f}R)" if outcome else "open"


@admin.register(SignalOutcome)
class SignalOutcomeAdmin(ReadOnlyAdmin):
    list_display = ["signal", "result", "r_multiple", "mfe_r", "mae_r", "bars_held", "recorded_at"]
    list_filter = ["result"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["seq", "kind", "signal", "hash", "created_at"]
    list_filter = ["kind"]
    search_fields = ["hash", "=seq"]


class EngineErrorInline(admin.TabularInline):
    model = EngineError
    extra = 0
    can_delete = False
    readonly_fields = ["instrument", "timeframe", "error", "created_at"]


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
