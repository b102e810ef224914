from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from market.selectors import market_overview


@login_required
def markets(request):
    """The instruments with stored history: newest close, change and a sparkline of recent closes."""
    return render(request, "market/markets.html", {"rows": market_overview()})
