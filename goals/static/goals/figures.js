// Draws every Plotly figure of the page: an element with data-figure="<id>" gets the figure
// stored as JSON in the <script type="application/json" id="<id>"> element. A file, not an
// inline script, so the Content-Security-Policy allows it.
document.querySelectorAll("[data-figure]").forEach(function (element) {
  var figure = JSON.parse(document.getElementById(element.dataset.figure).textContent);
  Plotly.newPlot(element, figure.data, figure.layout, {responsive: true, displaylogo: false});
});
