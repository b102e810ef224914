/* The dashboard's live parts, fed by static/js/feed.js's DOM events: a newly published signal slides
 * into #live-signals (once: a signal already listed is not repeated), the engine status is replaced
 * by the engine stream's newest message, and the feed's state is shown in #feed-state. */
(function () {
  "use strict";
  var list = document.getElementById("live-signals");
  var state = document.getElementById("feed-state");
  var precisions = JSON.parse((document.getElementById("instrument-precisions") || {}).textContent || "{}");
  var zone = (list && list.dataset.timeZone) || "UTC";
  var MAX_ITEMS = 20;

  function price(value, symbol) {
    if (value === null || value === undefined) return "";
    var places = precisions[symbol];
    if (places === undefined) places = 2;
    return Number(value).toLocaleString("en-US", { minimumFractionDigits: places, maximumFractionDigits: places });
  }

  function when(iso) {
    try {
      return new Intl.DateTimeFormat("en-US", { timeZone: zone, month: "short", day: "numeric", hour: "2-digit",
                                                minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));
    } catch (e) { return iso; }
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) node.className = className;
    return node;
  }

  document.addEventListener("beacon:signal.published", function (event) {
    if (!list) return;
    var message = event.detail;
    var s = message.data;
    if (list.querySelector('[data-seq="' + message.seq + '"]')) return;
    var empty = document.getElementById("live-empty");
    if (empty) empty.remove();
    var item = document.createElement("li");
    item.dataset.seq = String(message.seq);
    item.className = "fresh";
    var link = document.createElement("a");
    link.href = "/app/signals/" + encodeURIComponent(s.signal_id) + "/";
    link.appendChild(text("strong", s.direction, s.direction === "BUY" ? "buy" : "sell"));
    link.appendChild(document.createTextNode(" " + s.instrument + " " + s.timeframe));
    item.appendChild(link);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(text("span", "entry " + price(s.entry, s.instrument) + " · stop " + price(s.stop, s.instrument)
                                  + " · TP1 " + price(s.targets && s.targets[0], s.instrument), "num"));
    item.appendChild(document.createTextNode(" "));
    var time = text("time", when(s.created_at), "muted");
    time.setAttribute("datetime", s.created_at);
    item.appendChild(time);
    list.insertBefore(item, list.firstChild);
    while (list.children.length > MAX_ITEMS) list.removeChild(list.lastChild);
  });

  document.addEventListener("beacon:engine.status", function (event) {
    var box = document.getElementById("engine-status");
    var status = event.detail.data;
    if (!box || !status) return;
    var run = status.last_run;
    box.textContent = "";
    var dl = document.createElement("dl");
    dl.className = "figures";
    function figure(label, value, className) {
      var div = document.createElement("div");
      div.appendChild(text("dt", label));
      div.appendChild(text("dd", value, className));
      dl.appendChild(div);
    }
    figure("Scheduler", status.scheduler_alive ? "running" : "not ticking", status.scheduler_alive ? "buy" : "sell");
    if (run) {
      figure("Last run finished", run.finished_at ? when(run.finished_at) : "running");
      figure("Pairs computed", String(run.pairs_computed));
    }
    var hour = status.last_hour || {};
    figure("Last hour", (hour.runs || 0) + " runs, " + (hour.signals || 0) + " signals"
                        + (hour.errors ? ", " + hour.errors + " errors" : ""));
    box.appendChild(dl);
  });

  document.addEventListener("beacon:feed-state", function (event) {
    if (!state) return;
    var s = event.detail.state;
    state.textContent = { live: "Live", connecting: "Connecting…", offline: "Offline" }[s] || s;
    state.className = "badge " + (s === "live" ? "live" : s === "offline" ? "offline" : "");
    if (s === "offline" && event.detail.reason) state.title = event.detail.reason;
  });
})();
