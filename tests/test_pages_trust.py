"""Pages a historian trusts at a glance (issue 16): what every page says, checked on all of them.

Every entity page of the curated graph is built and rendered once in this process (the HTTP
side is covered by ``test_pages_all.py``); the tests then read the pages by selecting elements.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from bs4 import BeautifulSoup
from htmlparts import one, text
from test_pages_all import BASE, entities

from app.ingest.graph import GraphIndex
from app.ingest.pipeline import Ingester
from app.pages.entity import entity_page
from app.pages.render import render
from app.read import read_model
from app.renames import renamed_to
from app.routes.pages import page_settings
from app.settings import Settings
from app.store import Store
from app.vocab import SKOS

SEED = Path(__file__).resolve().parent.parent / "seeds" / "moscow-versus-tokyo-p129.txt"


@pytest.fixture(scope="module")
def rendered(curated_store: Store, curated_settings: Settings) -> dict[str, BeautifulSoup]:
    """Every entity page, by path, as parsed HTML (a renamed IRI has none: it redirects)."""
    settings = page_settings(curated_settings)
    found = {}
    for iri in entities(curated_store):
        if renamed_to(curated_store, iri, BASE) is not None:
            continue
        page = entity_page(read_model(curated_store), iri, settings)
        assert page is not None, iri
        found["/id/" + iri.removeprefix(BASE)] = BeautifulSoup(render(page), "html.parser")
    return found


def _fold(words: str) -> str:
    """White space folded; outer punctuation and quotation marks dropped."""
    return " ".join(words.split()).strip(" .,;:\u201c\u201d\"'")


@pytest.fixture(scope="module")
def quoted_spans() -> list[str]:
    """What the seed page prints between quotation marks, as the ingest repair reads it."""
    repaired = Ingester(GraphIndex()).ingest(SEED.read_text(encoding="utf-8")).text
    spans = [_fold(span) for span in re.findall(r"\u201c([^\u201d]*)\u201d", repaired)]
    assert len(spans) >= 5  # the seed quotes Stalin seven times
    return spans


def _quotations(html: BeautifulSoup) -> Iterator[str]:
    """Every text the page shows as a quotation: <q> and the letters' quotation blocks."""
    for element in html.select("main q, main blockquote.quotation > p"):
        yield text(element)


def test_every_quotation_shown_is_printed_in_quotation_marks_on_the_source_page(
    rendered: dict[str, BeautifulSoup], quoted_spans: list[str]
) -> None:
    problems = []
    shown = 0
    for path, html in rendered.items():
        for quotation in _quotations(html):
            shown += 1
            words = _fold(re.sub(r"\s*\d+$", "", quotation))  # a footnote mark may follow
            if not any(words in span for span in quoted_spans):
                problems.append(f"{path}: “{words}” is not quoted on the source page")
    assert shown > 20
    assert not problems, "\n".join(sorted(set(problems))[:20])


@pytest.mark.parametrize(
    ("path", "indirect"),
    [
        ("/id/event/stalin-admission-according-to-radek", "That he feared a simultaneous"),
        ("/id/document/stalin-to-kaganovich-1931-09-14", "Taking a principled position"),
    ],
)
def test_indirect_speech_is_not_shown_in_quotation_marks(
    rendered: dict[str, BeautifulSoup], path: str, indirect: str
) -> None:
    summary = one(rendered[path], "section.summary")
    assert indirect in text(summary)
    assert "\u201c" + indirect not in text(summary)
    assert all(indirect not in text(q) for q in summary.select("q"))


