// Draws every chart of the page with plotly.js (served by this server) from the JSON that the
// page carries in <script type="application/json"> elements: no inline script, no network.
(function () {
  "use strict";
  function draw(el) {
    var holder = document.getElementById(el.dataset.spec);
    if (!holder || !window.Plotly) { return; }
    var spec = JSON.parse(holder.textContent);
    var config = {responsive: true, displaylogo: false, displayModeBar: false};
    window.Plotly.newPlot(el, spec.data, spec.layout, config).then(function () {
      el.dataset.rendered = "true";
    });
  }
  function drawAll(root) {
    (root || document).querySelectorAll(".chart[data-spec]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
})();
