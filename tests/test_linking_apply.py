"""``histkg link --apply``: accepted links go into data/ as owl:sameAs, checked by SHACL.

Every test works on a copy of the project (ontology/ and data/ under tmp_path); a module
fixture checks that the real data/ is byte for byte what it was.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner, Result

from app.cli import cli
from app.linking import ExtractSource, propose, read_review, unlinked, write_review
from app.linking.records import load_records
from app.linking.review import ReviewRow
from app.store import Store
from app.validate import validate_paths

REPO = Path(__file__).resolve().parent.parent
EXTRACT = Path(__file__).parent / "fixtures" / "linking" / "extract.json"
ID = "https://w3id.org/histkg/id/"
SAME_AS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
runner = CliRunner()


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(autouse=True, scope="module")
def _real_data_untouched() -> Iterator[None]:
    before = _digest(REPO / "data")
    yield
    assert _digest(REPO / "data") == before


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for folder in ("ontology", "data"):
        shutil.copytree(REPO / folder, root / folder)
    return root


@pytest.fixture(scope="module")
def proposals() -> list[ReviewRow]:
    store = Store("memory")
    store.load_curated(REPO)
    return propose(unlinked(load_records(store)), ExtractSource(EXTRACT))


def decide(
    rows: list[ReviewRow], choices: dict[tuple[str, int], str], typed: dict[str, str] | None = None
) -> list[ReviewRow]:
    """Rows with the curator's decisions: ``(entity path, rank): decision``; ``typed`` puts a
    QID of the curator's choosing on an entity's rank-0 row and accepts it."""
    decided = []
    for row in rows:
        key = (row.entity[len(ID) :], row.rank)
        if key in choices:
            row = replace(row, decision=choices[key])
        if typed and row.rank == 0 and row.entity[len(ID) :] in typed:
            row = replace(row, decision="accept", qid=typed[row.entity[len(ID) :]])
        decided.append(row)
    return decided


def apply(project: Path, review: Path) -> Result:
    env = {"HISTKG_PROJECT_DIR": str(project), "HISTKG_STORE": str(project / "store")}
    return runner.invoke(cli, ["link", "--apply", str(review)], env=env)


def triples(path: Path) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)}


def test_accepted_links_are_written_validated_and_reported(
    project: Path, tmp_path: Path, proposals: list[ReviewRow]
) -> None:
    review = tmp_path / "review.tsv"
    choices = {
        ("person/karl-radek", 1): "accept",
        ("person/maksim-litvinov", 1): "accept",
        ("person/maksim-litvinov", 2): "reject",
        ("group/izvestiia", 1): "accept",
        ("person/louis-fischer", 1): "reject",
        ("person/louis-fischer", 2): "accept",  # the curator picks the second candidate
    }
    write_review(decide(proposals, choices, typed={"place/kremlin": "Q990000099"}), review)
    entities = project / "data" / "entities.ttl"
    before_text, before = entities.read_text(encoding="utf-8"), triples(entities)

    result = apply(project, review)

    assert result.exit_code == 0, result.output
    added = {
        "person/karl-radek": "Q990000001",
        "person/maksim-litvinov": "Q990000002",
        "group/izvestiia": "Q990000006",
        "person/louis-fischer": "Q990000005",
        "place/kremlin": "Q990000099",
    }
    expected = {
        ox.Triple(
            ox.NamedNode(ID + e), SAME_AS, ox.NamedNode(f"http://www.wikidata.org/entity/{q}")
        )
        for e, q in added.items()
    }
    assert triples(entities) == before | expected
    new_lines = set(entities.read_text(encoding="utf-8").splitlines()) - set(
        before_text.splitlines()
    )
    assert new_lines == {f"    owl:sameAs wd:{q} ;" for q in added.values()}
    text = entities.read_text(encoding="utf-8").splitlines()
    for qid in added.values():  # each link sits where the curated file keeps links
        line = text.index(f"    owl:sameAs wd:{qid} ;")
        assert text[line + 1].lstrip().startswith("hk:mention ")
    assert (
        "+ <https://w3id.org/histkg/id/person/karl-radek> owl:sameAs wd:Q990000001" in result.stdout
    )
    assert (
        "5 link(s) added to data/entities.ttl; 0 already there; 2 row(s) rejected" in result.stdout
    )
    line_of = result.stdout.split("karl-radek> owl:sameAs wd:Q990000001  # Karl Radek (")[1]
    assert text[int(line_of.split(":")[1].split(")")[0]) - 1] == "    owl:sameAs wd:Q990000001 ;"
    assert validate_paths(None, project).conforms

    again = apply(project, review)
    assert again.exit_code == 0, again.output
    assert "0 link(s) added to no file; 5 already there" in again.stdout
    assert triples(entities) == before | expected


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        (
            {("person/karl-radek", 1): "accept", ("person/karl-radek", 0): "accept"},
            "accept 2 items",
        ),
        (
            {("person/louis-fischer", 1): "accept", ("person/louis-fischer", 2): "accept"},
            "accept 2 items for <https://w3id.org/histkg/id/person/louis-fischer>",
        ),
    ],
)
def test_two_accepted_rows_for_one_entity_are_refused(
    project: Path,
    tmp_path: Path,
    proposals: list[ReviewRow],
    choices: dict[tuple[str, int], str],
    message: str,
) -> None:
    review = tmp_path / "review.tsv"
    rows = decide(proposals, choices)
    if ("person/karl-radek", 0) in choices:  # a second row the curator added by hand
        radek = next(r for r in rows if r.entity == ID + "person/karl-radek")
        rows.append(replace(radek, rank=0, qid="Q990000004"))
    write_review(rows, review)
    before = _digest(project / "data")
    result = apply(project, review)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    lines = [str(r.line) for r in read_review(review) if r.decision == "accept"]
    assert f"lines {', '.join(lines)} accept" in result.stderr
    assert _digest(project / "data") == before


def _single(tmp_path: Path, entity: str, qid: str, decision: str = "accept") -> Path:
    review = tmp_path / "review.tsv"
    row = ReviewRow(decision, ID + entity, "", "", "", 1, qid, "", "", "", "", "")
    write_review([row], review)
    return review


@pytest.mark.parametrize(
    ("entity", "qid", "message"),
    [
        ("person/karl-radek", "not-a-qid", "no valid QID ('not-a-qid')"),
        ("person/karl-radek", "https://www.wikidata.org/wiki/Q1", "no valid QID"),
        (
            "person/nobody",
            "Q990000001",
            "<https://w3id.org/histkg/id/person/nobody> is not an entity of data/",
        ),
        (
            "person/kliment-voroshilov",
            "Q990000010",
            "is already owl:sameAs wd:Q186185; delete that link first to replace it with "
            "wd:Q990000010",
        ),
        (
            "person/karl-radek",
            "Q855",
            "wd:Q855 is already linked to <https://w3id.org/histkg/id/person/joseph-stalin>",
        ),
    ],
)
def test_bad_decisions_are_refused_and_nothing_is_written(
    project: Path, tmp_path: Path, entity: str, qid: str, message: str
) -> None:
    before = _digest(project / "data")
    result = apply(project, _single(tmp_path, entity, qid))
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "nothing was written" in result.stderr.lower()
    assert _digest(project / "data") == before


def test_an_unknown_decision_names_its_line(project: Path, tmp_path: Path) -> None:
    result = apply(project, _single(tmp_path, "person/karl-radek", "Q990000001", "maybe"))
    assert result.exit_code == 1
    assert "review.tsv:2: unknown decision 'maybe'" in result.stderr


def test_a_link_that_breaks_the_shapes_is_not_written(project: Path, tmp_path: Path) -> None:
    entities = project / "data" / "entities.ttl"
    text = entities.read_text(encoding="utf-8").replace(
        "person:karl-radek a crm:E21_Person ;",
        "person:karl-radek a crm:E21_Person ;\n    owl:sameAs <https://www.wikidata.org/wiki/Q1> ;",
    )
    entities.write_text(text, encoding="utf-8")
    before = _digest(project / "data")
    result = apply(project, _single(tmp_path, "person/karl-radek", "Q990000001"))
    assert result.exit_code == 1, result.output
    assert "At most one owl:sameAs per entity" in result.stdout
    assert "nothing was written" in result.stdout
    assert _digest(project / "data") == before


def test_a_review_file_reads_back_what_was_written(
    tmp_path: Path, proposals: list[ReviewRow]
) -> None:
    path = tmp_path / "review.tsv"
    write_review(proposals, path)
    again = read_review(path)
    assert [replace(row, line=0) for row in again] == proposals
    assert again[0].line == 2
    (tmp_path / "edited.tsv").write_text(
        "# the curator's notes\nqid\tentity\tdecision\nQ990000001\t"
        + ID
        + "person/karl-radek\tACCEPT\n"
    )
    [row] = read_review(tmp_path / "edited.tsv")
    assert (row.decision, row.qid, row.line) == ("accept", "Q990000001", 3)
