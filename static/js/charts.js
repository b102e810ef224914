/* Beacon's charts, over TradingView's lightweight-charts (static/vendor/lightweight-charts, which
 * defines window.LightweightCharts; load it first).
 *
 *   BeaconCharts.candles(element, {bars, precision, tick, timeZone})  -> {chart, series}
 *   BeaconCharts.levels(series, {entry, stop, targets})                 entry, stop, TP1-TP3 as price lines
 *   BeaconCharts.markers(series, [{time, position, shape, text, kind}]) signal and outcome markers
 *   BeaconCharts.overlay(chart, {name, points, colour})                 a line (EMA, Bollinger, VWAP)
 *   BeaconCharts.focus(chart, from, to)                                 bars from..to (positions) in view
 *   BeaconCharts.drawn(element)                                         resolves once the chart is painted
 *
 * bars are [time (epoch seconds, UTC), open, high, low, close], oldest first; overlay points are
 * [time, value] with null where the indicator is undefined. Times are shown in `timeZone` (the
 * member's). Colours come from the page's CSS variables and follow the theme toggle.
 * Once painted, the element gets data-drawn-ms: milliseconds from navigation start to the paint
 * (what the performance test and bench read), and a "beacon:chart-drawn" performance mark.
 */
(function () {
  "use strict";
  var LWC = window.LightweightCharts;

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function palette() {
    return { bg: cssVar("--raised"), fg: cssVar("--fg"), muted: cssVar("--muted"), line: cssVar("--line"),
             accent: cssVar("--accent"), buy: cssVar("--buy"), sell: cssVar("--sell") };
  }

  function themeOptions() {
    var c = palette();
    return {
      layout: { background: { type: "solid", color: c.bg }, textColor: c.fg, attributionLogo: true },
      grid: { vertLines: { color: c.line }, horzLines: { color: c.line } },
      rightPriceScale: { borderColor: c.line },
      timeScale: { borderColor: c.line },
    };
  }

  function formatters(timeZone) {
    var zone = timeZone || "UTC";
    function fmt(options) {
      try { return new Intl.DateTimeFormat(undefined, Object.assign({ timeZone: zone }, options)); }
      catch (e) { return new Intl.DateTimeFormat(undefined, Object.assign({ timeZone: "UTC" }, options)); }
    }
    var full = fmt({ year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
    var ticks = [fmt({ year: "numeric" }), fmt({ month: "short" }), fmt({ month: "short", day: "numeric" }),
                 fmt({ hour: "2-digit", minute: "2-digit" }), fmt({ hour: "2-digit", minute: "2-digit", second: "2-digit" })];
    return {
      timeFormatter: function (time) { return full.format(new Date(time * 1000)); },
      // TickMarkType: 0 year, 1 month, 2 day of month, 3 time, 4 time with seconds
      tickMarkFormatter: function (time, type) { return ticks[type].format(new Date(time * 1000)); },
    };
  }

  function candles(element, options) {
    var c = palette();
    var zone = formatters(options.timeZone);
    var chart = LWC.createChart(element, Object.assign(themeOptions(), {
      autoSize: true,
      localization: { timeFormatter: zone.timeFormatter },
      timeScale: { borderColor: c.line, timeVisible: true, secondsVisible: false,
                   tickMarkFormatter: zone.tickMarkFormatter },
      crosshair: { mode: 0 },
    }));
    var precision = options.precision == null ? 2 : options.precision;
    var series = chart.addSeries(LWC.CandlestickSeries, {
      upColor: c.buy, downColor: c.sell, borderUpColor: c.buy, borderDownColor: c.sell,
      wickUpColor: c.buy, wickDownColor: c.sell,
      priceFormat: { type: "price", precision: precision, minMove: options.tick || Math.pow(10, -precision) },
    });
    var bars = options.bars || [];
    var data = new Array(bars.length);
    for (var i = 0; i < bars.length; i++) {
      var b = bars[i];
      data[i] = { time: b[0], open: b[1], high: b[2], low: b[3], close: b[4] };
    }
    series.setData(data);
    chart.timeScale().fitContent();
    document.addEventListener("beacon:theme", function () {
      var p = palette();
      chart.applyOptions(themeOptions());
      series.applyOptions({ upColor: p.buy, downColor: p.sell, borderUpColor: p.buy, borderDownColor: p.sell,
                            wickUpColor: p.buy, wickDownColor: p.sell });
    });
    return { chart: chart, series: series };
  }

  function levels(series, signal) {
    var c = palette();
    var lines = [{ price: signal.entry, color: c.accent, title: "Entry", lineStyle: 0 },
                 { price: signal.stop, color: c.sell, title: "Stop", lineStyle: 2 }];
    (signal.targets || []).forEach(function (price, i) {
      lines.push({ price: price, color: c.buy, title: "TP" + (i + 1), lineStyle: 2 });
    });
    return lines.map(function (line) {
      return series.createPriceLine({ price: line.price, color: line.color, lineWidth: 1, lineStyle: line.lineStyle,
                                      axisLabelVisible: true, title: line.title });
    });
  }

  function markers(series, list) {
    var c = palette();
    var colours = { buy: c.buy, sell: c.sell, win: c.buy, loss: c.sell, neutral: c.muted };
    var sorted = list.slice().sort(function (a, b) { return a.time - b.time; });
    return LWC.createSeriesMarkers(series, sorted.map(function (m) {
      return { time: m.time, position: m.position, shape: m.shape, text: m.text, color: colours[m.kind] || c.accent };
    }));
  }

  function overlay(chart, spec) {
    var line = chart.addSeries(LWC.LineSeries, { color: spec.colour, lineWidth: spec.width || 1,
                                                 priceLineVisible: false, lastValueVisible: false,
                                                 crosshairMarkerVisible: false, title: spec.name });
    var data = [];
    (spec.points || []).forEach(function (p) {
      data.push(p[1] === null ? { time: p[0] } : { time: p[0], value: p[1] });
    });
    line.setData(data);
    return line;
  }

  function focus(chart, from, to) {
    // show bars from..to (positions in the data) at first; the rest stays a scroll or a zoom away
    chart.timeScale().setVisibleLogicalRange({ from: Math.max(from, 0) - 0.5, to: to + 2 });
  }

  function drawn(element) {
    // lightweight-charts paints on the next animation frame after setData; the second frame runs
    // once that paint is done.
    return new Promise(function (resolve) {
      requestAnimationFrame(function () {
        requestAnimationFrame(function () {
          var ms = Math.round(performance.now());
          element.dataset.drawnMs = String(ms);
          if (performance.mark) performance.mark("beacon:chart-drawn");
          resolve(ms);
        });
      });
    });
  }

  window.BeaconCharts = { candles: candles, levels: levels, markers: markers, overlay: overlay, focus: focus, drawn: drawn,
                          palette: palette };
})();
