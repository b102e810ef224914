/* The screener page: refresh the table when the live feed reports a signal or an engine run (the
 * events static/js/feed.js dispatches), show the feed's state, open a row's instrument on click, and
 * keep the filter form's sort order in step with the URL after a sort link was followed. */
(function () {
  "use strict";

  var REFRESH_DELAY_MS = 600; // a burst of signals from one run refreshes the table once
  var pending = null;

  function refresh() {
    if (pending) return;
    pending = window.setTimeout(function () {
      pending = null;
      var table = document.getElementById("screener-table");
      if (table && window.htmx) window.htmx.trigger(table, "beacon-refresh");
    }, REFRESH_DELAY_MS);
  }

  var STATES = { connecting: "Connecting to the live feed…", live: "Live: updates as they happen.",
                 offline: "Offline: reconnecting…" };

  function showState(event) {
    var dot = document.getElementById("screener-live");
    var text = document.getElementById("screener-live-text");
    if (!dot || !text) return;
    dot.setAttribute("data-state", event.detail.state);
    text.textContent = STATES[event.detail.state] || event.detail.state;
  }

  function openRow(event) {
    var row = event.target.closest("tr[data-href]");
    if (!row || event.target.closest("a, button, input, select, label")) return;
    window.location.href = row.getAttribute("data-href");
  }

  function keepOrdering() {
    var input = document.querySelector("form.filters input[name=ordering]");
    var ordering = new URLSearchParams(window.location.search).get("ordering");
    if (input && ordering) input.value = ordering;
  }

  document.addEventListener("beacon:signal.published", refresh);
  document.addEventListener("beacon:engine.status", refresh);
  document.addEventListener("beacon:feed-state", showState);
  document.addEventListener("click", openRow);
  document.addEventListener("htmx:afterSwap", keepOrdering);
})();
