"""Entity pages and the home page, over HTTP against the curated graph, checked by selecting
elements (BeautifulSoup with CSS selectors), never by searching the whole page for a string."""

import json

import httpx
import pytest
from bs4 import BeautifulSoup, Tag
from htmlparts import one, text

BASE = "https://w3id.org/histkg/id/"
DASH = "\u2013"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def get_html(pages: httpx.Client, path: str) -> BeautifulSoup:
    response = pages.get(path, headers=BROWSER)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


def footnote(html: BeautifulSoup, number: int) -> Tag:
    return one(html, f"ol.notes > li#fn-{number}")


def refs(element: Tag) -> list[int]:
    return [int(a.get_text()) for a in element.select("sup.ref a")]


# ------------------------------------------------------------------ every page


@pytest.mark.parametrize(
    "path", ["/", "/id/person/lazar-kaganovich", "/id/event/mukden-incident", "/search?q=stalin"]
)
def test_pages_have_landmarks_a_language_and_labelled_controls(
    pages: httpx.Client, path: str
) -> None:
    html = get_html(pages, path)
    assert one(html, "html")["lang"] == "en"
    one(html, "body > header")
    one(html, "body > main#main")
    one(html, "body > footer")
    assert one(html, "a.skip-link")["href"] == "#main"
    assert html.select_one("meta[name=viewport]") is not None
    for image in html.select("img"):
        assert image.has_attr("alt")
    for field in html.select("input:not([type=hidden]), select"):
        assert html.select_one(f"label[for='{field['id']}']") is not None, field


@pytest.mark.parametrize("path", ["/", "/id/person/lazar-kaganovich", "/search?q=x"])
def test_pages_load_nothing_from_other_hosts(pages: httpx.Client, path: str) -> None:
    html = get_html(pages, path)
    assets = [t["src"] for t in html.select("script[src], img[src]")]
    assets += [t["href"] for t in html.select("link[href]")]
    assert assets
    for asset in assets:
        assert str(asset).startswith("/"), asset
        assert pages.get(str(asset)).status_code == 200, asset


# ------------------------------------------------------------------ home


def test_home_page_says_what_the_graph_is_and_counts_it(pages: httpx.Client) -> None:
    html = get_html(pages, "/")
    assert text(one(html, "main h1")) == "A knowledge graph of historical events"
    counts = {text(li) for li in html.select("ul.counts li")}
    assert "9 people" in counts
    assert "22 claims" in counts
    assert "5 footnotes" in counts
    form = one(html, "form.big-search")
    assert form["action"] == "/search"
    kinds = [text(h) for h in html.select(".kind-list h3")]
    assert kinds[0].startswith("People")
    people = [text(a) for a in one(html, ".kind-list:has(#kind-person) ul").select("a")]
    assert "Lazar Kaganovich" in people


def test_home_timeline_draws_days_as_points_and_uncertain_dates_as_ranges(
    pages: httpx.Client,
) -> None:
    html = get_html(pages, "/")
    rows = {text(one(li, ".row-label a")): li for li in html.select("ol.timeline-rows > li")}
    mukden = one(rows["Mukden Incident"], ".mark")
    assert "point" in mukden["class"]
    assert text(one(rows["Mukden Incident"], ".when")) == "18 September 1931"
    war = one(rows["Russo-Japanese War"], ".mark")
    assert "range" in war["class"]
    assert text(one(rows["Russo-Japanese War"], ".when")) == f"1904{DASH}05"
    poem = one(rows["Bednyi publishes a poem in Izvestia"], ".mark")
    assert {"range", "uncertain"} <= set(poem["class"])
    lefts = [
        float(str(one(li, ".mark")["style"]).split("left:")[1].split("%")[0])
        for li in rows.values()
    ]
    assert lefts == sorted(lefts)  # in date order along the axis
    assert html.select(".axis .axis-break")  # 1906-1930 left out
    undated = [text(a) for a in html.select(".undated a")]
    assert "Stalin\u2019s holidays away from Moscow" in undated


def _timeline_events(html: BeautifulSoup) -> list[str]:
    return [text(one(li, ".row-label a")) for li in html.select("ol.timeline-rows > li")]


