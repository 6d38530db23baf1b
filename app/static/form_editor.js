/* The form editor (/proses/draf/<id>/formulir/<name>): as the JSON Schema or UI schema is typed, the server
   renders the form with the same renderer as the task pages (POST data-preview-url) and says what is wrong
   with it; "Coba kirim" sends the preview's own answers and shows the server's message on each field. */
(function () {
  "use strict";

  function init() {
    var editor = document.getElementById("form-editor");  // the two files; the preview is a form of its own
    if (!editor) return;
    var preview = document.getElementById("form-preview"), problems = document.getElementById("form-problems");
    var timer = null;

    function show(answer) {
      problems.textContent = "";
      if (answer.problems.length) {
        var list = document.createElement("ul");
        list.className = "field-error";
        answer.problems.forEach(function (p) {
          var item = document.createElement("li");
          item.textContent = p;
          list.appendChild(item);
        });
        problems.appendChild(list);
      }
      if (answer.html || !answer.problems.length) preview.innerHTML = answer.html;  // our renderer's escaped HTML
      preview.setAttribute("data-ok", answer.ok ? "1" : "0");
      window.dispatchEvent(new Event("pageshow"));  // form_conditions.js: hide fields whose rule does not hold
    }

    function ask(withAnswers) {
      var body = new FormData();
      body.append("csrf_token", editor.querySelector("[name=csrf_token]").value);
      body.append("schema", editor.querySelector("[name=schema]").value);
      body.append("uischema", editor.querySelector("[name=uischema]").value);
      if (withAnswers) {
        var pairs = [];
        preview.querySelectorAll("input, select, textarea").forEach(function (el) {
          if (!el.name || el.disabled || el.type === "file") return;
          if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
          pairs.push([el.name, el.value]);
        });
        body.append("isian", JSON.stringify(pairs));
      }
      return fetch(editor.getAttribute("data-preview-url"), {method: "POST", body: body, credentials: "same-origin",
                                                              headers: {Accept: "application/json"}})
        .then(function (r) { return r.json(); }).then(show);
    }

    editor.querySelectorAll("textarea").forEach(function (area) {
      area.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { ask(false); }, 400);
      });
    });
    preview.addEventListener("change", function () { window.dispatchEvent(new Event("pageshow")); });
    document.getElementById("form-try").addEventListener("click", function () { ask(true); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
}());
