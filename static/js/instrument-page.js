/* The instrument page's chart: candles and the overlays the server computed with the engine's own
 * indicators (#instrument-chart-data, market/views.py), each line named in #overlay-legend. */
(function () {
  "use strict";
  var element = document.getElementById("instrument-chart");
  var source = document.getElementById("instrument-chart-data");
  if (!element || !source || !window.BeaconCharts) return;
  var data = JSON.parse(source.textContent);
  var C = window.BeaconCharts;
  var c = C.palette();
  var colours = { ema20: c.accent, ema50: "#d97706", bb: c.muted, bbmid: c.muted, vwap: "#9333ea" };
  var drawn = C.candles(element, data);
  var legend = document.getElementById("overlay-legend");
  (data.overlays || []).forEach(function (line) {
    C.overlay(drawn.chart, { name: line.name, points: line.points, colour: colours[line.key] || c.accent });
    if (legend && line.name !== "BB lower") {
      var span = document.createElement("span");
      span.style.color = colours[line.key] || c.accent;
      span.textContent = line.name === "BB upper" ? "Bollinger bands" : line.name;
      if (line.name !== "BB mid") legend.appendChild(span);
    }
  });
  var shown = element.clientWidth < 600 ? 60 : 150;  // the newest bars; the rest a scroll or a zoom away
  C.focus(drawn.chart, data.bars.length - shown, data.bars.length - 1);
  element.beaconChart = { chart: drawn.chart, series: drawn.series };  // for tests and the console
  C.drawn(element);
})();
