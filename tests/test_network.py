"""The network view (``/network``): who took part in what, as a table and as JSON to draw."""

import httpx
from bs4 import BeautifulSoup
from htmlparts import text

STALIN = "https://w3id.org/histkg/id/person/joseph-stalin"


def test_the_network_is_a_table_without_javascript(pages: httpx.Client) -> None:
    response = pages.get("/network", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = BeautifulSoup(response.text, "html.parser")
    rows = {text(tr.select("td")[0]): tr for tr in html.select("table.network-table tbody tr")}
    letter = rows["Stalin writes to Kaganovich (14 September 1931)"]
    people = [text(a) for a in letter.select("td")[1].select("a")]
    assert people == ["Joseph Stalin", "Lazar Kaganovich"]
    scripts = [str(s["src"]) for s in html.select("script[src]")]
    assert any(s.startswith("/static/network/cytoscape.min.js") for s in scripts)


def test_the_network_json_links_people_and_groups_to_their_events(pages: httpx.Client) -> None:
    data = pages.get("/network.json").json()
    groups = {node["link"]["iri"]: node["group"] for node in data["nodes"]}
    assert groups[STALIN] == "person"
    assert "group" in groups.values()
    assert "event" in groups.values()
    assert all(groups[event] == "event" and groups[who] != "event" for event, who in data["edges"])
    assert sum(1 for _, who in data["edges"] if who == STALIN) >= 10


def test_the_vendored_library_and_script_are_served_here(pages: httpx.Client) -> None:
    for name in ("cytoscape.min.js", "network.js"):
        response = pages.get(f"/static/network/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/javascript")
    assert pages.get("/static/network/other.js").status_code == 404
