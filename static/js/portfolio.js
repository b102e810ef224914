/* A portfolio page's live figures: each "beacon:portfolio.updated" message of the feed (static/js/feed.js,
 * stream "portfolios") for this page's portfolio rewrites the equity, P&L, cash and mark time, and the
 * last price and open P&L of each position row it names. A position that opened or closed reloads the page
 * (the server renders its row). */
(function () {
  "use strict";

  var root = document.getElementById("portfolio");
  if (!root) return;
  var id = parseInt(root.dataset.portfolio, 10);

  function money(value) {
    return Number(value).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function set(scope, field, text) {
    var cell = scope.querySelector('[data-field="' + field + '"]');
    if (cell) cell.textContent = text;
  }

  document.addEventListener("beacon:portfolio.updated", function (event) {
    var data = event.detail.data;
    if (data.portfolio_id !== id) return;
    set(root, "equity", money(data.equity));
    set(root, "total_pnl", money(data.total_pnl));
    set(root, "unrealized_pnl", money(data.unrealized_pnl));
    set(root, "cash", money(data.cash));
    if (data.marked_at) set(root, "marked_at", data.marked_at.replace("T", " ").slice(0, 16) + " UTC");
    var rows = document.querySelectorAll("#positions tr[data-symbol]");
    var shown = Array.prototype.map.call(rows, function (row) { return row.dataset.symbol; }).sort().join();
    var held = data.positions.map(function (p) { return p.symbol; }).sort().join();
    if (shown !== held || data.fills.length) {
      window.location.reload();
      return;
    }
    data.positions.forEach(function (p) {
      var row = document.querySelector('#positions tr[data-symbol="' + p.symbol + '"]');
      if (!row) return;
      set(row, "last_price", String(p.last_price));
      set(row, "unrealized_pnl", money(p.unrealized_pnl));
    });
  });

  document.addEventListener("beacon:feed-state", function (event) {
    var state = document.getElementById("feed-state");
    if (state) state.textContent = event.detail.state === "live" ? "live" : event.detail.state;
  });
})();
