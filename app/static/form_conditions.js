/* Show a form field only while the rule that requires it holds.
   Fields carry data-required-when='{"keputusan":["ditolak"]}' (every key must hold one
   of its values) or a list of such objects (any one suffices). Hidden fields are
   disabled so their stale values are not sent. Without JavaScript every field shows. */
(function () {
  "use strict";
  function currentValues(form, name) {
    var values = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name !== name || el.disabled) return;
      if (el.type === "checkbox" && el.hasAttribute("data-boolean")) {
        values.push(el.checked ? "true" : "false");
      } else if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) values.push(el.value);
      } else if (el.value !== "") {
        values.push(el.value);
      }
    });
    return values;
  }

  function holds(form, rule) {
    if (Array.isArray(rule)) return rule.some(function (r) { return holds(form, r); });
    return Object.keys(rule).every(function (name) {
      var values = currentValues(form, name);
      return rule[name].some(function (v) { return values.indexOf(String(v)) !== -1; });
    });
  }

  function update(form) {
    var changed = false;
    form.querySelectorAll("[data-required-when]").forEach(function (field) {
      var rule;
      try { rule = JSON.parse(field.getAttribute("data-required-when")); } catch (e) { return; }
      var on = holds(form, rule);
      field.querySelectorAll(".required-mark").forEach(function (m) { m.hidden = !on; });
      if (field.hidden === !on) return;
      changed = true;
      field.hidden = !on;
      field.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !on; });
    });
    return changed;
  }

  function refresh(form) {  // a hidden field may drive another rule: repeat until settled
    for (var i = 0; i < 10 && update(form); i++) { /* settle */ }
  }

  function init() {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-required-when]")) return;
      refresh(form);
      form.addEventListener("change", function () { refresh(form); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  // Back/Forward restores the chosen values after the scripts ran (or from the page cache):
  // show and hide the fields again for what is chosen now.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-required-when]")) refresh(form);
    });
  });
})();
