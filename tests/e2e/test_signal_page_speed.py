"""The signal page with 500 bars draws its chart in under a second in the browser: from navigation
start to the chart painted (the page's data-drawn-ms, see static/js/charts.js), median of RUNS loads,
printed with the document's own DOMContentLoaded as the baseline of the same loads."""

import os
import statistics

import pytest

from tests.e2e.pages import pro_world, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
RUNS = int(os.environ.get("SIGNAL_PAGE_RUNS", "5"))
BUDGET_MS = 1000


def test_the_signal_page_with_500_bars_draws_its_chart_in_under_a_second(page, asgi_server, tenant_a, alice):
    world = pro_world(tenant_a, alice, bars=520)
    url = asgi_server.url
    sign_in(page, url, alice.email)
    signal_url = f"{url}/app/signals/{world['closed'].pk}/"
    page.goto(signal_url)  # warm: static files cached as a returning member has them
    page.wait_for_selector("#signal-chart[data-drawn-ms]")
    assert page.evaluate("document.getElementById('signal-chart').beaconChart.series.data().length") == 500

    drawn, loaded, served = [], [], []
    for _ in range(RUNS):
        page.goto(signal_url)
        page.wait_for_selector("#signal-chart[data-drawn-ms]")
        drawn.append(int(page.get_attribute("#signal-chart", "data-drawn-ms")))
        timing = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
                                          return [n.domContentLoadedEventEnd, n.responseEnd - n.requestStart]; }""")
        loaded.append(timing[0])
        served.append(timing[1])

    median_drawn, median_loaded = statistics.median(drawn), statistics.median(loaded)
    print(f"\nsignal page, 500 bars, {RUNS} loads (load average {os.getloadavg()[0]:.2f}): "
          f"chart drawn {median_drawn:.0f} ms median (min {min(drawn)}, max {max(drawn)}) from navigation start; "
          f"baseline DOMContentLoaded {median_loaded:.0f} ms (x{median_drawn / median_loaded:.2f}); "
          f"server response {statistics.median(served):.0f} ms")
    assert median_drawn < BUDGET_MS
