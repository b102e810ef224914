/* The alerts and notifications pages, live: each in-app alert of the member ("beacon:notification.created",
 * from static/js/feed.js on the `alerts` stream) is added at the top of the page's table
 * (tbody[data-live-notifications]) from the page's <template id="live-row">, whose [data-field] elements
 * receive the message's fields as text, and counts in every [data-unread-count] (elements marked
 * [data-unread-shown] are shown once something is unread). A form marked [data-id-in-action] gets the
 * notification's id in place of the 0 in its action.
 */
(function () {
  "use strict";

  function utcText(iso) { // "2026-03-02 15:00", as the page renders times (UTC)
    var d = new Date(iso);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getUTCFullYear() + "-" + two(d.getUTCMonth() + 1) + "-" + two(d.getUTCDate()) + " " +
      two(d.getUTCHours()) + ":" + two(d.getUTCMinutes());
  }

  function addRow(data) {
    var body = document.querySelector("tbody[data-live-notifications]");
    var template = document.getElementById("live-row");
    if (!body || !template) return;
    var row = template.content.firstElementChild.cloneNode(true);
    row.dataset.notification = data.id;
    row.querySelectorAll("[data-field]").forEach(function (field) {
      var name = field.dataset.field;
      field.textContent = name === "created_at" ? utcText(data.created_at) : (data[name] || "");
    });
    row.querySelectorAll("form[data-id-in-action]").forEach(function (form) {
      form.action = form.getAttribute("action").replace(/\/0\/([^/]*\/?)$/, "/" + data.id + "/$1");
    });
    var empty = body.querySelector("[data-empty]");
    if (empty) empty.remove();
    body.insertBefore(row, body.firstChild);
  }

  function countUnread() {
    document.querySelectorAll("[data-unread-count]").forEach(function (count) {
      count.textContent = (parseInt(count.textContent, 10) || 0) + 1;
    });
    document.querySelectorAll("[data-unread-shown]").forEach(function (element) { element.hidden = false; });
  }

  var seen = {};
  document.addEventListener("beacon:notification.created", function (event) {
    var data = event.detail.data;
    if (seen[data.id] || document.querySelector('[data-notification="' + data.id + '"]')) return;
    seen[data.id] = true;
    addRow(data);
    countUnread();
  });
})();
