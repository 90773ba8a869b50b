"""The ingest's proposals on a workbench page, accepted or rejected one at a time.

Ingestion marks every capitalised name it could not link as a candidate: a text anchor with
``hk:unknown "entity"`` in the page's graph. A curator settles each one, and each decision is
one revision in the page's graph:

* **link** it to an entity of the graph: ``<entity> hk:mention <anchor>``, and the anchor is no
  longer unknown;
* **new person**: a ``crm:E21_Person`` with the English label typed (and, optionally, a label in
  another language with its tag, e.g. ``ru-Latn-alalc97``), mentioned by that anchor, which a
  person needs (``PersonShape``);
* **reject** it: the anchor and its selectors are removed (not a name, or not worth one).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from app import writes
from app.errors import InputError
from app.store import Store
from app.vocab import CRM, HK, OA, RDF, RDFS
from app.workbench.fields import page_nodes
from app.workbench.pages_add import FieldError
from app.workbench.sources import WORKBENCH_GRAPHS, slug

__all__ = ["Candidate", "candidates", "page_graph", "settle"]

_UNKNOWN = ox.Literal("entity")


@dataclass(frozen=True)
class Candidate:
    """A name ingestion proposed and nobody has settled yet."""

    anchor: str
    text: str


def page_graph(page: str, base: str) -> ox.NamedNode:
    """The graph a workbench page's ingest and its settled proposals are written to
    (``InputError`` when ``page`` is no IRI)."""
    _, name, _ = page_nodes(page, base)
    return ox.NamedNode(f"{WORKBENCH_GRAPHS}page/{name}")


def candidates(store: Store, page: str, base: str) -> list[Candidate]:
    """The page's unsettled candidate names, in the order of the text."""
    graph = page_graph(page, base)
    found: list[tuple[int, Candidate]] = []
    for quad in store.match(None, HK.unknown, _UNKNOWN, graph):
        anchor = quad.subject
        if not isinstance(anchor, ox.NamedNode):
            continue
        quote = ox.NamedNode(anchor.value + "-quote")
        position = ox.NamedNode(anchor.value + "-position")
        exact = next(iter(store.match(quote, OA.exact, None, graph)), None)
        start = next(iter(store.match(position, OA.start, None, graph)), None)
        if exact is not None and start is not None:
            text = exact.object.value if isinstance(exact.object, ox.Literal) else ""
            at = int(start.object.value) if isinstance(start.object, ox.Literal) else 0
            found.append((at, Candidate(anchor.value, " ".join(text.split()))))
    return [c for _, c in sorted(found, key=lambda pair: pair[0])]


def settle(
    store: Store,
    page: str,
    anchor: str,
    action: str,
    *,
    base: str,
    project_dir: Path,
    author: writes.Author,
    entity: str = "",
    label: str = "",
    other_label: str = "",
    language: str = "",
) -> writes.WriteResult:
    """Link, make a person of, or reject the candidate ``anchor`` (see the module docstring)."""
    graph = page_graph(page, base)
    try:
        node = ox.NamedNode(anchor)
    except ValueError:
        raise InputError(f"{anchor[:80]!r} is not a name of the page.") from None
    unknown = ox.Quad(node, HK.unknown, _UNKNOWN, graph)
    if next(iter(store.match(*unknown)), None) is None:
        raise InputError("This name was settled already.", hint="Reload the proposals.")
    if action == "reject":
        removed = [unknown]
        for part in (node, ox.NamedNode(anchor + "-quote"), ox.NamedNode(anchor + "-position")):
            removed += store.match(part, None, None, graph)
        return writes.write_quads(store, [], project_dir, removed=removed, author=author)
    if action == "link":
        target = _existing(store, entity)
        added = [ox.Quad(target, HK.mention, node, graph)]
    elif action == "person":
        if not label.strip():
            raise FieldError("label", "Give the person's name in English.")
        person = ox.NamedNode(f"{base}person/{slug(label)}")
        if next(iter(store.match(person, None, None, None)), None) is not None:
            raise FieldError(
                "label", "There is already someone by that name: link the name to them."
            )
        added = [
            ox.Quad(person, RDF.type, CRM.E21_Person, graph),
            ox.Quad(person, RDFS.label, ox.Literal(" ".join(label.split()), language="en"), graph),
            ox.Quad(person, HK.mention, node, graph),
        ]
        if other_label.strip():
            if not language.strip() or language.strip().lower() == "en":
                raise FieldError("language", "Give the other name's language tag (not en).")
            try:
                tagged = ox.Literal(" ".join(other_label.split()), language=language.strip())
            except ValueError:
                raise FieldError(
                    "language", "Give a language tag such as ru or ru-Latn-alalc97."
                ) from None
            added.append(ox.Quad(person, RDFS.label, tagged, graph))
    else:
        raise InputError(f"Unknown action {action!r}.")
    return writes.write_quads(store, added, project_dir, removed=[unknown], author=author)


def _existing(store: Store, typed: str) -> ox.NamedNode:
    text = " ".join(typed.split())
    if text.startswith(("http://", "https://")):
        try:
            node = ox.NamedNode(text)
        except ValueError:
            node = None
        if node is not None and next(iter(store.match(node, RDF.type, None, None)), None):
            return node
    for quad in store.match(None, RDFS.label, ox.Literal(text, language="en"), None):
        if isinstance(quad.subject, ox.NamedNode):
            return quad.subject
    raise FieldError("entity", f"No entity is called {text!r}: pick one from the suggestions.")
