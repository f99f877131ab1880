// The evidence network drawn with cytoscape.js (vendored from npm: web/static/vendor/),
// from the JSON the page carries (graph/network_drawing.py). Without JavaScript, or
// without the vendored library, the page keeps its fallback note and tables.
(function () {
  var canvas = document.getElementById("network-canvas");
  var source = document.getElementById("network-data");
  if (!canvas || !source || typeof cytoscape === "undefined") return;
  var data = JSON.parse(source.textContent);
  if (!data.nodes.length) return;
  var fallback = document.querySelector(".network-fallback");
  if (fallback) fallback.hidden = true;
  document.querySelector(".network-tools").hidden = false;
  canvas.hidden = false;

  // Size by citations, within each kind: the square root keeps a popular source from
  // dwarfing the rest.
  var most = {};
  data.nodes.forEach(function (n) { most[n.kind] = Math.max(most[n.kind] || 1, n.weight); });
  var elements = data.nodes.map(function (n) {
    var size = 12 + 38 * Math.sqrt(Math.max(n.weight, 1) / most[n.kind]);
    var short = n.label.length > 40 ? n.label.slice(0, 39) + "…" : n.label;
    return { group: "nodes", data: { id: n.id, kind: n.kind, label: n.label, short: short, href: n.href,
      weight: n.weight, size: size, colour: data.kinds[n.kind].colour, fill: data.kinds[n.kind].fill } };
  }).concat(data.edges.map(function (e, i) {
    return { group: "edges", data: { id: "e" + i, source: e.source, target: e.target } };
  }));

  var cy = cytoscape({
    container: canvas,
    elements: elements,
    style: [
      { selector: "node", style: {
        "width": "data(size)", "height": "data(size)", "background-color": "data(colour)", "background-opacity": 0.8,
        "border-color": "#ffffff", "border-width": 1, "label": "", "font-size": 10,
        "text-wrap": "ellipsis", "text-max-width": 140, "color": "#212121",
        "text-background-color": "#ffffff", "text-background-opacity": 0.8, "min-zoomed-font-size": 8 } },
      // Sources and articles are named; claims are many and long, named when chosen.
      { selector: "node[kind != 'claim']", style: { "label": "data(short)" } },
      { selector: "node:selected", style: { "label": "data(short)", "border-color": "#212121", "border-width": 3, "z-index": 10 } },
      { selector: "edge", style: { "width": 1, "line-color": "#b0bec5", "curve-style": "haystack", "opacity": 0.7 } },
      { selector: "edge:selected", style: { "line-color": "#37474f", "width": 2 } }
    ],
    layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: function () { return 9000; },
              idealEdgeLength: function () { return 60; }, numIter: 1000 }
  });
  cy.minZoom(0.05);
  cy.maxZoom(4);

  var selected = document.getElementById("network-selected");
  cy.on("tap", "node", function (event) {
    var node = event.target.data();
    selected.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = node.kind.replace("-", " ") + ": ";
    var link = document.createElement("a");
    link.href = node.href;
    link.textContent = node.label;
    selected.appendChild(strong);
    selected.appendChild(link);
    selected.appendChild(document.createTextNode(" (" + node.weight + ")"));
  });
  document.querySelector("[data-network='fit']").addEventListener("click", function () { cy.fit(undefined, 20); });
  window.claimgraphNetwork = cy;  // for the browser tests
})();
