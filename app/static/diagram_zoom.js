/* Diagrams open fitted to the width of the screen (CSS: width 100%). These buttons zoom in and
   out; the box then scrolls (drag with a finger or the scroll bars) and keeps the open task in
   view. Without JavaScript the diagram stays fitted to the width. */
(function () {
  "use strict";
  var STEPS = [1, 1.5, 2, 3, 4];

  function centreOn(box, target) {
    if (!target) return;
    var b = box.getBoundingClientRect(), t = target.getBoundingClientRect();
    box.scrollLeft += (t.left + t.width / 2) - (b.left + b.width / 2);
    box.scrollTop += (t.top + t.height / 2) - (b.top + b.height / 2);
  }

  function setZoom(box, svg, index) {
    box.setAttribute("data-zoom", String(index));
    svg.style.width = (STEPS[index] * 100) + "%";
    centreOn(box, svg.querySelector(".st-active") || svg.querySelector(".st-timer"));
  }

  function button(label, text, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "diagram-zoom-button";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", onClick);
    return b;
  }

  function init() {
    document.querySelectorAll(".diagram-scroll").forEach(function (box) {
      var svg = box.querySelector("svg");
      if (!svg || box.previousElementSibling && box.previousElementSibling.classList.contains("diagram-zoom")) return;
      var bar = document.createElement("div");
      bar.className = "diagram-zoom";
      var current = function () { return parseInt(box.getAttribute("data-zoom") || "0", 10); };
      bar.appendChild(button("Perkecil diagram", "\u2212", function () { setZoom(box, svg, Math.max(current() - 1, 0)); }));
      bar.appendChild(button("Perbesar diagram", "+", function () {
        setZoom(box, svg, Math.min(current() + 1, STEPS.length - 1));
      }));
      bar.appendChild(button("Tampilkan seluruh diagram", "Seluruhnya", function () { setZoom(box, svg, 0); }));
      box.parentNode.insertBefore(bar, box);
      setZoom(box, svg, 0);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
