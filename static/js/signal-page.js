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
  C.markers(drawn.series, list);
  C.drawn(element);
})();
