"""Writing accepted links into ``data/``: a targeted edit, checked twice, all or nothing.

``apply_review`` reads the curator's review file and, for every entity with one accepted row,
adds ``owl:sameAs wd:Q…`` to the entity's description in its ``data/*.ttl`` file. The curated
files are hand-written (comments, grouping, alignment), so they are edited as text rather than
re-serialized: the new line goes before the entity's ``hk:mention`` line, where the curated
files keep their links, or else after its first line. Two checks guard the edit:

1. each edited file is parsed again and must hold exactly its old triples plus the new links
   (so a text edit can never change anything else);
2. the whole project, with the edits, is validated against the SHACL shapes in a temporary
   copy (``app.validate.validate_paths``); a violation writes nothing.

Only then are the files replaced (write to a temporary file, then ``os.replace``). Refused
before any of that: two accepted rows for one entity, a malformed QID, an entity that is not
in ``data/``, an entity already linked to another item, and one item accepted for two entities.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

import pyoxigraph as ox

from app.errors import InputError
from app.linking.records import EntityRecord, load_records
from app.linking.review import ReviewRow, read_review
from app.linking.wikidata import ENTITY_BASE, is_qid
from app.store import Store
from app.validate import ValidationReport, validate_paths
from app.vocab import HK, OWL

__all__ = ["ApplyReport", "LinkChange", "apply_review"]

OWL_SAME_AS: Final = OWL.sameAs.value
_LOCAL: Final = re.compile(r"^[A-Za-z0-9_](?:[\w.\-]*[\w\-])?$")


@dataclass(frozen=True)
class LinkChange:
    """One accepted link and what became of it."""

    entity: str
    label: str
    qid: str
    status: str  #: ``added`` or ``unchanged`` (the entity already had this link)
    file: str = ""  #: the data file edited, relative to the project
    line: int = 0  #: the line the link was written on

    def to_line(self) -> str:
        where = f" ({self.file}:{self.line})" if self.file else ""
        sign = "+" if self.status == "added" else "="
        return f"{sign} <{self.entity}> owl:sameAs wd:{self.qid}  # {self.label}{where}"


@dataclass
class ApplyReport:
    """What ``apply_review`` did, or would have done."""

    changes: list[LinkChange] = field(default_factory=list)
    rejected: int = 0  #: rows marked reject
    undecided: int = 0  #: entities without an accepted or rejected row
    validation: ValidationReport | None = None  #: SHACL on the edited project
    written: list[str] = field(default_factory=list)  #: files replaced

    @property
    def added(self) -> list[LinkChange]:
        return [change for change in self.changes if change.status == "added"]

    @property
    def conforms(self) -> bool:
        return self.validation is None or self.validation.conforms

    def to_text(self) -> str:
        """What changed (or why nothing did), then the counts."""
        lines = [change.to_line() for change in self.changes]
        if not self.conforms and self.validation is not None:
            lines.append(self.validation.to_text())
            lines.append("The links would make data/ fail validation: nothing was written.")
        files = ", ".join(self.written) or "no file"
        unchanged = len(self.changes) - len(self.added)
        lines.append(
            f"{len(self.added) if self.written else 0} link(s) added to {files}; {unchanged} "
            f"already there; {self.rejected} row(s) rejected; {self.undecided} entit"
            f"{'y' if self.undecided == 1 else 'ies'} undecided."
        )
        return "\n".join(lines)


def _decisions(rows: list[ReviewRow], source: Path) -> tuple[dict[str, ReviewRow], int, int]:
    accepted: dict[str, list[ReviewRow]] = defaultdict(list)
    decided: set[str] = set()
    problems: list[str] = []
    for row in rows:
        if row.decision:
            decided.add(row.entity)
        if row.decision != "accept":
            continue
        if not row.entity:
            problems.append(f"{source}:{row.line}: accepted row without an entity")
        elif not is_qid(row.qid):
            problems.append(f"{source}:{row.line}: accepted row has no valid QID ({row.qid!r})")
        accepted[row.entity].append(row)
    for entity, chosen in accepted.items():
        if len(chosen) > 1:
            lines = ", ".join(str(row.line) for row in chosen)
            problems.append(f"{source}: lines {lines} accept {len(chosen)} items for <{entity}>")
    if problems:
        raise InputError(
            "\n".join(problems),
            hint="Accept exactly one row per entity, with a QID such as Q855; nothing was written.",
        )
    entities = {row.entity for row in rows if row.entity}
    rejected = sum(1 for row in rows if row.decision == "reject")
    return {e: chosen[0] for e, chosen in accepted.items()}, rejected, len(entities - decided)


def _check_conflicts(
    accepted: dict[str, ReviewRow], records: dict[str, EntityRecord], source: Path
) -> None:
    problems = []
    owners = {r.qid: r.iri for r in records.values() if r.qid}
    claimed: dict[str, str] = {}
    for entity, row in sorted(accepted.items()):
        record = records.get(entity)
        if record is None:
            problems.append(f"{source}:{row.line}: <{entity}> is not an entity of data/")
            continue
        if record.qid and record.qid != row.qid:
            problems.append(
                f"{source}:{row.line}: <{entity}> is already owl:sameAs wd:{record.qid}; "
                f"delete that link first to replace it with wd:{row.qid}"
            )
        owner = owners.get(row.qid, claimed.get(row.qid))
        if owner and owner != entity:
            problems.append(f"{source}:{row.line}: wd:{row.qid} is already linked to <{owner}>")
        claimed[row.qid] = entity
    if problems:
        raise InputError("\n".join(problems), hint="Fix the review file; nothing was written.")


# ------------------------------------------------------------------ text edits


def _spellings(iri: str, prefixes: dict[str, str]) -> list[str]:
    names = [f"<{iri}>"]
    for prefix, namespace in prefixes.items():
        if namespace and iri.startswith(namespace) and _LOCAL.match(iri[len(namespace) :]):
            names.append(f"{prefix}:{iri[len(namespace) :]}")
    return names


def _term(iri: str, namespace: str, prefix: str, prefixes: dict[str, str]) -> str:
    return f"{prefix}:{iri[len(namespace) :]}" if prefixes.get(prefix) == namespace else f"<{iri}>"


def _insert_link(text: str, iri: str, qid: str, prefixes: dict[str, str]) -> tuple[str, int] | None:
    """``text`` with the link added to ``iri``'s block, and the new line's number."""
    lines = text.split("\n")
    starts = re.compile(
        r"^(?:" + "|".join(re.escape(s) for s in _spellings(iri, prefixes)) + r")\s"
    )
    first = next((n for n, line in enumerate(lines) if starts.match(line)), None)
    if first is None:
        return None
    last = first
    while last < len(lines) and not re.search(r"(?:^|\s)\.\s*$", lines[last]):
        last += 1
    if last == len(lines):
        return None
    same_as = _term(OWL_SAME_AS, "http://www.w3.org/2002/07/owl#", "owl", prefixes)
    link = f"{same_as} {_term(ENTITY_BASE + qid, ENTITY_BASE, 'wd', prefixes)}"
    mention = _spellings(HK.mention.value, prefixes)
    for number in range(first + 1, last + 1):
        stripped = lines[number].lstrip()
        if any(stripped.startswith(m + " ") for m in mention) and lines[
            number - 1
        ].rstrip().endswith(";"):
            indent = lines[number][: len(lines[number]) - len(stripped)]
            lines.insert(number, f"{indent}{link} ;")
            return "\n".join(lines), number + 1
    if first < last and lines[first].rstrip().endswith(";"):
        following = lines[first + 1]
        indent = following[: len(following) - len(following.lstrip())] or "    "
        lines.insert(first + 1, f"{indent}{link} ;")
        return "\n".join(lines), first + 2
    if first == last:
        lines[first] = re.sub(r"\s\.\s*$", " ;", lines[first])
        lines.insert(first + 1, f"    {link} .")
        return "\n".join(lines), first + 2
    return None


def _triples(text: str, base_iri: str) -> set[ox.Triple]:
    return {
        quad.triple
        for quad in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE, base_iri=base_iri)
    }


def _prefixes(text: str, base_iri: str) -> dict[str, str]:
    parser = ox.parse(text.encode(), format=ox.RdfFormat.TURTLE, base_iri=base_iri)
    for _ in parser:
        pass
    return dict(parser.prefixes)


def _edit_files(
    accepted: list[tuple[EntityRecord, str]], data_dir: Path, project_dir: Path, base_iri: str
) -> tuple[dict[Path, str], list[LinkChange]]:
    texts = {path: path.read_text(encoding="utf-8") for path in sorted(data_dir.glob("*.ttl"))}
    prefixes = {path: _prefixes(text, base_iri) for path, text in texts.items()}
    changes: list[LinkChange] = []
    edited: dict[Path, str] = {}
    problems = []
    for record, qid in accepted:
        for path in texts:
            result = _insert_link(edited.get(path, texts[path]), record.iri, qid, prefixes[path])
            if result is not None:
                edited[path], line = result
                relative = path.relative_to(project_dir).as_posix()
                changes.append(LinkChange(record.iri, record.label, qid, "added", relative, line))
                break
        else:
            problems.append(
                f"cannot find where <{record.iri}> is described in {data_dir}/*.ttl; add "
                f"`owl:sameAs wd:{qid}` to it by hand"
            )
    if problems:
        raise InputError("\n".join(problems), hint="Nothing was written.")
    changes = [_located(change, edited, project_dir) for change in changes]
    for path, text in edited.items():
        added = {
            ox.Triple(
                ox.NamedNode(c.entity), ox.NamedNode(OWL_SAME_AS), ox.NamedNode(ENTITY_BASE + c.qid)
            )
            for c in changes
            if project_dir / c.file == path
        }
        if _triples(text, base_iri) != _triples(texts[path], base_iri) | added:
            raise InputError(
                f"{path}: the edit would change more than the links; add them by hand",
                hint="Nothing was written. The layout of that entity's block is unusual.",
            )
    return edited, changes


def _located(change: LinkChange, edited: dict[Path, str], project_dir: Path) -> LinkChange:
    """The change with the line its link ended up on, after every edit of its file."""
    text = edited[project_dir / change.file]
    link = re.compile(
        r"(?:^|\s)(?:wd:" + change.qid + r"|<" + re.escape(ENTITY_BASE + change.qid) + r">)\s*[;.,]"
    )
    for number, line in enumerate(text.split("\n"), start=1):
        if link.search(line):
            return replace(change, line=number)
    return change


def _validate_copy(project_dir: Path, edited: dict[Path, str], base_iri: str) -> ValidationReport:
    with tempfile.TemporaryDirectory(prefix="histkg-link-") as scratch:
        copy = Path(scratch)
        for folder in ("ontology", "data"):
            shutil.copytree(project_dir / folder, copy / folder)
        for path, text in edited.items():
            (copy / path.relative_to(project_dir)).write_text(text, encoding="utf-8")
        return validate_paths(None, copy, base_iri=base_iri)


def _replace(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, delete=False, prefix=f".{path.name}.", suffix=".tmp"
    ) as handle:
        handle.write(text)
    os.replace(handle.name, path)


def apply_review(review: Path, project_dir: Path, *, base_iri: str) -> ApplyReport:
    """Write the accepted links of ``review`` into ``project_dir/data``; see the module doc."""
    accepted, rejected, undecided = _decisions(read_review(review), review)
    report = ApplyReport(rejected=rejected, undecided=undecided)
    if not accepted:
        return report
    store = Store("memory", base_iri=base_iri)
    store.load_curated(project_dir)
    records = load_records(store)
    _check_conflicts(accepted, records, review)
    unchanged = [
        LinkChange(e, records[e].label, row.qid, "unchanged")
        for e, row in sorted(accepted.items())
        if records[e].qid == row.qid
    ]
    to_add = [(records[e], row.qid) for e, row in sorted(accepted.items()) if not records[e].qid]
    edited, added = _edit_files(to_add, project_dir / "data", project_dir, base_iri)
    report.changes = added + unchanged
    if not edited:
        return report
    report.validation = _validate_copy(project_dir, edited, base_iri)
    if not report.validation.conforms:
        return report
    for path, text in edited.items():
        _replace(path, text)
        report.written.append(path.relative_to(project_dir).as_posix())
    return report
