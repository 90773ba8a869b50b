"""Footnote citations: parsed into their parts, and short forms resolved to the work they cite.

Three forms, as humanities footnotes (Chicago style) write them:

* full: ``Author, Title (Place: Publisher, Year), 222.``; the author is optional
  (``Stalin i Kaganovich. Perepiska. 1931–1936 gg. (Moscow: ROSSPEN, 2001), 103.``);
* short title: ``Stalin i Kaganovich., 116.`` or ``Fischer, Russia’s Road, 223.``;
* ``Ibid.`` or ``Ibid., 45.``: the work of the footnote before.

Page locators are a list (``32, 119–20, 122``) of pages and ranges; an abbreviated range end
takes the missing leading digits from its start (``119–20`` is 119 to 120). A short title is
resolved first against the full citations earlier on the page (its words begin the full title,
and its author, when given, is the full citation's author or surname), then against the books of
the graph (full title or ``bibo:shortTitle``); ``Ibid.`` follows the footnote before it.
``same_work_as`` always points at the footnote holding the full citation, as the curated graph
does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.ingest.graph import Book

__all__ = ["Citation", "Locator", "parse_citation", "resolve_citations"]

_FULL = re.compile(
    r"^(?P<head>.+?)\s*\((?P<place>[^:()]+):\s*(?P<publisher>[^()]+?),\s*(?P<year>\d{4})\)"
    r"(?:,\s*(?P<locators>.+?))?\.?$"
)
_IBID = re.compile(r"^Ibid\.?(?:,\s*(?P<locators>.+?))?\.?$", re.IGNORECASE)
_LOCATOR = re.compile(r"^(?:pp?\.\s*)?(?P<start>\d+|[ivxlc]+)(?:\s*[–-]\s*(?P<end>\d+))?$")
_SHORT = re.compile(r"^(?P<head>.+?),\s*(?P<locators>(?:pp?\.\s*)?\d[\d\s,–-]*?)\.?$")
_NAME_WORD = re.compile(r"^(?:[A-Z][\w’'.-]*|[A-Z]\.|and|de|van|von|der|la|le|ed\.|eds\.)$")


@dataclass(frozen=True)
class Locator:
    """A page or page range as printed, with its first and last page where they are numbers."""

    printed: str
    first: int | None
    last: int | None

    @property
    def normalized(self) -> str:
        """ "119-120", "222", or the printed form for roman numerals."""
        if self.first is None or self.last is None:
            return self.printed
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


@dataclass(frozen=True)
class Citation:
    """The parts of one footnote's citation; ``form`` is ``full``, ``short`` or ``ibid``."""

    form: str
    author: str | None = None
    title: str | None = None
    place: str | None = None
    publisher: str | None = None
    year: int | None = None
    locators: tuple[Locator, ...] = ()

    def to_json(self, work: str | None) -> dict[str, object]:
        return {
            "author": self.author,
            "title": self.title,
            "place": self.place,
            "publisher": self.publisher,
            "year": self.year,
            "pages": [locator.normalized for locator in self.locators],
            "work": work,
        }


@dataclass
class Resolution:
    """Where each footnote's work was found: a footnote of the page, a book of the graph."""

    same_work_as: dict[int, int | None] = field(default_factory=dict)
    works: dict[int, str | None] = field(default_factory=dict)


def _locators(text: str | None) -> tuple[Locator, ...]:
    if not text:
        return ()
    found = []
    for item in re.split(r",\s*", text.strip().rstrip(".")):
        match = _LOCATOR.match(item.strip())
        if not match:
            return ()
        start, end = match["start"], match["end"]
        if not start.isdigit():
            found.append(Locator(item.strip(), None, None))
            continue
        if end and len(end) < len(start):
            end = start[: len(start) - len(end)] + end
        found.append(Locator(item.strip(), int(start), int(end or start)))
    return tuple(found)


def _split_author(head: str) -> tuple[str | None, str]:
    """ "Louis Fischer, Russia’s Road ..." -> ("Louis Fischer", "Russia’s Road ...")."""
    if ", " not in head:
        return None, head
    author, title = head.split(", ", 1)
    words = author.split()
    if 0 < len(words) <= 6 and all(_NAME_WORD.match(w) for w in words) and title:
        return author, title
    return None, head


def parse_citation(text: str) -> Citation | None:
    """Parse one footnote's text (repaired); ``None`` when it is not a citation."""
    text = text.strip()
    if match := _IBID.match(text):
        return Citation("ibid", locators=_locators(match["locators"]))
    if match := _FULL.match(text):
        author, title = _split_author(match["head"].strip())
        return Citation(
            "full",
            author=author,
            title=title.strip(),
            place=match["place"].strip(),
            publisher=match["publisher"].strip(),
            year=int(match["year"]),
            locators=_locators(match["locators"]),
        )
    if (match := _SHORT.match(text)) and (locators := _locators(match["locators"])):
        author, title = _split_author(match["head"].strip())
        return Citation("short", author=author, title=title.strip(), locators=locators)
    return None


def _words(text: str | None) -> list[str]:
    """Words of a title for comparison; a leading article does not count."""
    words = re.findall(r"\w+", (text or "").lower().replace("’", "'"))
    return words[1:] if words[:1] in (["the"], ["a"], ["an"]) else words


def _abbreviates(short: Citation, title: str | None, author: str | None) -> bool:
    short_words, title_words = _words(short.title), _words(title)
    if not short_words or title_words[: len(short_words)] != short_words:
        return False
    if short.author and author:
        return _words(short.author)[-1:] == _words(author)[-1:]
    return True


def resolve_citations(citations: dict[int, Citation | None], books: list[Book]) -> Resolution:
    """Resolve short titles and ibid. within the page, then against the graph's books."""
    resolution = Resolution()
    previous: int | None = None
    for number in sorted(citations):
        citation = citations[number]
        root: int | None = None
        work: str | None = None
        if citation is None:
            previous = None
        elif citation.form == "ibid" and previous is not None:
            root = resolution.same_work_as[previous] or previous
            work = resolution.works[previous]
        elif citation.form == "short":
            for earlier in sorted((n for n in citations if n < number), reverse=True):
                full = citations[earlier]
                if full and full.form == "full" and _abbreviates(citation, full.title, full.author):
                    root, work = earlier, resolution.works[earlier]
                    break
            else:
                work = _graph_book(citation, books)
        elif citation.form == "full":
            work = _graph_book(citation, books)
        resolution.same_work_as[number] = root
        resolution.works[number] = work
        if citation is not None:
            previous = number
    return resolution


def _graph_book(citation: Citation, books: list[Book]) -> str | None:
    for book in books:
        if citation.form == "full" and book.title and _words(book.title) == _words(citation.title):
            return book.iri
        if citation.form == "short" and (
            _abbreviates(citation, book.title, book.creator)
            or (book.short_title and _words(book.short_title) == _words(citation.title))
        ):
            return book.iri
    return None
