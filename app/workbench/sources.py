"""Adding a source (a book or an article) from the workbench's form, as one SHACL-checked revision.

A curator types what the title page says: author, title, place, publisher, year; for an
article (``bibo:AcademicArticle``), the journal it appeared in (``dcterms:isPartOf`` a
``bibo:Journal``: the graph's journal of that name, or a new one), volume, issue and pages as
printed, instead of place and publisher. The author is
the entity whose English label is exactly what was typed, or a new ``crm:E39_Actor`` and
``prov:Agent`` with that label (as the curated unknown author is: an agent claims can be
attributed to, not yet a person the graph describes, which would need a passage naming them).
Publisher and place link to the graph's entity of that label when there is one; otherwise they
are said in the book's description, since a new group or place needs a passage naming it.
Everything goes into one graph of its own under ``WORKBENCH_GRAPHS`` (never a protected curated
graph), written by ``app.writes.write_graph``: validated, one revision
naming the curator, nothing written on a violation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

import pyoxigraph as ox

from app import writes
from app.errors import InputError
from app.store import Store
from app.vocab import BIBO, CRM, DCTERMS, HK, PROV, RDF, RDFS, XSD

__all__ = ["WORKBENCH_GRAPHS", "SourceForm", "add_source", "slug"]

WORKBENCH_GRAPHS: Final = "https://w3id.org/histkg/workbench/"
"""Where the graphs made in the workbench are named (outside the protected ``graph/``)."""


def slug(text: str) -> str:
    """An IRI path segment for a name: ASCII letters and digits, accents dropped, hyphens.

    >>> slug("Russia's Road to War, vol. II")
    'russias-road-to-war-vol-ii'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.replace("'", "")).strip("-") or "untitled"


@dataclass(frozen=True)
class SourceForm:
    """What the add-a-source form sends (all text, as typed)."""

    title: str
    author: str = ""
    place: str = ""
    publisher: str = ""
    year: str = ""
    kind: str = "book"
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    errors: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> SourceForm:
        """The form from the submitted fields (missing ones empty, the kind a book)."""

        def get(name: str) -> str:
            return values.get(name, "")

        return cls(
            get("title"),
            author=get("author"),
            place=get("place"),
            publisher=get("publisher"),
            year=get("year"),
            kind=get("kind") or "book",
            journal=get("journal"),
            volume=get("volume"),
            issue=get("issue"),
            pages=get("pages"),
        )

    def checked(self) -> SourceForm:
        """The form with each field's problem in ``errors`` (empty: it can be saved)."""
        errors: dict[str, str] = {}
        if not self.title.strip():
            errors["title"] = "Give the title as the title page prints it."
        if self.year.strip() and not (self.year.strip().isdigit() and len(self.year.strip()) == 4):
            errors["year"] = "Write the year of publication with four digits, e.g. 1969."
        if self.kind not in ("book", "article"):
            errors["kind"] = "Choose a book or an article."
        elif self.kind == "article" and not self.journal.strip():
            errors["journal"] = "Give the journal the article appeared in."
        elif self.kind == "book":
            for name in ("journal", "volume", "issue", "pages"):
                if getattr(self, name).strip():
                    errors[name] = "Only an article has a journal, volume, issue and pages."
        return replace(self, errors=errors)


def _existing(store: Store, label: str) -> ox.NamedNode | None:
    """The graph's entity labelled exactly ``label`` (in English)."""
    text = " ".join(label.split())
    for quad in store.match(None, RDFS.label, ox.Literal(text, language="en"), None):
        if isinstance(quad.subject, ox.NamedNode):
            return quad.subject
    return None


def _author(store: Store, label: str, base: str, out: list[ox.Triple]) -> ox.NamedNode:
    """The author entity: the graph's own, or a new agent (see the module docstring)."""
    found = _existing(store, label)
    if found is not None:
        return found
    text = " ".join(label.split())
    node = ox.NamedNode(f"{base}person/{slug(text)}")
    out += [
        ox.Triple(node, RDF.type, CRM.E39_Actor),
        ox.Triple(node, RDF.type, PROV.Agent),
        ox.Triple(node, RDFS.label, ox.Literal(text, language="en")),
    ]
    return node


