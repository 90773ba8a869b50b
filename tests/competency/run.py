"""Run the competency questions of ``tests/competency/`` and compare them with their answers.

Each question is ``NN-slug.rq``: a SPARQL 1.1 SELECT or ASK query whose first lines are
comments::

    # Question: <the historian's question>
    # Answer: <the answer in one sentence>
    # Ordered: yes|no
    # Known-gap: <optional: what the data still lacks for this answer>

Beside it is the expected result: ``NN-slug.tsv`` (SPARQL 1.1 Query Results TSV) for a SELECT,
``NN-slug.srj`` (SPARQL 1.1 Query Results JSON) for an ASK. ``Ordered: yes`` compares rows as a
list, ``Ordered: no`` as a multiset. Terms are compared exactly (IRI, lexical form, datatype and
language tag); any blank node matches any blank node.

Use from a pytest module in ``tests/`` (pytest puts ``tests/`` on ``sys.path``)::

    from competency.run import compare, questions
    @pytest.mark.parametrize("query_file", questions(), ids=lambda p: p.stem)
    def test_competency(query_file, store):   # store: a pyoxigraph.Store
        diff = compare(query_file, store)
        assert not diff, diff

The store is queried with ``use_default_graph_as_union=True``. Run this file directly to check
every question against a store built from ``ontology/`` and ``data/`` (``python
tests/competency/run.py [NN ...]``).
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from app.store import Store

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = tuple[Term | None, ...]


@dataclass(frozen=True)
class Header:
    """The comment lines that open a question file."""

    question: str
    answer: str
    ordered: bool
    known_gap: str | None = None


@dataclass(frozen=True)
class Expected:
    """An expected result: variables and rows for a SELECT, a boolean for an ASK."""

    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None


def questions(directory: Path = HERE) -> list[Path]:
    """The question files, in number order."""
    return sorted(directory.glob("[0-9][0-9]-*.rq"))


def read_header(query_file: Path) -> Header:
    """Read the ``# Key: value`` comment lines at the top of a question file."""
    fields: dict[str, str] = {}
    for line in query_file.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip()
    missing = {"question", "answer", "ordered"} - fields.keys()
    if missing:
        raise ValueError(f"{query_file.name}: header lacks {', '.join(sorted(missing))}")
    ordered = fields["ordered"].lower()
    if ordered not in {"yes", "no"}:
        raise ValueError(f"{query_file.name}: 'Ordered:' must be yes or no, not {ordered!r}")
    return Header(fields["question"], fields["answer"], ordered == "yes", fields.get("known-gap"))


def expected_file(query_file: Path) -> Path:
    """The ``.tsv`` or ``.srj`` file beside a question (exactly one must exist)."""
    found = [
        p for p in (query_file.with_suffix(".tsv"), query_file.with_suffix(".srj")) if p.exists()
    ]
    if len(found) != 1:
        raise FileNotFoundError(f"{query_file.name}: need exactly one .tsv or .srj beside it")
    return found[0]


def load_expected(path: Path) -> Expected:
    """Parse an expected result: ``.tsv`` (SELECT) or ``.srj`` (ASK); a ``.rq`` path is accepted
    and resolved to the file beside it."""
    path = Path(path)
    if path.suffix == ".rq":
        path = expected_file(path)
    fmt = ox.QueryResultsFormat.TSV if path.suffix == ".tsv" else ox.QueryResultsFormat.JSON
    parsed = ox.parse_query_results(path=path, format=fmt)
    if isinstance(parsed, ox.QueryBoolean):
        return Expected(boolean=bool(parsed))
    variables = [v.value for v in parsed.variables]
    return Expected(variables, [tuple(s[v] for v in variables) for s in parsed])


def run_query(query_file: Path, store: Store) -> Expected:
    """Run a question through the app's own store (default graph = union of all graphs)."""
    result = store.query(query_file.read_text(encoding="utf-8"))
    if result.kind == "ask":
        return Expected(boolean=result.boolean)
    if result.kind != "select":
        raise TypeError(f"{query_file.name}: a competency question must be a SELECT or an ASK")
    assert not result.truncated, f"{query_file.name}: result cut at max_rows"
    return Expected(list(result.variables), list(result.rows))


def _key(term: Term | None) -> str:
    if term is None:
        return "(unbound)"
    if isinstance(term, ox.BlankNode):
        return "_:b"  # any blank node matches any blank node
    return str(term)


def _show(row: Row) -> str:
    return "\t".join(_key(t) for t in row)


def diff_results(expected: Expected, actual: Expected, *, ordered: bool) -> str:
    """A readable difference between two results; empty when they agree."""
    if expected.boolean is not None or actual.boolean is not None:
        if expected.boolean == actual.boolean:
            return ""
        return f"expected ASK {expected.boolean}, got {actual.boolean}"
    if expected.variables != actual.variables:
        return f"expected variables {expected.variables}, got {actual.variables}"
    want = [tuple(_key(t) for t in r) for r in expected.rows]
    got = [tuple(_key(t) for t in r) for r in actual.rows]
    lines: list[str] = []
    missing = Counter(want) - Counter(got)
    extra = Counter(got) - Counter(want)
    lines += [f"  missing: {chr(9).join(r)}" for r in missing.elements()]
    lines += [f"  unexpected: {chr(9).join(r)}" for r in extra.elements()]
    if not lines and ordered and want != got:
        first = next(i for i, (w, g) in enumerate(zip(want, got, strict=True)) if w != g)
        lines.append(f"  same rows, wrong order from row {first + 1}:")
        lines.append(f"    expected: {chr(9).join(want[first])}")
        lines.append(f"    got:      {chr(9).join(got[first])}")
    if not lines:
        return ""
    head = f"expected {len(want)} rows, got {len(got)} (?{' ?'.join(expected.variables)})"
    return "\n".join([head, *lines])


def compare(query_file: Path, store: Store) -> str:
    """Run one question and compare it with its expected file; empty string when they agree.

    The message names the question and, for a known gap, what the data still lacks."""
    query_file = Path(query_file)
    header = read_header(query_file)
    diff = diff_results(
        load_expected(expected_file(query_file)),
        run_query(query_file, store),
        ordered=header.ordered,
    )
    if not diff:
        return ""
    gap = f"\nKnown gap: {header.known_gap}" if header.known_gap else ""
    return f"{query_file.name}: {header.question}\n{diff}{gap}"


def build_store(project_dir: Path = PROJECT) -> Store:
    """An in-memory store loaded exactly as ``histkg load`` loads ``ontology/`` and ``data/``."""
    store = Store("memory")
    store.load_curated(project_dir)
    return store


def main(argv: list[str]) -> int:
    """Check the questions (all, or those whose number is given); exit 1 if any differ."""
    store = build_store()
    failed = 0
    for query_file in questions():
        if argv and query_file.name[:2] not in argv:
            continue
        header = read_header(query_file)
        diff = compare(query_file, store)
        status = "ok" if not diff else ("KNOWN GAP" if header.known_gap else "FAIL")
        print(f"{status:9} {query_file.name}")
        if diff:
            failed += 1
            print("  " + diff.replace("\n", "\n  "))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
