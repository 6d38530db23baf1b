/* The main menu is one "Menu" button on a phone and always open on wider screens. */
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 640px)");
  function apply() {
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = wide.matches; });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", apply);
  else apply();
  wide.addEventListener("change", apply);
})();
