/* The network view: /network.json drawn with the vendored Cytoscape.js (cytoscape.min.js).
 * The page works without this script (the table); nothing is fetched from another host. */
(function () {
  "use strict";
  var box = document.getElementById("network");
  if (!box || typeof window.cytoscape !== "function") { return; }
  var colours = { person: "#8b2e1f", group: "#2f5d7c", event: "#b48a2c" };
  fetch(box.getAttribute("data-source"))
    .then(function (response) { return response.json(); })
    .then(function (data) {
      var elements = data.nodes.map(function (node) {
        return { data: { id: node.link.iri, label: node.link.label, href: node.link.href, group: node.group } };
      }).concat(data.edges.map(function (edge, index) {
        return { data: { id: "e" + index, source: edge[0], target: edge[1] } };
      }));
      box.classList.add("drawn");
      var cy = window.cytoscape({
        container: box,
        elements: elements,
        layout: { name: "cose", animate: false, randomize: false },
        style: [
          { selector: "node", style: {
            "label": "data(label)", "font-size": 9, "text-wrap": "wrap", "text-max-width": 120,
            "background-color": function (node) { return colours[node.data("group")] || "#666"; },
            "width": function (node) { return node.data("group") === "event" ? 8 : 14; },
            "height": function (node) { return node.data("group") === "event" ? 8 : 14; } } },
          { selector: "edge", style: { "width": 1, "line-color": "#c9c1b0" } }
        ]
      });
      cy.on("tap", "node", function (event) {
        var href = event.target.data("href");
        if (href) { window.location.href = href; }
      });
      window.histkgNetwork = cy;
    })
    .catch(function () { box.hidden = true; });
})();