def test_home_timeline_narrows_to_a_range_of_years_without_javascript(
    pages: httpx.Client,
) -> None:
    html = get_html(pages, "/")
    form = one(html, "form.timeline-range")
    assert (form["method"], form["action"]) == ("get", "/#timeline-title")
    assert [field["name"] for field in form.select("input")] == ["from", "to"]
    zoom = {text(a): a["href"] for a in html.select("section.timeline p.zoom a")}
    assert zoom == {
        "1900s": "/?from=1900&to=1909#timeline-title",
        "1930s": "/?from=1930&to=1939#timeline-title",
    }
    thirties = get_html(pages, str(zoom["1930s"]))
    assert text(one(thirties, "h2#timeline-title")) == f"Timeline, 1930{DASH}1939"
    events = _timeline_events(thirties)
    assert "Mukden Incident" in events
    assert "Russo-Japanese War" not in events
    assert not thirties.select(".undated")  # undated events are in no range
    assert one(thirties, "form.timeline-range input[name=from]")["value"] == "1930"
    assert one(thirties, "form.timeline-range a")["href"] == "/#timeline-title"
    years = [text(a) for a in thirties.select("section.timeline p.zoom a")]
    assert years == ["1931", "1932"]  # within one decade, zoom goes to its years
    in_1932 = _timeline_events(get_html(pages, "/?from=1932&to=1932"))
    assert in_1932
    assert "Mukden Incident" not in in_1932


def test_home_timeline_range_keeps_what_overlaps_it_and_says_when_nothing_does(
    pages: httpx.Client,
) -> None:
    assert _timeline_events(get_html(pages, "/?from=1905&to=1905")) == ["Russo-Japanese War"]
    swapped = get_html(pages, "/?from=1905&to=1904")
    assert text(one(swapped, "h2#timeline-title")) == f"Timeline, 1904{DASH}1905"
    empty = get_html(pages, "/?from=1950")
    assert text(one(empty, "h2#timeline-title")) == "Timeline from 1950"
    assert text(one(empty, "section.timeline p.empty")) == "No dated event falls in these years."
    blank_from = get_html(pages, "/?from=&to=1905")  # the form sends a field left blank
    assert text(one(blank_from, "h2#timeline-title")) == "Timeline to 1905"
    assert _timeline_events(blank_from) == ["Russo-Japanese War"]
    wrong = pages.get("/?from=19x1")
    assert wrong.status_code == 400
    assert wrong.json()["error"]["hint"] == "Write from= as a year such as 1931."


def test_home_embeds_schema_org_json_ld(pages: httpx.Client) -> None:
    html = get_html(pages, "/")
    data = json.loads(one(html, "script[type='application/ld+json']").get_text())
    assert data["@type"] == "Dataset"
    assert {d["contentUrl"] for d in data["distribution"]} == {
        "/dump/histkg.trig.gz",
        "/dump/histkg.nq.gz",
    }


# ------------------------------------------------------------------ a person


def test_person_page_heading_names_and_types(pages: httpx.Client) -> None:
    html = get_html(pages, "/id/person/lazar-kaganovich")
    assert text(one(html, "title")).startswith("Lazar Kaganovich")
    heading = one(html, "article h1")
    assert str(heading.contents[0]).strip() == "Lazar Kaganovich"
    assert refs(heading) == [1]  # where the page names him
    names = {span.get_text(): span.get("lang") for span in html.select(".alt-labels span[lang]")}
    assert names["Lazar\u2019 Kaganovich"] == "ru-latn-alalc97"
    assert text(one(html, ".entity-head .description")).startswith("Soviet leader")
    assert text(one(html, ".entity-head .types")) == "Type person"


def test_person_page_lists_events_and_letters_in_date_order(pages: httpx.Client) -> None:
    html = get_html(pages, "/id/person/lazar-kaganovich")
    events = one(html, "section:has(#events-title) ol.dated")
    items = [(text(one(li, ".when")), text(one(li, ".what > a"))) for li in events.select("li")]
    assert items == [
        ("14 September 1931", "Stalin writes to Kaganovich (14 September 1931)"),
        (
            "undated",
            "Politburo discussion of stronger measures against Japan\u2019s economic interests",
        ),
    ]
    letter = one(html, "section:has(#letters-title) ol.dated li")
    link = one(letter, ".what > a")
    assert link["href"] == "/id/document/stalin-to-kaganovich-1931-09-14"
    assert text(one(letter, ".role-note")) == "received"


