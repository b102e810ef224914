/* The website's live feed client: one socket per page on /ws/v1/feed/, signed in by the session.
 *
 *   <script src="{% static 'js/feed.js' %}" data-streams="signals engine" data-after="{{ seq }}" defer></script>
 *
 * data-streams: the streams to follow (signals, alerts, engine); data-after: the newest signal
 * sequence the page was rendered with, so the feed resumes from it and a signal published while the
 * page loaded is not lost. Every message is dispatched on `document` as a CustomEvent named
 * "beacon:<type>" (for instance "beacon:signal.published", "beacon:notification.created",
 * "beacon:engine.status") with the envelope {type, seq, data} as its detail. The connection's state
 * is dispatched as "beacon:feed-state" with detail {state: "connecting" | "live" | "offline", reason}.
 * After a drop it reconnects with backoff and resumes after the last sequence it saw: nothing is
 * missed, nothing repeated. A refusal that retrying cannot mend (no access, not entitled) stops it.
 */
(function () {
  "use strict";

  var RESUMABLE = ["signals"];
  var FINAL_CODES = [4401, 4403]; // not signed in, plan without the feed: retrying cannot help
  var script = document.currentScript;

  function start(streams, after) {
    var socket = null;
    var delay = 1000;
    var lastSeq = after;

    function emit(name, detail) {
      document.dispatchEvent(new CustomEvent(name, { detail: detail }));
    }

    function send(action) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(action));
    }

    function follow() {
      var plain = streams.filter(function (s) { return RESUMABLE.indexOf(s) < 0; });
      if (plain.length) send({ action: "subscribe", streams: plain });
      streams.forEach(function (s) {
        if (RESUMABLE.indexOf(s) >= 0) send({ action: "resume", stream: s, after: lastSeq });
      });
    }

    function onMessage(event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.type === "heartbeat") {
        send({ action: "pong", id: message.data.id });
        return;
      }
      if (message.type === "auth.ok") {
        delay = 1000;
        follow();
        emit("beacon:feed-state", { state: "live" });
        return;
      }
      if (message.type === "signal.published" && typeof message.seq === "number") {
        if (message.seq <= lastSeq) return; // already shown
        lastSeq = message.seq;
      }
      emit("beacon:" + message.type, message);
    }

    function connect() {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      emit("beacon:feed-state", { state: "connecting" });
      socket = new WebSocket(scheme + location.host + "/ws/v1/feed/");
      socket.onmessage = onMessage;
      socket.onclose = function (event) {
        socket = null;
        if (FINAL_CODES.indexOf(event.code) >= 0) {
          emit("beacon:feed-state", { state: "offline", reason: event.reason });
          return;
        }
        emit("beacon:feed-state", { state: "connecting", reason: event.reason });
        var wait = event.code === 1012 ? 0 : delay * (0.5 + Math.random());
        delay = Math.min(delay * 2, 30000);
        setTimeout(connect, wait);
      };
    }

    connect();
    return { lastSeq: function () { return lastSeq; } };
  }

  var streams = ((script && script.dataset.streams) || "signals").split(/\s+/).filter(Boolean);
  var after = parseInt((script && script.dataset.after) || "0", 10) || 0;
  window.BeaconFeed = start(streams, after);
})();
