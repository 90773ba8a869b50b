/* The reading view: selecting a passage points "Add a claim" at it.
   Progressive enhancement only: without it the curator copies the passage into the form.
   Each run of the text carries data-at, where it starts in the repaired text (code points);
   the link sends the selection as at/to in those offsets, and the server maps them through
   the page's offset map to code points of the original, as it maps every anchor. The
   selected text goes along as passage (markers left out, as the offsets leave them out): the
   server refuses a span whose text is not it, since a browser reads CR LF as one character,
   and offsets counted past one would name other words. Left out when too long for a link. */
(function () {
  "use strict";
  var text = document.getElementById("reading-text");
  var link = document.getElementById("claim-from-selection");
  if (!text || !link || !window.getSelection) { return; }
  var plain = link.href;
  var MAX_PASSAGE = 2000;  // characters: a longer link could pass the server's header limit

  function points(s) { return Array.from(s).length; }  // code points, not UTF-16 units

  function run(node) {  // the run (element with data-at) holding node, or null
    var el = node.nodeType === 1 ? node : node.parentNode;
    while (el && el !== text && !(el.hasAttribute && el.hasAttribute("data-at"))) {
      el = el.parentNode;
    }
    return el && el !== text ? el : null;
  }

  function selected(range) {  // the selection's text as the runs hold it, markers left out
    var copy = range.cloneContents();
    Array.prototype.forEach.call(copy.querySelectorAll("[data-marker]"), function (m) {
      m.parentNode.removeChild(m);
    });
    return copy.textContent;
  }

  function offset(node, off) {  // a selection boundary as an offset in the repaired text
    if (node === text) {  // between runs: the start of the run after, or the end of the last
      var next = text.childNodes[off];
      if (next && next.nodeType === 1 && next.hasAttribute("data-at")) {
        return parseInt(next.getAttribute("data-at"), 10);
      }
      var last = text.lastElementChild;
      return last ? parseInt(last.getAttribute("data-at"), 10) + points(last.textContent) : null;
    }
    var el = run(node);
    if (!el) { return null; }
    var at = parseInt(el.getAttribute("data-at"), 10);
    if (el.hasAttribute("data-marker")) { return at; }  // a marker is not in the text
    if (node.nodeType !== 3) { return off === 0 ? at : at + points(el.textContent); }
    var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    var before = 0;
    var current;
    while ((current = walker.nextNode())) {
      if (current === node) { return at + before + points(current.data.slice(0, off)); }
      before += points(current.data);
    }
    return null;
  }

  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    var range = selection.rangeCount ? selection.getRangeAt(0) : null;
    var start = null;
    var end = null;
    if (range && !range.collapsed && text.contains(range.startContainer) &&
        text.contains(range.endContainer)) {
      start = offset(range.startContainer, range.startOffset);
      end = offset(range.endContainer, range.endOffset);
    }
    if (start === null || end === null || end <= start) { return; }  // keep the last one
    var url = new URL(plain, window.location.href);
    url.searchParams.set("at", String(start));
    url.searchParams.set("to", String(end));
    var passage = selected(range);
    if (passage.length <= MAX_PASSAGE) { url.searchParams.set("passage", passage); }
    link.href = url.pathname + url.search;
    link.textContent = "Add a claim from the selected passage";
    link.setAttribute("data-selected", String(start) + "-" + String(end));
  });
  link.setAttribute("data-ready", "");  // for tests: the enhancement is running
}());
