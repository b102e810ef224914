/* The theme toggle and the phone menu. Loaded in <head> without defer, so the stored theme applies
 * before the first paint (no flash of the other theme).
 *
 * Theme: "light" or "dark" stored in localStorage under "beacon-theme" sets html[data-theme]; none
 * stored follows the system's prefers-color-scheme (the CSS handles that case). The toggle button
 * (#theme-toggle) cycles system -> dark -> light -> system and says which is in force.
 * Menu: #menu-toggle opens and closes the nav on narrow screens (aria-expanded kept in step).
 * Both dispatch "beacon:theme" on document when the theme changes, so charts can repaint.
 */
(function () {
  "use strict";
  var KEY = "beacon-theme";
  var root = document.documentElement;

  function stored() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }

  function apply(theme) {
    if (theme === "light" || theme === "dark") root.setAttribute("data-theme", theme);
    else root.removeAttribute("data-theme");
  }

  function effective() {
    var theme = root.getAttribute("data-theme");
    if (theme) return theme;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  apply(stored());
  window.BeaconTheme = { effective: effective };

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.getElementById("theme-toggle");
    function label() {
      if (!toggle) return;
      var choice = stored() || "system";
      toggle.textContent = { system: "Theme: auto", dark: "Theme: dark", light: "Theme: light" }[choice];
      toggle.title = "Colour theme: " + choice + " (auto follows your system). Click to change.";
    }
    if (toggle) {
      label();
      toggle.addEventListener("click", function () {
        var next = { system: "dark", dark: "light", light: "system" }[stored() || "system"];
        try {
          if (next === "system") localStorage.removeItem(KEY); else localStorage.setItem(KEY, next);
        } catch (e) { /* private mode: the choice lasts this page only */ }
        apply(next);
        label();
        document.dispatchEvent(new CustomEvent("beacon:theme", { detail: { theme: effective() } }));
      });
    }
    var menu = document.getElementById("menu-toggle");
    var nav = document.getElementById("site-nav");
    if (menu && nav) {
      menu.addEventListener("click", function () {
        var open = nav.classList.toggle("open");
        menu.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
  });
})();