def test_every_footnote_mark_leads_to_a_footnote_and_back(pages: httpx.Client) -> None:
    html = get_html(pages, "/id/person/lazar-kaganovich")
    marks = html.select("sup.ref a")
    assert marks
    ids = {tag["id"] for tag in html.select("[id]")}
    for mark in marks:
        assert str(mark["href"]).removeprefix("#") in ids
    for note in html.select("ol.notes > li"):
        assert str(one(note, "a.backref")["href"]).removeprefix("#") in ids


def test_footnotes_give_book_page_and_passage_with_the_sentence_highlighted(
    pages: httpx.Client,
) -> None:
    html = get_html(pages, "/id/person/lazar-kaganovich")
    naming = footnote(html, 1)
    # The naming and the letter's claim share a passage: note 1 shows it, a highlight each.
    named = [text(m) for m in naming.select("blockquote mark[data-notes~='1']")]
    assert named == ["Lazar\u2019 Kaganovich"]
    letter = footnote(html, 2)
    assert text(one(letter, ".note-head")).startswith("\u2191 On 14 September (1931) Stalin wrote")
    assert "Asserted by the historian" in text(one(letter, ".mode"))
    sources = one(letter, ".note-sources")
    assert [text(a) for a in sources.select("a")] == [
        "Page 129 of the book with the running header \u201cMoscow versus Tokyo\u201d",
        "footnote 3",
        "Stalin i Kaganovich, p. 103",
        "The project\u2019s checked table of Wikidata identifiers",  # the year 1931
    ]
    assert text(one(sources, "cite")).startswith("Stalin i Kaganovich. Perepiska. 1931")
    assert text(one(letter, "p.passage-ref mark")).startswith(
        "On 14 September, for example, he wrote to"
    )
    assert one(letter, "p.passage-ref a")["href"] == "#fn-1"
    passage = one(naming, "figure.passage")
    highlighted = " ".join(text(m) for m in passage.select("blockquote mark[data-notes~='2']"))
    assert highlighted.startswith("On 14 September, for example, he wrote to Lazar")
    assert "Even before the Mukden Incident" in text(one(passage, "blockquote"))
    assert "characters 535" in text(one(passage, "figcaption"))


def test_person_page_links_to_wikidata_or_offers_a_search(pages: httpx.Client) -> None:
    linked = get_html(pages, "/id/person/lazar-kaganovich")
    wikidata = one(linked, ".identifiers dd a[href^='https://www.wikidata.org/wiki/']")
    assert wikidata["href"] == "https://www.wikidata.org/wiki/Q215705"
    unlinked = get_html(pages, "/id/person/karl-radek")
    dd = one(unlinked, ".identifiers dl > dt:-soup-contains('Wikidata') + dd")
    assert text(dd).startswith("Not linked to Wikidata.")
    assert one(dd, "a")["href"] == "https://www.wikidata.org/w/index.php?search=Karl+Radek"


def test_person_page_has_a_permalink_formats_a_citation_and_schema_org(
    pages: httpx.Client,
) -> None:
    html = get_html(pages, "/id/person/lazar-kaganovich")
    permalink = one(html, ".identifiers a.iri")
    assert text(permalink) == BASE + "person/lazar-kaganovich"
    formats = {text(a): a["href"] for a in html.select(".identifiers .formats a")}
    assert formats["Turtle"] == "/id/person/lazar-kaganovich.ttl"
    assert formats["JSON-LD"] == "/id/person/lazar-kaganovich.jsonld"
    cite = text(one(html, "p.cite"))
    assert cite.startswith("\u201cLazar Kaganovich.\u201d In histkg")
    assert BASE + "person/lazar-kaganovich" in cite
    data = json.loads(one(html, "script[type='application/ld+json']").get_text())
    assert data["@type"] == "Person"
    assert data["name"] == "Lazar Kaganovich"
    assert data["sameAs"] == ["https://www.wikidata.org/wiki/Q215705"]
    alternates = {link["type"] for link in html.select("link[rel=alternate]")}
    assert {"text/turtle", "application/ld+json", "application/n-triples"} <= alternates


def test_inbound_links_are_grouped_by_property(pages: httpx.Client) -> None:
    html = get_html(pages, "/id/concept/letter")
    section = one(html, "section#inbound")
    groups = {text(dt): dt.find_next_sibling("dd") for dt in section.select("dt")}
    typed = groups["things of this type"]
    assert typed is not None
    assert [text(a) for a in typed.select("a")] == [
        "Letter from Stalin to Kaganovich, 14 September 1931",
    ]  # the writing of 23 September is a writing: the page never calls it a letter
    writing = one(get_html(pages, "/id/concept/writing"), "section#inbound")
    things = {text(dt): dt.find_next_sibling("dd") for dt in writing.select("dt")}
    of_type = things["things of this type"]
    assert of_type is not None
    assert [text(a) for a in of_type.select("a")] == ["Stalin\u2019s writing of 23 September 1931"]