def _unlabelled(store: Store) -> set[str]:
    """IRIs of the graph's own resources that the data gives no label."""
    rows = store.query(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT DISTINCT ?x WHERE { { ?x ?p ?o } UNION { ?s ?p ?x } FILTER(isIRI(?x))"
        " FILTER NOT EXISTS { ?x rdfs:label|skos:prefLabel ?label } }"
    ).rows
    found = {row[0].value for row in rows if isinstance(row[0], ox.NamedNode)}
    return {iri for iri in found if iri.startswith(BASE)}


def test_no_page_names_a_resource_by_its_slug(
    rendered: dict[str, BeautifulSoup], curated_store: Store
) -> None:
    """Passages, selectors and attributions have no label in the data; a page names them by
    what they are ("passage: On 14 September ...", "Karl Radek as informant"), never by the
    slug of their IRI ("radek informant", "fn2 marker")."""
    unlabelled = _unlabelled(curated_store)
    assert len(unlabelled) > 100  # the passages and their selectors
    problems = []
    for path, html in rendered.items():
        shown = [("h1", path, text(one(html, "main h1")))]
        shown += [("link", str(a["href"]), text(a)) for a in html.select("main a[href^='/id/']")]
        for where, href, words in shown:
            iri = BASE + href.removeprefix("/id/").split("#")[0].split("?")[0]
            slug = iri.rsplit("/", 1)[-1].replace("-", " ")
            if iri in unlabelled and words.casefold().rstrip("0123456789 ") == slug:
                problems.append(f"{path}: {where} “{words}” ({href})")
    assert not problems, "\n".join(sorted(set(problems))[:20])


@pytest.mark.parametrize(
    ("path", "search"),
    [
        ("/id/note/p129-fn2", False),
        ("/id/claim/radek-stalin-feared-japanese-polish-attack", False),
        ("/id/anchor/p129/radek-report", False),
        ("/id/person/karl-radek", True),
        ("/id/event/mukden-incident", True),
    ],
)
def test_a_wikidata_search_is_offered_only_for_real_world_things(
    rendered: dict[str, BeautifulSoup], path: str, search: bool
) -> None:
    html = rendered[path]
    offered = [a for a in html.select("section.identifiers a") if "Search Wikidata" in text(a)]
    linked = html.select("section.identifiers a[href^='https://www.wikidata.org/wiki/']")
    assert bool(offered) == (search and not linked)


def test_load_bookkeeping_and_renamed_iris_are_not_links_in(
    rendered: dict[str, BeautifulSoup],
) -> None:
    for path in ("/id/claim/radek-stalin-feared-japanese-polish-attack",):
        inbound = rendered[path].select_one("section.inbound")
        words = text(inbound) if inbound is not None else ""
        assert "meta" not in words.split()
        assert "curated" not in words.casefold()
    event = rendered["/id/event/stalin-admission-according-to-radek"]
    assert not event.select("section.inbound a[href='/id/event/stalin-admission-to-radek']")


def test_passages_are_shown_repaired_with_the_printed_form_a_click_away(
    rendered: dict[str, BeautifulSoup],
) -> None:
    html = rendered["/id/group/izvestiia"]
    passages = html.select("figure.passage")
    repaired = [p for p in passages if "imperialist pacifists" in text(p.select_one("blockquote"))]
    assert repaired, "the passage of Stalin's suggestions is shown repaired"
    shown = text(repaired[0].select_one("blockquote"))
    assert "suggested that Pravda denounce" in shown
    printed = text(one(repaired[0], "details.printed"))
    assert "thatPravdadenounce" in printed
    assert "pacists" in printed


def test_no_page_shows_the_running_header_or_extraction_damage_outside_the_printed_form(
    rendered: dict[str, BeautifulSoup],
) -> None:
    damage = re.compile(r"\u00cb|\b(?:exible|Aairs|inuence|pacists|paperPravdato)\b")
    problems = []
    for path, html in rendered.items():
        for figure in html.select("figure.passage blockquote"):
            found = damage.findall(text(figure))
            if found:
                problems.append(f"{path}: {found}")
    assert not problems, "\n".join(problems[:10])


def test_what_an_event_section_shows_is_not_repeated_in_the_statements(
    rendered: dict[str, BeautifulSoup],
) -> None:
    html = rendered["/id/event/stalin-admission-according-to-radek"]
    summary = text(one(html, "section.summary"))
    statements = html.select_one("section.statements")
    rest = text(statements) if statements is not None else ""
    assert "That he feared" in summary
    assert "That he feared" not in rest
    assert "Joseph Stalin" not in rest


def test_a_place_only_named_in_a_claim_is_not_where_its_events_happened(
    rendered: dict[str, BeautifulSoup],
) -> None:
    html = rendered["/id/place/kremlin"]
    happened = one(html, "section[aria-labelledby=involvement-title]")
    assert text(one(happened, "h2")) == "What happened there"
    assert not happened.select("a[href='/id/event/bednyi-poem-publication']")
    named = one(html, "section.mentioned")
    assert named.select("a[href='/id/event/bednyi-poem-publication']")


def test_a_newspaper_is_not_asked_what_happened_there(
    rendered: dict[str, BeautifulSoup],
) -> None:
    html = rendered["/id/group/izvestiia"]
    heading = text(one(html, "#involvement-title"))
    assert heading == "What it took part in or was involved in"


def test_cite_this_gives_book_page_and_footnote_for_a_claim_and_a_page(
    rendered: dict[str, BeautifulSoup],
) -> None:
    claim = rendered["/id/claim/stalin-letter-to-kaganovich-1931-09-14"]
    cite = text(one(claim, "p.cite-source"))
    assert "running header \u201cMoscow versus Tokyo\u201d, p. 129, n. 3" in cite
    assert cite.endswith("citing Stalin i Kaganovich, p. 103.")
    page = rendered["/id/source/stalin-i-kaganovich-2001-p103"]
    assert text(one(page, "p.cite-source")).endswith(", p. 103.")
    assert not rendered["/id/person/karl-radek"].select("p.cite-source")


ROOT = SEED.parent.parent
SCHEMA_LICENSE = rdflib.URIRef("https://schema.org/license")
# Pages that are not entity pages, one of each template (the workbench's sign-in included).
OTHER_PAGES = (
    "/",
    "/search?q=stalin",
    "/browse",
    "/network",
    "/map",
    "/dump/",
    "/history",
    "/signin",
)


def test_every_page_states_the_data_and_code_licences_the_void_description_gives(
    rendered: dict[str, BeautifulSoup], pages: httpx.Client
) -> None:
    void = pages.get("/.well-known/void", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=void.text, format="turtle")
    data = {str(o) for o in graph.objects(None, rdflib.DCTERMS.license)}
    code = {str(o) for o in graph.objects(None, SCHEMA_LICENSE)}
    assert data == {"https://creativecommons.org/licenses/by/4.0/"}
    assert code == {"https://www.apache.org/licenses/LICENSE-2.0"}
    shown = dict(rendered)
    for path in OTHER_PAGES:
        response = pages.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200, path
        shown[path] = BeautifulSoup(response.text, "html.parser")
    shown["/no/such/page"] = BeautifulSoup(
        pages.get("/id/person/nobody-at-all", headers={"Accept": "text/html"}).text, "html.parser"
    )
    for path, html in shown.items():
        assert one(html, "footer a[rel=license]")["href"] in data, path
        assert one(html, "footer a.code-licence")["href"] in code, path


def test_the_repository_ships_the_apache_licence_its_metadata_names() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "END OF TERMS AND CONDITIONS" in licence
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_a_page_shows_a_passage_once(rendered: dict[str, BeautifulSoup]) -> None:
    """A later footnote citing a passage shown before gives its highlighted words and a link
    to the note that shows it, not the passage again."""
    problems = []
    referring = 0
    for path, html in rendered.items():
        shown = [text(quote) for quote in html.select("figure.passage blockquote")]
        if len(shown) != len(set(shown)):
            problems.append(path)
        for ref in html.select("p.passage-ref"):
            referring += 1
            target = str(one(ref, "a")["href"]).removeprefix("#")
            assert html.select(f"li#{target} figure.passage"), f"{path}: {target}"
    assert referring > 0
    assert not problems, problems[:10]


def test_a_report_is_named_once_above_a_section_resting_on_it(
    rendered: dict[str, BeautifulSoup],
) -> None:
    summary = one(rendered["/id/event/stalin-admission-according-to-radek"], "section.summary")
    assert "according to Karl Radek, as told by Louis Fischer" in text(
        one(summary, "p.section-reported")
    )
    assert text(summary).count("according to Karl Radek") == 1


def test_the_23_september_writing_is_headed_as_the_page_gives_it_not_as_a_letter(
    rendered: dict[str, BeautifulSoup],
) -> None:
    """The page says only "Stalin wrote:"; footnote 4's citation of the published
    correspondence is the curators' note, not the heading."""
    for path in ("/id/document/stalin-writing-1931-09-23", "/id/event/stalin-writes-1931-09-23"):
        html = rendered[path]
        head = text(one(html, ".entity-head"))
        summary = " ".join(text(h) for h in html.select("main h2"))
        assert "letter" not in (head + summary).casefold(), path
    document = rendered["/id/document/stalin-writing-1931-09-23"]
    assert text(one(document, "#letter-title")) == "The writing"
    note = " ".join(text(p) for p in document.select(".editorial p, .editorial li"))
    assert "Footnote 4" in note
    assert "does not say so" in note
    # The letter of 14 September, which the page calls a letter, keeps its heading.
    letter = rendered["/id/document/stalin-to-kaganovich-1931-09-14"]
    assert text(one(letter, "#letter-title")) == "The letter"


_LETTERS_AND_WRITINGS = """
PREFIX crm: <http://www.cidoc-crm.org/cidoc-crm/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX hk: <https://w3id.org/histkg/ontology#>
PREFIX hkc: <https://w3id.org/histkg/id/concept/>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?document ?type ?exact ?cited WHERE {
  VALUES ?type { hkc:letter hkc:writing }
  ?document crm:P2_has_type ?type ; hk:mention ?anchor ; dcterms:description ?cited .
  ?anchor oa:hasSelector ?quote .
  ?quote oa:exact ?exact .
}
"""


def test_letters_and_writings_follow_the_rule_their_definitions_state(
    curated_store: Store, rendered: dict[str, BeautifulSoup]
) -> None:
    """A text the page addresses to someone ("wrote to ...") and cites from a correspondence is
    a letter; one with no addressee on the page is a writing, whatever its footnote cites. The
    definitions say so, the data does so, and the 14 September letter's note says why."""
    found = {}
    for document, kind, exact, cited in curated_store.query(_LETTERS_AND_WRITINGS).rows:
        assert isinstance(document, ox.NamedNode), document
        assert isinstance(kind, ox.NamedNode), document
        assert isinstance(exact, ox.Literal), document
        assert isinstance(cited, ox.Literal), document
        addressed = "wrote to " in " ".join(exact.value.split())
        found[document.value] = kind.value.rsplit("/", 1)[-1]
        assert "Perepiska" in cited.value, document  # both are cited from the correspondence
        assert found[document.value] == ("letter" if addressed else "writing"), document
    assert sorted(found.values()) == ["letter", "writing"]

    def definition(concept: str) -> str:
        (term,) = (
            quad.object
            for quad in curated_store.match(
                ox.NamedNode(BASE + "concept/" + concept), SKOS.definition
            )
        )
        assert isinstance(term, ox.Literal)
        return term.value

    for concept in ("letter", "letter-writing"):
        words = definition(concept)
        assert "wrote to" in words, concept
        assert "correspondence" in words, concept
    for concept in ("writing", "writing-act"):
        words = definition(concept)
        assert "naming no addressee" in words, concept
        assert "correspondence" in words, concept
        assert "when the source says to whom" in words, concept

    letter = rendered["/id/document/stalin-to-kaganovich-1931-09-14"]
    note = " ".join(text(p) for p in letter.select(".editorial p, .editorial li"))
    assert "wrote to Lazar\u2019 Kaganovich" in note
    assert "footnote 3" in note
    assert "correspondence" in note
    assert "so it is typed a letter" in note
