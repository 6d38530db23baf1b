/* A file over the server's limit is refused in the browser, before a long upload that would be
   refused anyway: the field says why and the choice is cleared. The server checks again. */
(function () {
  "use strict";
  function check(input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var file = input.files && input.files[0];
    var note = document.getElementById("limit-" + input.name);
    if (note && !note.hasAttribute("data-limit")) note.setAttribute("data-limit", note.textContent);
    if (!file || !max || file.size <= max) {
      if (note) { note.textContent = note.getAttribute("data-limit"); note.classList.remove("field-error"); }
      return;
    }
    var mb = Math.round(max / 1048576);
    var message = "Berkas \u201c" + file.name + "\u201d terlalu besar (" + (file.size / 1048576).toFixed(1) +
      " MB); paling besar " + mb + " MB. Pilih berkas lain.";
    input.value = "";
    if (note) { note.textContent = message; note.classList.add("field-error"); }
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.type === "file" && input.hasAttribute("data-max-bytes")) check(input);
  });
})();