def test_links_in_that_a_section_shows_are_not_repeated(pages: httpx.Client) -> None:
    """Kaganovich's events and letters are listed by date in his section; "Linked from"
    would list the same events again (issue 16: Stalin's page listed every event twice)."""
    html = get_html(pages, "/id/person/lazar-kaganovich")
    events = {
        a["href"]
        for a in html.select("section[aria-labelledby=events-title] a[href^='/id/event/']")
    }
    assert "/id/event/stalin-writes-to-kaganovich-1931-09-14" in events
    inbound = html.select_one("section#inbound")
    repeated = events & {a["href"] for a in inbound.select("a")} if inbound else set()
    assert not repeated


def test_inbound_links_are_paged(pages: httpx.Client) -> None:
    first = get_html(pages, "/id/text/moscow-versus-tokyo-p129")
    links = first.select("section#inbound dd a")
    assert len(links) == 50
    more = one(first, "section#inbound nav.pager a[rel=next]")
    assert more["href"] == "?inbound=2#inbound"
    second = get_html(pages, "/id/text/moscow-versus-tokyo-p129?inbound=2")
    rest = second.select("section#inbound dd a")
    assert rest
    assert {a["href"] for a in rest}.isdisjoint({a["href"] for a in links})
    assert one(second, "section#inbound nav.pager a[rel=prev]")["href"] == "?inbound=1#inbound"


# ------------------------------------------------------------------ events and dates


def test_event_page_shows_its_date_in_words_with_its_footnote(pages: httpx.Client) -> None:
    html = get_html(pages, "/id/event/mukden-incident")
    line = one(html, ".entity-head .date-line")
    assert text(one(line, "time")) == "18 September 1931"
    note = footnote(html, refs(line)[0])
    assert text(one(note, ".note-head")).startswith("\u2191 The Mukden Incident took place on")
    assert "wikidata-ids" in text(one(html, ".entity-head .derivation"))


def test_event_page_has_a_small_timeline_of_what_came_before_and_after(
    pages: httpx.Client,
) -> None:
    html = get_html(pages, "/id/event/mukden-incident")
    sequence = one(html, ".mini-timeline ol.sequence")
    rows = [
        (li["class"][0], text(one(li, ".when")), text(one(li, ".what")))
        for li in sequence.select("li")
    ]
    assert rows[0][0] == "before"
    assert (
        rows[0][1:]
        == (
            "14 September 1931",
            "Stalin writes to Kaganovich (14 September 1931) 4 ended before this began",
        )
        or rows[0][1] == "14 September 1931"
    )
    current = [row for row in rows if row[0] == "current"]
    assert current == [("current", "18 September 1931", "Mukden Incident")]
    after = [row for row in rows if row[0] == "after"]
    assert after[0][1] == "23 September 1931, five days after the Mukden Incident"
    assert after[1][1] == (  # one unknown day of the range (EDTF [A..B]), not a four-week span
        f"one day in 2{DASH}30 October 1931, two to six weeks after the Mukden Incident"
    )


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/id/event/russo-japanese-war", f"1904{DASH}05"),
        (
            "/id/event/stalin-writes-1931-09-23",
            "23 September 1931, five days after the Mukden Incident",
        ),
        ("/id/attitude/stalin-angered-by-subversive-work", "summer 1932"),
        ("/id/event/voroshilov-shoot-down-order", "1932"),  # the incursions' start is unknown
        ("/id/timespan/summer-1932", "summer 1932"),
    ],
)
def test_dates_in_words(pages: httpx.Client, path: str, words: str) -> None:
    html = get_html(pages, path)
    assert text(one(html, ".entity-head .date-line time")) == words


def test_event_page_lists_participants_and_place(pages: httpx.Client) -> None:
    html = get_html(pages, "/id/event/japanese-invasion-of-manchuria")
    summary = one(html, "section.summary dl")
    roles = {text(dt): text(dt.find_next_sibling("dd")) for dt in summary.select("dt")}
    assert roles["carried out by"].startswith("Japan")
    assert roles["where"].startswith("Manchuria")


