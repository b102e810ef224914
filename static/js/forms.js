/* Behaviour that pages ask for with data-* attributes, in place of inline handlers (the CSP forbids
 * onsubmit="", onchange="" and style=""). Loaded by base.html on every page.
 *
 *   <form data-confirm="Delete it?">     asks the question before the form is sent
 *   <select data-autosubmit>             sends its form when its value changes (checkboxes too)
 *   <span data-width="42.5">             gets style.width = 42.5%  (meters and bars)
 *
 * Widths are applied again to the content htmx swaps in (htmx:load).
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.hasAttribute || !field.hasAttribute("data-autosubmit") || !field.form) return;
    if (field.form.requestSubmit) field.form.requestSubmit();
    else field.form.submit();
  });

  function applyWidths(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var elements = scope.querySelectorAll("[data-width]");
    for (var i = 0; i < elements.length; i++) {
      var width = parseFloat(elements[i].getAttribute("data-width"));
      if (isFinite(width)) elements[i].style.width = Math.max(0, Math.min(100, width)) + "%";
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
  } else {
    applyWidths(document);
  }
  document.addEventListener("htmx:load", function (event) { applyWidths(event.target); });
})();
