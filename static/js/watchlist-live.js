/* The watchlist page, live: each row's last price and change over the day follow the closed bars of the
 * feed's `market` stream, and its latest signal the `signals` stream, without a reload (static/js/feed.js
 * brings the messages as "beacon:<type>" events).
 *
 * A row is <tr data-symbol data-precision data-closed-at (epoch s) data-timeframe-seconds> with cells
 * [data-cell=price|price-time|day|signal]. A bar replaces the row's price when it closed later than the
 * one shown, or at the same time on a finer timeframe: the page shows the finest timeframe's newest close.
 */
(function () {
  "use strict";

  function rowOf(symbol) {
    var rows = document.querySelectorAll("tr[data-symbol]");
    for (var i = 0; i < rows.length; i++) if (rows[i].dataset.symbol === symbol) return rows[i];
    return null;
  }

  function cell(row, name) { return row.querySelector('[data-cell="' + name + '"]'); }

  function utcText(iso) { // "2026-03-02 15:00 UTC", as the page renders times
    var d = new Date(iso);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getUTCFullYear() + "-" + two(d.getUTCMonth() + 1) + "-" + two(d.getUTCDate()) + " " +
      two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()) + " UTC";
  }

  function marked(className, text) {
    var span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    return span;
  }

  function small(text) {
    var element = document.createElement("small");
    element.className = "muted";
    element.textContent = text;
    return element;
  }

  function showBar(data) {
    var row = rowOf(data.instrument);
    if (!row) return;
    var shownAt = parseInt(row.dataset.closedAt || "0", 10);
    var shownSeconds = parseInt(row.dataset.timeframeSeconds || "0", 10);
    if (data.closed_at_epoch < shownAt || (data.closed_at_epoch === shownAt && shownSeconds &&
        data.timeframe_seconds >= shownSeconds)) return;
    row.dataset.closedAt = data.closed_at_epoch;
    row.dataset.timeframeSeconds = data.timeframe_seconds;
    cell(row, "price").replaceChildren(document.createTextNode(data.price), document.createElement("br"),
                                       small(utcText(data.closed_at)));
    var day = cell(row, "day");
    if (data.day_change_pct === null || data.day_change_pct === undefined) {
      day.replaceChildren(marked("muted", "—"));
    } else {
      day.replaceChildren(marked(data.day_change_pct >= 0 ? "buy" : "sell", data.day_change_pct.toFixed(2) + "%"));
    }
  }

  function showSignal(data) {
    var row = rowOf(data.instrument);
    if (!row) return;
    var precision = parseInt(row.dataset.precision || "2", 10);
    var signal = cell(row, "signal");
    signal.replaceChildren(marked(data.direction === "BUY" ? "buy" : "sell", data.direction),
                           document.createTextNode(" " + data.timeframe + " at " + Number(data.entry).toFixed(precision)),
                           document.createElement("br"), small(utcText(data.created_at)));
  }

  function showState(event) {
    var label = document.getElementById("live-state");
    if (!label) return;
    var words = { live: "Live", connecting: "Connecting…", offline: "Not live" };
    label.textContent = words[event.detail.state] || "";
    if (event.detail.state === "offline" && event.detail.reason) label.title = event.detail.reason;
  }

  document.addEventListener("beacon:market.bar_closed", function (event) { showBar(event.detail.data); });
  document.addEventListener("beacon:signal.published", function (event) { showSignal(event.detail.data); });
  document.addEventListener("beacon:feed-state", showState);
})();
