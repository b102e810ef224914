/* The signal page's chart: the bars around the signal, its entry, stop and three targets as lines,
 * the signal's bar and its outcome marked. Reads the JSON of #signal-chart-data (signals/views.py). */
(function () {
  "use strict";
  var element = document.getElementById("signal-chart");
  var source = document.getElementById("signal-chart-data");
  if (!element || !source || !window.BeaconCharts) return;
  var data = JSON.parse(source.textContent);
  var C = window.BeaconCharts;

  function snap(time) {
    // a marker sits on a bar: the last bar opening at or before `time`
    var found = null;
    for (var i = 0; i < data.bars.length && data.bars[i][0] <= time; i++) found = data.bars[i][0];
    return found;
  }

  var drawn = C.candles(element, data);
  C.levels(drawn.series, data);
  var list = [];
  var buy = data.direction === "BUY";
  var at = snap(data.signalTime);
  if (at !== null) {
    list.push({ time: at, position: buy ? "belowBar" : "aboveBar", shape: buy ? "arrowUp" : "arrowDown",
                text: data.direction, kind: buy ? "buy" : "sell" });
  }
  if (data.outcome) {
    var closed = snap(data.outcome.time);
    if (closed !== null) {
      var r = data.outcome.r;
      list.push({ time: closed, position: buy ? "aboveBar" : "belowBar", shape: "circle",
                  text: data.outcome.result + " " + (r >= 0 ? "+" : "") + r.toFixed(2) + "R",
                  kind: r > 0 ? "win" : r < 0 ? "loss" : "neutral" });
    }
  }
  var markers = C.markers(drawn.series, list);
  // The setup and what followed: some 80 bars before the signal (40 on a phone) and up to 100 after.
  var index = 0;
  while (index < data.bars.length - 1 && data.bars[index + 1][0] <= data.signalTime) index++;
  var before = element.clientWidth < 600 ? 40 : 80;
  C.focus(drawn.chart, index - before, Math.min(data.bars.length - 1, index + 100));
  element.beaconChart = { chart: drawn.chart, series: drawn.series, markers: markers };  // for tests and the console
  C.drawn(element);
})();
