"""The review file: candidate links as a TSV a curator edits in any spreadsheet or editor.

One row per candidate (best first), and one row with an empty ``qid`` for an entity with no
candidate, so the curator can type one in. The curator writes ``accept`` in the ``decision``
column of the right row, ``reject`` (or nothing) elsewhere; to pick an item that was not
proposed, they put its QID in the ``qid`` column of a row and accept that row.
``histkg link --apply FILE`` reads only ``decision``, ``entity`` and ``qid``; the other
columns are there to decide with. Lines starting with ``#`` are comments.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Final

from app.errors import InputError

__all__ = ["COLUMNS", "DECISIONS", "ReviewRow", "read_review", "write_review"]

DECISIONS: Final = ("", "accept", "reject")


@dataclass(frozen=True)
class ReviewRow:
    """One candidate link (or one entity without candidates)."""

    decision: str  #: ``accept``, ``reject`` or empty: the curator's column
    entity: str  #: our entity's IRI
    label: str  #: its label
    type: str  #: its type in words
    dates: str  #: its dates (own, or of the events it took part in)
    rank: int  #: 1 for the best candidate; 0 on the row of an entity without candidates
    qid: str  #: the proposed Wikidata item; the curator may replace it
    wikidata_label: str
    wikidata_description: str
    wikidata_dates: str
    score: str  #: 0-100
    why: str  #: the reasons for the score
    line: int = 0  #: where it was read from (not a column)


COLUMNS: Final = tuple(f.name for f in fields(ReviewRow) if f.name != "line")


def _cell(value: object) -> str:
    return " ".join(str(value).split())  # no tab or newline may break the row


def write_review(rows: list[ReviewRow], path: Path) -> None:
    """Write the rows as UTF-8 TSV with a header line."""
    lines = ["\t".join(COLUMNS)]
    for row in rows:
        values = asdict(row)
        lines.append("\t".join(_cell(values[column]) for column in COLUMNS))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_review(path: Path) -> list[ReviewRow]:
    """Read a review file; raise ``InputError`` naming the line of the first problem."""
    if not path.is_file():
        raise InputError(f"{path}: no such review file", hint="Run `histkg link` to make one.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read: {error}") from None
    rows: list[ReviewRow] = []
    header: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = [cell.strip() for cell in cells]
            missing = [c for c in ("decision", "entity", "qid") if c not in header]
            if missing:
                raise InputError(
                    f"{path}:{number}: the header lacks the column(s) {', '.join(missing)}",
                    hint="Keep the header line histkg link wrote; columns may be reordered.",
                )
            continue
        values = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        decision = values.get("decision", "").lower()
        if decision not in DECISIONS:
            raise InputError(
                f"{path}:{number}: unknown decision {values.get('decision')!r}",
                hint="Write accept or reject in the decision column, or leave it empty.",
            )
        rank = values.get("rank", "0")
        rows.append(
            ReviewRow(
                decision=decision,
                entity=values.get("entity", ""),
                label=values.get("label", ""),
                type=values.get("type", ""),
                dates=values.get("dates", ""),
                rank=int(rank) if rank.isdigit() else 0,
                qid=values.get("qid", ""),
                wikidata_label=values.get("wikidata_label", ""),
                wikidata_description=values.get("wikidata_description", ""),
                wikidata_dates=values.get("wikidata_dates", ""),
                score=values.get("score", ""),
                why=values.get("why", ""),
                line=number,
            )
        )
    if header is None:
        raise InputError(f"{path}: the review file is empty", hint="Run `histkg link` again.")
    return rows
