"""The review step of ``histkg wikidata export``: nothing becomes QuickStatements unaccepted.

The first run writes a review file (UTF-8 TSV, one line per statement and per book to create,
with the passage and the footnote it rests on); the curator writes ``accept`` in the
``decision`` column of the lines to send. The next run reads the decisions, recomputes the
statements from the data as it is then (so a book linked in between turns its waiting
statements ready) and writes only the accepted ones, as QuickStatements v1 commands: the
CREATE blocks first, then the statements. An accepted line that is not ready (waiting for its
book, refused) or that no longer matches the data fails the run, naming the line, and nothing
is written. histkg never sends anything to Wikidata itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pyoxigraph import NamedNode

from app.errors import InputError
from app.linking.export import Export, Statement, collect
from app.settings import Settings
from app.store import Store

__all__ = [
    "COLUMNS",
    "ExportResult",
    "ExportRun",
    "claim_export",
    "export_to_file",
    "read_decisions",
    "render",
    "review_order",
    "review_row",
    "write_review",
]

COLUMNS: Final = (
    "decision",
    "id",
    "status",
    "statement",
    "references",
    "passage",
    "footnote",
    "notes",
    "claim",
)
DECISIONS: Final = ("", "accept", "reject")


def _cell(value: object) -> str:
    return " ".join(str(value).split())


def review_row(statement: Statement) -> list[str]:
    """A statement's cells in the review file (``COLUMNS``), its decision left blank."""
    notes = list(statement.notes) + ([statement.reason] if statement.reason else [])
    return [
        "",
        statement.id,
        statement.status,
        statement.what,
        "; ".join(ref.describe() for ref in statement.references) or "no cited book",
        statement.passage,
        statement.footnote,
        "; ".join(notes),
        statement.claim,
    ]


def review_order(export: Export) -> list[Statement]:
    """The statements as the review shows them: ready first, then waiting, then refused."""
    order = {"ready": 0, "waiting": 1, "refused": 2}
    return sorted(export.statements, key=lambda s: (order[s.status], s.claim, s.what))