def _in_journal(
    store: Store, form: SourceForm, article: ox.NamedNode, base: str
) -> list[ox.Triple]:
    """An article's journal (the graph's of that name, or a new ``bibo:Journal``), volume,
    issue and pages, each as printed."""
    name = " ".join(form.journal.split())
    journal = next(
        (
            q.subject
            for q in store.match(None, RDFS.label, ox.Literal(name, language="en"), None)
            if isinstance(q.subject, ox.NamedNode)
            and next(iter(store.match(q.subject, RDF.type, BIBO.Journal, None)), None)
        ),
        None,
    )
    out = []
    if journal is None:
        journal = ox.NamedNode(f"{base}source/journal/{slug(name)}")
        out += [
            ox.Triple(journal, RDF.type, BIBO.Journal),
            ox.Triple(journal, RDFS.label, ox.Literal(name, language="en")),
            ox.Triple(journal, DCTERMS.title, ox.Literal(name)),
        ]
    out.append(ox.Triple(article, DCTERMS.isPartOf, journal))
    for value, predicate in (
        (form.volume, BIBO.volume),
        (form.issue, BIBO.issue),
        (form.pages, BIBO.pages),
    ):
        if value.strip():
            out.append(ox.Triple(article, predicate, ox.Literal(" ".join(value.split()))))
    return out


def source_iri(form: SourceForm, base: str) -> ox.NamedNode:
    """The new book's IRI: ``<base>source/<title slug>[-<year>]``."""
    suffix = f"-{form.year.strip()}" if form.year.strip() else ""
    return ox.NamedNode(f"{base}source/{slug(form.title)}{suffix}")


def add_source(
    store: Store, form: SourceForm, *, base: str, project_dir: Path, author: writes.Author
) -> tuple[ox.NamedNode, writes.WriteResult]:
    """Write the book of ``form`` (checked first: ``InputError`` names the field)."""
    form = form.checked()
    if form.errors:
        raise InputError("; ".join(form.errors.values()))
    book = source_iri(form, base)
    if next(iter(store.match(book, RDF.type, None, None)), None) is not None:
        raise InputError(
            f"There is already a source at {book.value}.",
            hint="Pick it from the suggestions instead of adding it again.",
        )
    title = " ".join(form.title.split())
    by = ", ".join(part for part in (form.author.strip(), form.year.strip()) if part)
    label = f"{title} ({by})" if by else title
    kind = BIBO.AcademicArticle if form.kind == "article" else BIBO.Book
    triples = [
        ox.Triple(book, RDF.type, kind),
        ox.Triple(book, RDFS.label, ox.Literal(label, language="en")),
        ox.Triple(book, DCTERMS.title, ox.Literal(title)),
    ]
    if form.kind == "article":
        triples += _in_journal(store, form, book, base)
    if form.author.strip():
        triples.append(ox.Triple(book, DCTERMS.creator, _author(store, form.author, base, triples)))
    unlinked = []
    for value, predicate, said in (
        (form.publisher, DCTERMS.publisher, "Published by {}"),
        (form.place, HK.publicationPlace, "in {}"),
    ):
        if value.strip():
            entity = _existing(store, value)
            if entity is not None:
                triples.append(ox.Triple(book, predicate, entity))
            else:
                unlinked.append(said.format(" ".join(value.split())))
    if unlinked:
        text = " ".join(unlinked) + "."
        text = text[0].upper() + text[1:]
        triples.append(ox.Triple(book, DCTERMS.description, ox.Literal(text, language="en")))
    if form.year.strip():
        issued = ox.Literal(form.year.strip(), datatype=XSD.gYear)
        triples.append(ox.Triple(book, DCTERMS.issued, issued))
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    result = writes.write_graph(
        store,
        f"{WORKBENCH_GRAPHS}{book.value.removeprefix(base)}",
        body,
        "application/n-triples",
        project_dir,
        replace=False,
        author=author,
    )
    return book, result
