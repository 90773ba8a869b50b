"""Reading HTML in tests by selecting elements (never by substrings of the whole page)."""

from bs4 import BeautifulSoup, Tag


def one(html: BeautifulSoup | Tag | None, selector: str) -> Tag:
    """The single element ``selector`` selects; fails when there are none or several."""
    assert html is not None, f"no element to select {selector} in"
    found = html.select(selector)
    assert len(found) == 1, f"{selector}: {len(found)} elements"
    return found[0]


def text(element: Tag | None) -> str:
    """The element's text with white space folded, as a reader sees it."""
    assert element is not None, "no such element"
    return " ".join(element.get_text(" ").split())
