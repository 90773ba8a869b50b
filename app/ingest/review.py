"""The review page a curator reads: the repaired text with every edit, date and mention marked,
then the footnotes with their parsed citations, the dates and the mentions as tables.

Plain HTML built here with every piece of page text passed through ``html.escape`` (the text
comes from a PDF and may hold anything, ``<script>`` included); no template engine is needed for
one static page, and the page needs no network (its small stylesheet is inline).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from app.ingest.pipeline import PageReport

__all__ = ["render_review"]

_STYLE = """
body { font: 16px/1.5 Georgia, serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
.text { white-space: pre-wrap; border: 1px solid #ccc; padding: 1rem; background: #fcfcf8; }
.edit { background: #fff0b3; text-decoration: underline dotted; }
.edit.unknown { background: #ffd6d6; }
.date { border-bottom: 2px solid #2a7; }
.mention { border-bottom: 2px solid #36c; }
.mention.candidate { border-bottom-style: dashed; border-color: #c63; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: 14px; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
code { font-size: 13px; }
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _crosses(a: tuple[int, int, str, str], b: tuple[int, int, str, str]) -> bool:
    inside = (a[0] >= b[0] and a[1] <= b[1]) or (b[0] >= a[0] and b[1] <= a[1])
    return a[0] < b[1] and b[0] < a[1] and not inside


def _marked_text(report: PageReport) -> str:
    """The clean body with spans for edits, dates and mentions (outermost first, no overlap)."""
    text = report.text
    spans: list[tuple[int, int, str, str]] = []
    for edit in report.edits:
        if edit.footnote is None and edit.end > edit.start:
            css = "edit unknown" if edit.kind == "unknown" else "edit"
            title = f"{edit.kind}: raw {edit.raw!r} at {edit.raw_start}-{edit.raw_end}"
            spans.append((edit.start, edit.end, css, title))
    for date in report.dates:
        spans.append((date.start, date.end, "date", f"{date.value.edtf if date.value else '?'}"))
    for mention in report.mentions:
        if mention.footnote is None:
            css = "mention" if mention.entity else "mention candidate"
            spans.append((mention.start, mention.end, css, mention.entity or "candidate"))
    # Nested spans are fine; a span crossing one already kept is dropped.
    kept: list[tuple[int, int, str, str]] = []
    for span in sorted(spans, key=lambda s: (s[0], -s[1])):
        if not any(_crosses(span, other) for other in kept):
            kept.append(span)
    # At one offset closing tags come first (inner first), then opening ones (outer first).
    events = sorted(
        [(start, 1, -end, i) for i, (start, end, _c, _t) in enumerate(kept)]
        + [(end, 0, -start, i) for i, (start, end, _c, _t) in enumerate(kept)]
    )
    out, position = [], 0
    for offset, opening, _order, index in events:
        out.append(_e(text[position:offset]))
        position = offset
        _start, _end, css, title = kept[index]
        out.append(f'<span class="{css}" title="{_e(title)}">' if opening else "</span>")
    out.append(_e(text[position:]))
    return "".join(out)


def _rows(cells: Sequence[Sequence[object]]) -> str:
    return "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in cells)


def render_review(report: PageReport) -> str:
    """The whole review page as an HTML document."""
    layout = report.layout
    title = f"{layout.title or 'Page'} — page {layout.page if layout.page is not None else '?'}"
    footnotes = []
    for footnote in report.footnotes:
        c = footnote.citation
        footnotes.append(
            [
                footnote.number,
                footnote.text,
                c.author if c else "",
                c.title if c else "(not a citation)",
                ", ".join(x for x in (c.place, c.publisher) if x) if c else "",
                c.year if c else "",
                ", ".join(loc.normalized for loc in c.locators) if c else "",
                f"same work as note {footnote.same_work_as}" if footnote.same_work_as else "",
                footnote.work or "",
            ]
        )
    dates = [
        [d.text, d.value.edtf if d.value else "", d.to_json()["earliest"], d.to_json()["latest"],
         d.rule]
        for d in report.dates
    ]  # fmt: skip
    mentions = [
        [m.text, m.label, m.entity or "candidate", f"note {m.footnote}" if m.footnote else "body"]
        for m in report.mentions
    ]
    edits = [
        [e.kind, repr(e.raw), repr(e.clean), f"{e.raw_start}-{e.raw_end}",
         f"note {e.footnote}" if e.footnote else "body"]
        for e in report.edits
    ]  # fmt: skip
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Review: {_e(title)}</title><style>{_STYLE}</style></head>
<body>
<h1>Review: {_e(title)}</h1>
<p>From <code>{_e(report.source)}</code>. Repaired text: <span class="edit">edits</span>,
<span class="edit unknown">unknown words</span>, <span class="date">dates</span>,
<span class="mention">mentions</span>, <span class="mention candidate">candidate names</span>
(hover for details).</p>
<div class="text" id="text">{_marked_text(report)}</div>
<h2>Footnotes</h2>
<table id="footnotes"><tr><th>No.</th><th>Text</th><th>Author</th><th>Title</th>
<th>Place, publisher</th><th>Year</th><th>Pages</th><th>Resolved</th><th>Graph work</th></tr>
{_rows(footnotes)}</table>
<h2>Dates</h2>
<table id="dates"><tr><th>Text</th><th>EDTF</th><th>Earliest</th><th>Latest</th><th>Rule</th></tr>
{_rows(dates)}</table>
<h2>Mentions</h2>
<table id="mentions"><tr><th>Text</th><th>Label</th><th>Entity</th><th>Where</th></tr>
{_rows(mentions)}</table>
<h2>Edits</h2>
<table id="edits"><tr><th>Kind</th><th>Raw</th><th>Clean</th><th>Raw offsets</th><th>Where</th></tr>
{_rows(edits)}</table>
</body>
</html>
"""