# ------------------------------------------------------------------ reported claims


def test_reported_claims_are_shown_as_reported_never_as_facts(pages: httpx.Client) -> None:
    html = get_html(pages, "/id/attitude/stalin-fear-of-japanese-polish-attack")
    held = one(html, "section.summary dl > dt:-soup-contains('held by') + dd")
    # every statement of the section rests on the report: it is named once, above them
    reported = one(html, "section.summary p.section-reported")
    assert "reported according to Karl Radek, as told by Louis Fischer" in text(reported)
    assert "not asserted by the historian" in text(reported)
    assert text(one(held, "a[href^='/id/']")) == "Joseph Stalin"
    note = footnote(html, refs(held)[0])
    assert text(one(note, ".mode")) == "Reported according to Karl Radek, as told by Louis Fischer"
    assert "footnote 2" in text(one(note, ".note-sources"))


def test_a_person_page_lists_the_claims_resting_on_their_word(pages: httpx.Client) -> None:
    html = get_html(pages, "/id/person/karl-radek")
    testimony = one(html, "section:has(#testimony-title) ol.dated li")
    assert text(one(testimony, ".role-note")) == "informant"
    assert text(one(testimony, ".what > a")).startswith("According to Karl Radek")


# ------------------------------------------------------------------ letters


def test_letter_page_shows_sender_recipient_date_quotations_and_instructions(
    pages: httpx.Client,
) -> None:
    html = get_html(pages, "/id/document/stalin-to-kaganovich-1931-09-14")
    letter = one(html, "section.letter dl")
    fields = {text(dt): dt.find_next_sibling("dd") for dt in letter.select("dt")}
    assert text(one(fields["from"], "a[href^='/id/']")) == "Joseph Stalin"
    assert text(one(fields["to"], "a[href^='/id/']")) == "Lazar Kaganovich"
    assert text(one(fields["date"], "time")) == "14 September 1931"
    quote = one(html, "section.letter blockquote.quotation q")
    assert text(quote) == "is necessary to be more careful with Japan"
    instruction = one(html, "ul.instructions li")
    assert text(one(instruction, "span.indirect")) == (
        "Taking a principled position, the Politburo should be more flexible."
    )
    assert [text(a) for a in instruction.select("a[href^='/id/']")] == [
        "Stalin asks for a more flexible Politburo",
        "Politburo",
    ]


def test_a_letter_without_addressee_says_so(pages: httpx.Client) -> None:
    html = get_html(pages, "/id/document/stalin-writing-1931-09-23")
    to = one(html, "section.letter dl > dt:-soup-contains('to') + dd")
    assert text(to) == "not named in the source"
    repaired = one(html, "section.letter blockquote.quotation")
    assert text(one(repaired, "q")).endswith("spheres of influence in China.")
    assert "inuence" in text(one(repaired, "footer"))  # as printed, with the lost ligature


# ------------------------------------------------------------------ places, groups, books


def test_newspaper_page_lists_what_involved_it(pages: httpx.Client) -> None:
    html = get_html(pages, "/id/group/pravda")
    items = [text(one(li, ".what > a")) for li in html.select("section.summary ol.dated li")]
    assert "Stalin\u2019s instruction to Pravda" in items
    assert "Stalin\u2019s suggestion to Pravda" in items
    assert text(one(html, ".entity-head .kind")) == "newspaper"


def test_place_page_lists_what_happened_there(pages: httpx.Client) -> None:
    html = get_html(pages, "/id/place/manchuria")
    rows = {
        text(one(li, ".what > a")): text(one(li, ".role-note"))
        for li in html.select("section.summary ol.dated li")
    }
    assert rows["Japanese invasion of Manchuria"] == "what happened here"
    assert rows["Soviet subversive work in Manchuria"] == "what happened here"


def test_book_page_lists_everything_it_is_cited_for(pages: httpx.Client) -> None:
    html = get_html(pages, "/id/source/stalin-i-kaganovich-2001")
    rows = html.select("table.citations tbody tr")
    pages_cited = [text(row.select("td")[0]) for row in rows]
    assert pages_cited[0] == "Stalin i Kaganovich, p. 32"
    assert "Stalin i Kaganovich, p. 103" in pages_cited
    claims = [text(one(row.select("td")[1], "a[href^='/id/']")) for row in rows]
    assert any(c.startswith("On 14 September (1931) Stalin wrote to Kaganovich") for c in claims)
    for row in rows:
        assert refs(row)


