from django.contrib import admin

from portfolios.models import (
    CashEntry,
    EquityPoint,
    FollowDecision,
    FollowRule,
    PaperFill,
    PaperOrder,
    PaperPosition,
    Portfolio,
    Trade,
)


class FollowRuleInline(admin.TabularInline):
    model = FollowRule
    extra = 0
    raw_id_fields = ["strategy"]


class PositionInline(admin.TabularInline):
    model = PaperPosition
    extra = 0
    raw_id_fields = ["instrument", "signal"]


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "currency", "starting_balance", "equity", "cash", "marked_at"]
    search_fields = ["name", "tenant__name"]
    raw_id_fields = ["tenant", "created_by"]
    inlines = [FollowRuleInline, PositionInline]


@admin.register(PaperOrder)
class PaperOrderAdmin(admin.ModelAdmin):
    list_display = ["ref", "portfolio", "instrument", "side", "quantity", "type", "role", "status", "placed_at"]
    list_filter = ["status", "type"]
    raw_id_fields = ["portfolio", "instrument", "signal"]


@admin.register(PaperFill)
class PaperFillAdmin(admin.ModelAdmin):
    list_display = ["portfolio", "instrument", "side", "quantity", "price", "commission", "time"]
    raw_id_fields = ["portfolio", "order", "instrument"]


@admin.register(Trade)
class TradeAdmin(admin.ModelAdmin):
    list_display = ["portfolio", "instrument", "side", "quantity", "entry_price", "exit_price", "pnl", "r_multiple",
                    "closed_at"]
    raw_id_fields = ["portfolio", "instrument", "signal"]


@admin.register(CashEntry)
class CashEntryAdmin(admin.ModelAdmin):
    list_display = ["portfolio", "kind", "amount", "symbol", "time"]
    list_filter = ["kind"]
    raw_id_fields = ["portfolio"]


@admin.register(EquityPoint)
class EquityPointAdmin(admin.ModelAdmin):
    list_display = ["portfolio", "time", "equity", "cash", "unrealized_pnl"]
    raw_id_fields = ["portfolio"]


@admin.register(FollowDecision)
class FollowDecisionAdmin(admin.ModelAdmin):
    list_display = ["portfolio", "signal", "placed", "quantity", "reason", "created_at"]
    raw_id_fields = ["portfolio", "signal", "rule"]
