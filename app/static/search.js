/* Search suggestions for the search boxes: fills the box's <datalist> from /search.json.
   Progressive enhancement only: every page works without it. No outside request. */
(function () {
  "use strict";
  var boxes = document.querySelectorAll("input[data-suggest]");
  Array.prototype.forEach.call(boxes, function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list || !window.fetch) { return; }
    var timer = 0;
    var latest = "";
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var query = input.value.trim();
      if (query.length < 2) { list.textContent = ""; return; }
      timer = window.setTimeout(function () {
        latest = query;
        var url = new URL(input.getAttribute("data-suggest"), window.location.href);
        url.searchParams.set("q", query);
        url.searchParams.set("limit", "8");
        window.fetch(url.toString(), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (data) {
            if (!data || query !== latest) { return; }
            list.textContent = "";
            data.results.forEach(function (result) {
              var option = document.createElement("option");
              option.value = result.label;
              /* what tells namesakes apart: the name matched, the kind, the dates */
              var about = [result.matched, result.types, result.when || result.description]
                .filter(function (part) { return part; });
              if (about.length) { option.label = result.label + " (" + about.join("; ").slice(0, 90) + ")"; }
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are optional */ });
      }, 150);
    });
  });
}());