def test_claim_page_says_what_the_claim_says(pages: httpx.Client) -> None:
    html = get_html(pages, "/id/claim/radek-stalin-feared-japanese-polish-attack")
    assert text(one(html, ".claim-mode .reported")).startswith("Reported according to Karl Radek")
    lines = [
        [text(td) for td in tr.select("td")] for tr in html.select("table.claim-lines tbody tr")
    ]
    assert [
        "Stalin\u2019s fear of a simultaneous Japanese-Polish attack, according to Radek",
        "held by",
        "Joseph Stalin",
    ] in lines


# ------------------------------------------------------------------ JSON view, errors


def test_the_json_view_is_the_page_context(pages: httpx.Client) -> None:
    response = pages.get("/id/person/lazar-kaganovich.json")
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert data["label"] == "Lazar Kaganovich"
    assert data["template"] == "person.html"
    assert data["person"]["letters"][0]["when"] == "14 September 1931"
    assert data["footnotes"][1]["book_note"]["number"] == 3


def test_unknown_iris_get_a_helpful_404_page(pages: httpx.Client) -> None:
    response = pages.get("/id/person/lazar-kaganovitch", headers=BROWSER)
    assert response.status_code == 404
    html = BeautifulSoup(response.text, "html.parser")
    assert text(one(html, "main h1")) == "Not in the graph"
    assert text(one(html, "code.iri")) == BASE + "person/lazar-kaganovitch"
    suggestions = [text(a) for a in html.select("ul.suggestions a")]
    assert suggestions[0] == "Lazar Kaganovich"
    one(html, "form.big-search input[name=q]")


def test_api_clients_keep_the_json_error_format(pages: httpx.Client) -> None:
    response = pages.get("/id/person/nobody", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert set(response.json()["error"]) == {"code", "message", "hint"}
    other = pages.get("/no/such/route")
    assert other.status_code == 404
    assert other.headers["content-type"] == "application/json"


def test_browsers_get_an_error_page_for_other_errors(pages: httpx.Client) -> None:
    response = pages.get("/search", params={"page": "0"}, headers=BROWSER)
    assert response.status_code == 400
    html = BeautifulSoup(response.text, "html.parser")
    assert text(one(html, ".error-page .kind")) == "Error 400"
    assert "page" in text(one(html, ".error-page .message"))


def test_labels_are_escaped(pages: httpx.Client) -> None:
    """Labels are text: the quotes and ampersands of the data come out as entities."""
    response = pages.get("/id/group/harper-and-row", headers=BROWSER)
    assert "Harper &amp; Row" in response.text
    html = BeautifulSoup(response.text, "html.parser")
    assert text(one(html, "article h1")).startswith("Harper & Row")


def test_a_date_known_only_to_the_year_is_drawn_as_a_time_within_it(pages: httpx.Client) -> None:
    """'1932' is one unknown time in 1932, not an event lasting all year: hatched, like an
    uncertain reading; a span such as the Russo-Japanese War (1904-05) stays solid."""
    html = get_html(pages, "/")
    rows = {text(one(li, ".row-label a")): li for li in html.select("ol.timeline-rows > li")}
    order = one(rows["Voroshilov orders Japanese airplanes shot down"], ".mark")
    assert text(one(rows["Voroshilov orders Japanese airplanes shot down"], ".when")) == "1932"
    assert {"range", "uncertain"} <= set(order["class"])
    assert "uncertain" not in one(rows["Russo-Japanese War"], ".mark")["class"]


def test_quarter_ticks_are_marked_minor_so_phones_can_leave_them_out(pages: httpx.Client) -> None:
    html = get_html(pages, "/")
    ticks = html.select(".axis .tick")
    years = [t for t in ticks if text(t).isdigit()]
    minor = [t for t in ticks if "minor" in t["class"]]
    assert years
    assert all("minor" not in t["class"] for t in years)
    assert all(not text(t).isdigit() for t in minor)


def test_undated_events_are_grouped_by_kind(pages: httpx.Client) -> None:
    html = get_html(pages, "/")
    section = one(html, "section.undated")
    groups = {text(h): h.find_next_sibling("ul") for h in section.select("h4")}
    assert set(groups) == {"Activities", "Events"}
    activities = groups["Activities"]
    assert activities is not None
    assert "Stalin\u2019s instruction to Pravda" in [text(a) for a in activities.select("a")]
