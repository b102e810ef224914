from django.contrib import admin

from backtests.models import Backtest


@admin.register(Backtest)
class BacktestAdmin(admin.ModelAdmin):
    list_display = ("id", "tenant", "instrument", "timeframe", "status", "progress", "created_at")
    list_filter = ("status", "timeframe")
    readonly_fields = ("params", "data_hash", "cache_key", "result", "error")