def write_review(export: Export, path: Path) -> None:
    """The review file: books to create first, then the statements, ready ones first."""
    lines = [
        "# Review for `histkg wikidata export`: write accept in the decision column of each "
        "line to send, then run the same command again.",
        "\t".join(COLUMNS),
    ]
    for book in export.books:
        cells = ["", book.id, "create", f"new item for {book.label}"]
        cells += [" | ".join(c.replace("\t", " ") for c in book.commands), "", ""]
        cells += ["; ".join(book.notes), book.book]
        lines.append("\t".join(_cell(c) for c in cells))
    for statement in review_order(export):
        lines.append("\t".join(_cell(c) for c in review_row(statement)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_decisions(path: Path) -> dict[str, int]:
    """The accepted ids of a review file, with their line numbers."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read: {error}") from None
    header: list[str] | None = None
    accepted: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        if header is None:
            header = cells
            if "decision" not in header or "id" not in header:
                raise InputError(
                    f"{path}:{number}: the header lacks the decision and id columns",
                    hint="Keep the header line histkg wikidata export wrote.",
                )
            continue
        values = dict(zip(header, cells, strict=False))
        decision = values.get("decision", "").lower()
        if decision not in DECISIONS:
            raise InputError(
                f"{path}:{number}: unknown decision {values.get('decision')!r}",
                hint="Write accept or reject in the decision column, or leave it empty.",
            )
        if decision == "accept":
            accepted[values.get("id", "")] = number
    if header is None:
        raise InputError(f"{path}: the review file is empty", hint="Delete it and export again.")
    return accepted


@dataclass(frozen=True)
class ExportResult:
    """The QuickStatements of the accepted lines."""

    commands: list[str]
    statements: int
    books: int


def render(export: Export, accepted: dict[str, int], review: Path) -> ExportResult:
    """The accepted lines as QuickStatements v1 commands; refuses any that cannot go out."""
    statements = {s.id: s for s in export.statements}
    books = {b.id: b for b in export.books}
    for key, number in sorted(accepted.items(), key=lambda item: item[1]):
        if key in books:
            continue
        statement = statements.get(key)
        if statement is None:
            raise InputError(
                f"{review}:{number}: accepted line {key} no longer matches the data",
                hint="The data changed since the review: delete the review file, export again "
                "and review the new one.",
            )
        if statement.status != "ready":
            raise InputError(
                f"{review}:{number}: {statement.what} cannot be exported: {statement.reason}",
                hint="Reject the line, or link its book to Wikidata (owl:sameAs) first.",
            )
    commands: list[str] = []
    chosen_books = [b for b in export.books if b.id in accepted]
    for book in chosen_books:
        commands += book.commands
    chosen = [s for s in export.statements if s.id in accepted]
    for statement in chosen:
        commands += statement.lines(export.retrieved)
    return ExportResult(commands, len(chosen), len(chosen_books))


@dataclass(frozen=True)
class ExportRun:
    """What one run of ``histkg wikidata export`` did, for the CLI to print."""

    review: Path
    wrote_review: bool
    export: Export
    result: ExportResult | None = None
    output: Path | None = None

    def to_text(self) -> str:
        counts: dict[str, int] = {}
        for statement in self.export.statements:
            counts[statement.status] = counts.get(statement.status, 0) + 1
        found = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"
        lines = [f"Statements: {found}; books to create: {len(self.export.books)}"]
        lines += [
            f"  claims left out ({why}): {n}" for why, n in sorted(self.export.skipped.items())
        ]
        if self.wrote_review:
            lines.append(
                f"Wrote the review file {self.review}: write accept in the decision column of "
                "the lines to send, then run the same command again."
            )
        elif self.result is not None and self.output is not None:
            lines.append(
                f"Wrote {len(self.result.commands)} QuickStatements command(s) to {self.output}: "
                f"{self.result.books} new book item(s), {self.result.statements} statement(s)"
            )
        return "\n".join(lines)


def _curated(project_dir: Path, base_iri: str) -> Store:
    store = Store("memory", base_iri=base_iri)
    store.load_curated(project_dir)
    return store


def _resolve(store: Store, given: list[str], base_iri: str, what: str) -> list[str]:
    """IRIs (or paths under the base IRI) that name something in the data; refuses others."""
    found = []
    for text in given:
        iri = text if text.startswith(("http://", "https://")) else base_iri + text
        if next(store.match(NamedNode(iri), None, None, limit=1), None) is None:
            raise InputError(
                f"{text}: no such {what} in the curated data",
                hint=f"Give a {what} IRI, or its path under the base IRI ({what}/...).",
            )
        found.append(iri)
    return found


def claim_export(store: Store, base_iri: str, claim: str) -> Export:
    """One claim's statements and proposed books, as the workbench's "Export to Wikidata"
    button shows them: the same reading as ``histkg wikidata export --claim``, on the live
    store (a claim made in the workbench is not in the curated files yet)."""
    return collect(store, claims=_resolve(store, [claim], base_iri, "claim"))


def export_to_file(
    settings: Settings,
    output: Path,
    *,
    review: Path | None = None,
    claims: list[str] | None = None,
    entities: list[str] | None = None,
    reported: bool = False,
    store: Store | None = None,
) -> ExportRun:
    """First run: write the review file. Once it exists: write the accepted QuickStatements.

    The statements are read from the curated files (``ontology/`` and ``data/`` in a
    throw-away store, as ``histkg link`` reads them), or from ``store`` when given.
    """
    review = review or output.with_name(output.name + ".review.tsv")
    source = store or _curated(settings.project_dir, settings.base_iri)
    export = collect(
        source,
        claims=_resolve(source, claims or [], settings.base_iri, "claim"),
        entities=_resolve(source, entities or [], settings.base_iri, "entity"),
        reported=reported,
    )
    if not review.exists():
        write_review(export, review)
        return ExportRun(review, True, export)
    result = render(export, read_decisions(review), review)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("".join(command + "\n" for command in result.commands), encoding="utf-8")
    return ExportRun(review, False, export, result, output)
