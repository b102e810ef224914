/* A running backtest's page (templates/backtests/detail.html): the progress bar follows the tenant's
 * `backtests` stream (static/js/feed.js dispatches "beacon:backtest.progress", "beacon:backtest.done",
 * "beacon:backtest.failed", "beacon:backtest.cancelled"); when this backtest ends, the page reloads to
 * show its report. When the feed (re)connects, the page reads the backtest's status once (a message
 * sent while it was away is not replayed); it reads it every 3 s while the feed is offline, and every
 * 15 s anyway, in case the end was sent between that read and the subscription.
 */
(function () {
  "use strict";

  var section = document.getElementById("backtest-state");
  if (!section) return;
  var id = parseInt(section.dataset.backtest, 10);
  var statusUrl = section.dataset.statusUrl;
  var bar = document.getElementById("backtest-progress");
  var percentText = document.getElementById("backtest-percent");
  var stageText = document.getElementById("backtest-stage");
  var statusText = document.getElementById("backtest-status");
  var feedState = document.getElementById("feed-state");
  var STAGES = { signals: "the live engine over the bars", simulation: "filling the orders",
                 optimisation: "optimising the grid", walk_forward: "walking forward" };
  var finished = false;
  var pollTimer = null;
  var SAFETY_POLL_MS = 15000;

  function show(percent, stage) {
    if (typeof percent === "number") {
      bar.value = percent;
      bar.textContent = percent + " %";
      percentText.textContent = percent + " %";
    }
    if (stage) stageText.textContent = STAGES[stage] || stage;
    if (statusText.textContent !== "Running") {
      statusText.textContent = "Running";
      statusText.className = "status status-running";
    }
  }

  function finish(status) {
    if (finished) return;
    finished = true;
    if (status === "done") show(100, "");
    statusText.textContent = status.charAt(0).toUpperCase() + status.slice(1);
    statusText.className = "status status-" + status;
    location.reload();
  }

  function ours(event) {
    return event.detail && event.detail.data && event.detail.data.backtest_id === id;
  }

  function check() {
    fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) return;
        if (state.finished) finish(state.status);
        else if (state.status === "running") show(state.progress, "");
      })
      .catch(function () { /* the next check or message will tell */ });
  }

  document.addEventListener("beacon:backtest.progress", function (event) {
    if (ours(event)) show(event.detail.data.percent, event.detail.data.stage);
  });
  ["done", "failed", "cancelled"].forEach(function (status) {
    document.addEventListener("beacon:backtest." + status, function (event) {
      if (ours(event)) finish(status);
    });
  });
  document.addEventListener("beacon:feed-state", function (event) {
    var state = event.detail.state;
    if (feedState) feedState.textContent = state === "live" ? "Live" : state === "offline" ? "Offline" : "Connecting…";
    if (state === "live") {
      if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
      check();
    } else if (state === "offline" && !pollTimer) {
      pollTimer = setInterval(check, 3000);
    }
  });
  setInterval(function () { if (!finished) check(); }, SAFETY_POLL_MS);
})();
