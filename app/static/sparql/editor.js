/* The histkg query editor: YASGUI, pointed at this endpoint, with our prefixes and examples.
 *
 * Everything is served by this server: YASGUI's calls to outside services (prefix.cc and LOV
 * for autocompletion, its catalogue of public endpoints) are replaced or switched off here.
 */
(function () {
  "use strict";

  var endpoint = new URL("sparql", document.baseURI).href;
  var notice = document.getElementById("sparql-notice");
  var picker = document.getElementById("sparql-example");

  // Only the prefixes the query uses: the editor opens on the query, not a screen of PREFIX
  // lines (the autocompleter offers the others as they are typed).
  function prologue(prefixes, body) {
    return Object.keys(prefixes).filter(function (name) {
      return new RegExp("(^|[^\\w])" + name + ":").test(body);
    }).map(function (name) {
      return "PREFIX " + name + ": <" + prefixes[name] + ">";
    }).join("\n");
  }

  // Result IRIs of our own entities open their pages on this server, not the permanent
  // address (which would leave for w3id.org and come back only if it redirects here).
  function linkLocally(base) {
    var root = document.getElementById("yasgui");
    function rewrite() {
      var links = root.querySelectorAll('a[href^="' + base + '"]');
      for (var i = 0; i < links.length; i++) {
        var rest = links[i].getAttribute("href").slice(base.length);
        links[i].setAttribute("href", new URL("id/" + rest, document.baseURI).href);
        links[i].removeAttribute("target");
      }
    }
    new MutationObserver(rewrite).observe(root, { childList: true, subtree: true });
  }

  function header(args, name) {
    // YASGUI hands the HTTP response (superagent) to its queryResponse listeners.
    for (var i = 0; i < args.length; i++) {
      var response = args[i];
      if (response && typeof response === "object" && response.header) {
        return response.header[name];
      }
    }
    return undefined;
  }

  function showNotice(text) {
    notice.textContent = text || "";
    notice.hidden = !text;
  }

  function start(data) {
    var Yasqe = Yasgui.Yasqe;
    var prefixList = Object.keys(data.prefixes).map(function (name) {
      return name + ": <" + data.prefixes[name] + ">";
    });
    Yasqe.forkAutocompleter("prefixes", {
      name: "histkgPrefixes",
      persistenceId: null,
      get: function () { return Promise.resolve(prefixList); }
    });
    // Only completers that need no outside service: our prefixes and the query's variables.
    Yasqe.defaults.autocompleters = ["histkgPrefixes", "variables"];
    var firstQuery = prologue(data.prefixes, data["default"]) + "\n\n" + data["default"];
    linkLocally(data.prefixes.id);
    Yasqe.defaults.value = firstQuery;

    var yasgui = new Yasgui(document.getElementById("yasgui"), {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      yasqe: { value: firstQuery, autocompleters: ["histkgPrefixes", "variables"] },
      persistenceId: "histkg-sparql"
    });
    window.histkgYasgui = yasgui;

    yasgui.on("queryResponse", function () {
      var truncated = header(arguments, "x-histkg-truncated");
      var rows = header(arguments, "x-histkg-rows");
      showNotice(truncated === "true"
        ? "Only the first " + rows + " results are shown: the server caps every answer at " +
          header(arguments, "x-histkg-max-rows") + " rows. Add a LIMIT or narrow the query."
        : "");
    });

    data.examples.forEach(function (example) {
      var option = document.createElement("option");
      option.value = example.id;
      option.textContent = example.id.slice(0, 2) + ". " + example.question;
      picker.appendChild(option);
    });
    picker.disabled = false;
    picker.addEventListener("change", function () {
      var example = data.examples.filter(function (e) { return e.id === picker.value; })[0];
      if (!example) { return; }
      var tab = yasgui.addTab(true, { name: "Q" + example.id.slice(0, 2) });
      tab.setQuery(example.query);
      picker.value = "";
    });
  }

  fetch("sparql/editor/examples.json")
    .then(function (response) { return response.json(); })
    .then(start)
    .catch(function (error) { showNotice("The editor could not start: " + error); });
})();
