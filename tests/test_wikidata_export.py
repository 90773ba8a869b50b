"""`histkg wikidata export`: cited claims as QuickStatements v1, after a review.

The seed page as it is (its books unlinked) and the seed page with its books, two letters and
Radek linked to fixture items (``tests/fixtures/wikidata_export/links.ttl``). Every output is
checked against the QuickStatements v1 grammar (``tests/qs_syntax.py``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from qs_syntax import Command, parse, value_error
from typer.testing import CliRunner

from app.cli import cli
from app.errors import InputError
from app.linking.export import Export, Statement, collect, time_values
from app.linking.export_review import export_to_file, read_decisions, render, write_review
from app.settings import Settings
from app.store import Store

REPO = Path(__file__).resolve().parent.parent
LINKS = Path(__file__).parent / "fixtures" / "wikidata_export" / "links.ttl"
ID = "https://w3id.org/histkg/id/"
RETRIEVED = "+2026-12-07T00:00:00Z/11"


@pytest.fixture(scope="module")
def seed() -> Iterator[Store]:
    """The curated graph as it is."""
    with Store("memory") as store:
        store.load_curated(REPO)
        yield store


@pytest.fixture(scope="module")
def linked() -> Iterator[Store]:
    """The curated graph with the fixture links."""
    with Store("memory") as store:
        store.load_curated(REPO)
        store.load_files([LINKS])
        yield store


def _lines(export: Export) -> list[str]:
    return [line for s in export.statements for line in s.lines(export.retrieved)]


def _statements(text: str) -> list[Command]:
    commands, errors = parse(text)
    assert errors == []
    return [c for c in commands if c.kind == "statement" and c.entity != "LAST"]


def _by_property(export: Export, subject: str, prop: str) -> list[Statement]:
    return [s for s in export.statements if s.subject == subject and s.prop == prop]


# ------------------------------------------------------------------ the grammar checker itself


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("Q1\tP585\t+1931-09-18T00:00:00Z/10", "day 18 given at precision 10"),
        ("Q1\tP585\t+1931-02-30T00:00:00Z/11", "no such day"),
        ("Q1\tP710\tQ2\tS248", "without a value"),
        ("Q1\tP710\tQ2\tS248\tQ3\tP1480\tQ4", "qualifier P1480 after the sources"),
        ('Q1\tP1683\ten:"a | b"', "not a value"),
        ("LAST\tP31\tQ5", "LAST before any CREATE"),
        ("Q1\tP710", "needs an entity, a property and a value"),
    ],
)
def test_the_syntax_checker_refuses_malformed_commands(line: str, problem: str) -> None:
    _, errors = parse(line)
    assert any(problem in error for error in errors), errors


def test_the_syntax_checker_accepts_the_documented_examples() -> None:
    text = "\n".join(
        [
            "Q4115189\tP31\tQ1",
            'Q4115189\tP1476\ten:"A title"\tP1480\tQ5727902\tS248\tQ5\tS304\t"12–13"',
            "CREATE",
            'LAST\tLen\t"A label"',
            "LAST\tP577\t+1969-00-00T00:00:00Z/9",
            "Q1\tP625\t@43.26193/10.92708",
        ]
    )
    assert parse(text)[1] == []


# ----------------------------------------------------------------------------- the seed page


def test_the_seed_page_proposes_its_two_books_and_exports_no_statement_without_s248(
    seed: Store,
) -> None:
    export = collect(seed, retrieved="2026-12-07")
    assert sorted(book.label for book in export.books) == [
        "Russia’s Road from Peace to War (Fischer, 1969)",
        "Stalin i Kaganovich. Perepiska. 1931–1936 gg. (2001)",
    ]
    assert export.statements, "the linked events' statements are found"
    # The linked events' claims rest on the page's unidentified book and on footnote 3's book
    # (paragraph scope), which is proposed as a new item: they wait for it, none goes out.
    assert {s.status for s in export.statements} == {"waiting"}
    assert _lines(export) == []
    reasons = {s.reason for s in export.statements}
    assert reasons == {"waits until the proposed book item is created and linked (owl:sameAs)"}


def test_a_proposed_book_is_a_valid_create_block(seed: Store) -> None:
    export = collect(seed, retrieved="2026-12-07")
    fischer = next(b for b in export.books if "Fischer" in b.label)
    commands, errors = parse("\n".join(fischer.commands))
    assert errors == []
    assert commands[0].kind == "create"
    pairs = {(c.property, c.value) for c in commands[1:]}
    assert ("Len", '"Russia’s Road from Peace to War: Soviet Foreign Relations 1917–1941"') in pairs
    assert ("P31", "Q571") in pairs
    assert (
        "P1476",
        'en:"Russia’s Road from Peace to War: Soviet Foreign Relations 1917–1941"',
    ) in (pairs)
    assert ("P2093", '"Louis Fischer"') in pairs  # the author, not linked: a name string
    assert ("P577", "+1969-00-00T00:00:00Z/9") in pairs
    stalin = next(b for b in export.books if "Kaganovich" in b.label)
    pairs = {(c.property, c.value) for c in parse("\n".join(stalin.commands))[0][1:]}
    assert ("P291", "Q649") in pairs  # Moscow, linked
    assert not any(p == "P1476" for p, _ in pairs)  # a transliterated title is left to a person
    assert any("transliteration" in note for note in stalin.notes)


def test_supplied_and_reported_claims_are_left_out_by_default(seed: Store) -> None:
    export = collect(seed)
    claims = {s.claim for s in export.statements}
    assert ID + "claim/japanese-invasion-of-manchuria-dates" not in claims  # from Wikidata
    assert ID + "claim/radek-stalin-feared-japanese-polish-attack" not in claims
    assert export.skipped["reported (use --reported)"] == 1


# ------------------------------------------------------------------- with books linked


def test_linked_books_let_the_statements_out_each_with_s248(linked: Store) -> None:
    export = collect(linked, retrieved="2026-12-07")
    lines = _lines(export)
    commands = _statements("\n".join(lines))
    assert len(commands) >= 10
    for command in commands:
        sources = dict(command.sources)
        assert sources["S248"].startswith("Q990000"), command
        assert sources["S813"] == RETRIEVED
    assert not [b for b in export.books if "Kaganovich" in b.label]  # linked: no proposal


def test_the_letter_maps_to_author_addressee_inception_with_page_and_quotation(
    linked: Store,
) -> None:
    export = collect(linked, retrieved="2026-12-07")
    letter = "Q990000104"
    assert [s.value for s in _by_property(export, letter, "P50")] == ["Q855"]
    assert [s.value for s in _by_property(export, letter, "P1817")] == ["Q215705"]
    (inception,) = _by_property(export, letter, "P571")
    assert inception.value == "+1931-09-14T00:00:00Z/11"
    commands = _statements("\n".join(inception.lines(export.retrieved)))
    by_book = {dict(c.sources)["S248"]: c.sources for c in commands}
    assert by_book["Q990000102"] == [
        ("S248", "Q990000102"),
        ("S304", '"103"'),
        ("S1683", 'en:"is necessary to be more careful with Japan"'),
        ("S813", RETRIEVED),
    ]
    assert dict(by_book["Q990000101"])["S304"] == '"129"'  # the page itself, a second reference
    assert inception.footnote.startswith("Stalin i Kaganovich. Perepiska.")
    assert "14 September" in inception.passage


def test_events_map_to_participant_location_and_dates(linked: Store) -> None:
    export = collect(linked, retrieved="2026-12-07")
    war, invasion, mukden = "Q159950", "Q1551794", "Q242099"
    assert sorted(s.value for s in _by_property(export, war, "P710")) == ["Q188712", "Q34266"]
    assert [s.value for s in _by_property(export, war, "P580")] == ["+1904-00-00T00:00:00Z/9"]
    assert [s.value for s in _by_property(export, war, "P582")] == ["+1905-00-00T00:00:00Z/9"]
    assert [s.value for s in _by_property(export, invasion, "P276")] == ["Q81126"]
    assert [s.value for s in _by_property(export, invasion, "P710")] == ["Q188712"]
    assert [s.value for s in _by_property(export, mukden, "P585")] == ["+1931-09-18T00:00:00Z/11"]
    assert all(s.status == "ready" for s in export.statements)


def test_a_relative_date_exports_its_resolved_value_with_a_note(linked: Store) -> None:
    export = collect(linked, retrieved="2026-12-07")
    (writing,) = _by_property(export, "Q990000105", "P571")
    assert writing.value == "+1931-09-23T00:00:00Z/11"
    assert any(
        "five days after the Mukden Incident" in n and "resolved" in n for n in writing.notes
    )


@pytest.mark.parametrize(
    ("edtf", "begin", "end", "values", "qualifiers"),
    [
        ("1931-09-18", "", "", [("point", "+1931-09-18T00:00:00Z/11")], []),
        ("1931-09", "", "", [("point", "+1931-09-00T00:00:00Z/10")], []),
        ("1932", "", "", [("point", "+1932-00-00T00:00:00Z/9")], []),
        (
            "1932-22",
            "1932-06-01T00:00:00",
            "1932-08-31T23:59:59",
            [("point", "+1932-00-00T00:00:00Z/9")],
            [],
        ),
        (
            "1932-24",  # winter: December of its year to February of the next
            "1932-12-01T00:00:00",
            "1933-02-28T23:59:59",
            [("point", "+1932-00-00T00:00:00Z/9")],
            [("P1480", "Q5727902")],
        ),
        (
            "[1931-10-02..1931-10-30]",
            "1931-10-02T00:00:00",
            "1931-10-30T23:59:59",
            [("point", "+1931-10-00T00:00:00Z/10")],
            [],
        ),
        (
            "1904/1905",
            "",
            "",
            [("start", "+1904-00-00T00:00:00Z/9"), ("end", "+1905-00-00T00:00:00Z/9")],
            [],
        ),
        ("1931~", "", "", [("point", "+1931-00-00T00:00:00Z/9")], [("P1480", "Q5727902")]),
        ("1931?", "", "", [("point", "+1931-00-00T00:00:00Z/9")], [("P1480", "Q18122778")]),
    ],
)
def test_dates_go_out_at_the_precision_the_source_supports(
    edtf: str,
    begin: str,
    end: str,
    values: list[tuple[str, str]],
    qualifiers: list[tuple[str, str]],
) -> None:
    found, snaks, _ = time_values(edtf, begin, end)
    assert found == values
    assert [(s.property, s.value) for s in snaks] == qualifiers
    assert all(value_error(value) is None for _, value in found)


def test_a_date_spanning_decades_is_not_exported() -> None:
    found, _, notes = time_values("[1929..1931]", "1929-01-01T00:00:00", "1931-12-31T23:59:59")
    assert found == []
    assert notes == ["the date [1929..1931] is not exported"]


# -------------------------------------------------------------------------- reported claims


def test_a_reported_claim_carries_allegedly_its_informant_and_its_reporters_work(
    linked: Store,
) -> None:
    export = collect(linked, reported=True, retrieved="2026-12-07")
    (statement,) = _by_property(export, "Q990000107", "P710")
    assert statement.value == "Q855"
    (command,) = _statements("\n".join(statement.lines(export.retrieved)))
    assert command.qualifiers == [("P1480", "Q32188232"), ("P3680", "Q990000106")]
    # only the reporter's (Fischer's) book, not the historian's page that passes it on
    assert command.sources == [("S248", "Q990000103"), ("S304", '"222"'), ("S813", RETRIEVED)]


def test_a_reported_claim_whose_informant_is_not_linked_is_refused(tmp_path: Path) -> None:
    links = tmp_path / "links.ttl"
    kept = [
        line
        for line in LINKS.read_text(encoding="utf-8").splitlines()
        if "person:karl-radek" not in line
    ]
    links.write_text("\n".join(kept) + "\n", encoding="utf-8")
    with Store("memory") as store:
        store.load_curated(REPO)
        store.load_files([links])
        export = collect(store, reported=True)
    (statement,) = _by_property(export, "Q990000107", "P710")
    assert statement.status == "refused"
    assert statement.reason == "reported claim: its informant (Karl Radek) is not linked"
    assert statement.lines(export.retrieved) == []


# ----------------------------------------------------------------------------- the review


def test_only_accepted_lines_become_quickstatements(linked: Store, tmp_path: Path) -> None:
    export = collect(linked, retrieved="2026-12-07")
    review = tmp_path / "review.tsv"
    write_review(export, review)
    header = review.read_text(encoding="utf-8").splitlines()[1].split("\t")
    assert header[:2] == ["decision", "id"]
    assert "passage" in header
    assert "footnote" in header
    chosen = _by_property(export, "Q990000104", "P1817")[0]
    text = review.read_text(encoding="utf-8").replace(f"\t{chosen.id}\t", f"accept\t{chosen.id}\t")
    review.write_text(text, encoding="utf-8")
    result = render(export, read_decisions(review), review)
    assert {(c.entity, c.property, c.value) for c in _statements("\n".join(result.commands))} == {
        ("Q990000104", "P1817", "Q215705")
    }
    assert (result.books, result.statements) == (0, 1)


def test_an_accepted_book_becomes_its_create_block(seed: Store, tmp_path: Path) -> None:
    export = collect(seed, retrieved="2026-12-07")
    review = tmp_path / "review.tsv"
    write_review(export, review)
    fischer = next(b for b in export.books if "Fischer" in b.label)
    text = review.read_text(encoding="utf-8").replace(
        f"\t{fischer.id}\t", f"accept\t{fischer.id}\t"
    )
    review.write_text(text, encoding="utf-8")
    result = render(export, read_decisions(review), review)
    assert result.commands == list(fischer.commands)
    assert (result.books, result.statements) == (1, 0)


def test_an_accepted_line_that_cannot_go_out_fails_the_export(seed: Store, tmp_path: Path) -> None:
    export = collect(seed)
    refused = export.statements[0]
    with pytest.raises(InputError, match="cannot be exported: waits until the proposed book"):
        render(export, {refused.id: 3}, tmp_path / "review.tsv")
    with pytest.raises(InputError, match="no longer matches the data"):
        render(export, {"s-0000000000": 4}, tmp_path / "review.tsv")


def test_the_command_writes_the_review_then_the_accepted_statements(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for folder in ("ontology", "data"):
        shutil.copytree(REPO / folder, project / folder)
    shutil.copy(LINKS, project / "data" / "fixture-links.ttl")
    output, runner = tmp_path / "out.qs", CliRunner()
    env = {"HISTKG_PROJECT_DIR": str(project), "HISTKG_STORE": "memory"}
    args = ["wikidata", "export", "--output", str(output), "--entity", "person/lazar-kaganovich"]
    first = runner.invoke(cli, args, env=env)
    assert first.exit_code == 0, first.output
    assert "Wrote the review file" in first.output
    assert not output.exists()
    review = tmp_path / "out.qs.review.tsv"
    lines = review.read_text(encoding="utf-8").splitlines()
    accepted = [
        "accept" + line if "\tready\t" in line else line for line in lines
    ]  # accept every ready statement
    review.write_text("\n".join(accepted) + "\n", encoding="utf-8")
    second = runner.invoke(cli, args, env=env)
    assert second.exit_code == 0, second.output
    statements = _statements(output.read_text(encoding="utf-8"))
    assert statements
    assert all("S248" in dict(c.sources) for c in statements)
    assert {c.entity for c in statements} <= {"Q990000104", "Q990000102"}


def test_export_to_file_reads_an_existing_review(linked: Store, tmp_path: Path) -> None:
    settings = Settings(store="memory", project_dir=REPO)
    run = export_to_file(settings, tmp_path / "a.qs", store=linked)
    assert run.wrote_review
    assert "Statements:" in run.to_text()
    again = export_to_file(settings, tmp_path / "a.qs", store=linked)
    assert again.result is not None
    assert again.result.commands == []


def test_an_unknown_claim_or_entity_is_refused_with_a_hint(tmp_path: Path) -> None:
    settings = Settings(store="memory", project_dir=REPO)
    with pytest.raises(InputError, match="claim/no-such-claim: no such claim"):
        export_to_file(settings, tmp_path / "a.qs", claims=["claim/no-such-claim"])
    with pytest.raises(InputError, match="person/nobody: no such entity"):
        export_to_file(settings, tmp_path / "a.qs", entities=["person/nobody"])
    assert not (tmp_path / "a.qs.review.tsv").exists()
