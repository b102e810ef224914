from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path

from market.models import Bar, BarClose, Instrument, QuarantinedBar
from market.selectors import data_quality_report


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["symbol", "display_name", "asset_class", "venue", "tick_size", "pip_size", "calendar", "active",
                    "is_synthetic"]
    list_filter = ["asset_class", "venue", "calendar", "active", "is_synthetic"]
    search_fields = ["symbol", "display_name"]

    def get_urls(self):
        return [path("<int:pk>/data-quality/", self.admin_site.admin_view(self.data_quality_view),
                     name="market_instrument_data_quality"), *super().get_urls()]

    def data_quality_view(self, request, pk: int):
        instrument = Instrument.objects.get(pk=pk)
        context = {**self.admin_site.each_context(request), "instrument": instrument,
                   "reports": data_quality_report(instrument=instrument), "title": f"Data quality: {instrument}"}
        return TemplateResponse(request, "admin/market/data_quality.html", context)


@admin.register(Bar)
class BarAdmin(admin.ModelAdmin):
    list_display = ["instrument", "timeframe", "time", "open", "high", "low", "close", "volume"]
    list_filter = ["timeframe", "instrument__asset_class"]
    search_fields = ["instrument__symbol"]
    date_hierarchy = "time"
    raw_id_fields = ["instrument"]
    show_full_result_count = False


@admin.register(QuarantinedBar)
class QuarantinedBarAdmin(admin.ModelAdmin):
    list_display = ["instrument", "timeframe", "time", "reason", "message", "source", "created_at"]
    list_filter = ["reason", "timeframe", "source"]
    search_fields = ["instrument__symbol", "source"]


@admin.register(BarClose)
class BarCloseAdmin(admin.ModelAdmin):
    list_display = ["instrument", "timeframe", "time", "emitted_at"]
    list_filter = ["timeframe"]
    search_fields = ["instrument__symbol"]
