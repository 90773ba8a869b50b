"""Which of our types are worth linking, and their Wikidata equivalents.

Our entities are typed twice: by a CRM class (``crm:E21_Person``) and, for groups, places,
events and documents, by a SKOS concept (``hkc:state``, ``hkc:city``...). Each such type belongs
to a *family* (person, group, place, event, document), and lists the Wikidata classes (values of
P31 "instance of") that mean the same thing.

Two uses:

* The Reconciliation API accepts a type restriction as one of our type IRIs, a CURIE
  (``crm:E21_Person``, ``hkc:state``) or a Wikidata class (``Q5``); ``resolve_type`` maps all
  three onto our type.
* Candidate scoring compares a Wikidata item's P31 values with the families: a value of the
  entity's own family agrees, a value of another family disagrees (a human is no war), and a
  value in no family says nothing. Wikidata's class tree is far larger than this table, so an
  unlisted class is "unknown", never "wrong".

The Wikidata QIDs here are classes (human, city, war...), used only for comparison; they never
enter ``data/`` (entity links there come only from the checked table).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from app.vocab import BIBO, CRM, HK, HKC

__all__ = [
    "FAMILIES",
    "LINKABLE_CLASSES",
    "TYPES",
    "TypeInfo",
    "family_of_wikidata_classes",
    "resolve_type",
]

_CURIES: Final = {"crm": CRM.NS, "hkc": HKC.NS, "hk": HK.NS}


@dataclass(frozen=True)
class TypeInfo:
    """One of our types: IRI, name, family, broader type and Wikidata equivalents."""

    iri: str
    name: str
    family: str
    wikidata: tuple[str, ...] = ()
    broader: str | None = None  #: the CRM class a concept narrows
    description: str = ""


def _t(iri: str, name: str, family: str, *qids: str, broader: str | None = None) -> TypeInfo:
    return TypeInfo(iri, name, family, tuple(qids), broader)


_PERSON, _GROUP, _PLACE = CRM.E21_Person.value, CRM.E74_Group.value, CRM.E53_Place.value
_EVENT, _DOCUMENT = CRM.E5_Event.value, CRM.E31_Document.value
_BOOK = BIBO.Book.value

TYPES: Final[tuple[TypeInfo, ...]] = (
    # CRM classes (Q5 human, Q43229 organization, Q2221906 geographic location,
    # Q1190554 occurrence, Q1656682 event, Q49848 document)
    _t(_PERSON, "Person", "person", "Q5"),
    _t(_GROUP, "Group", "group", "Q43229"),
    _t(_PLACE, "Place", "place", "Q2221906"),
    _t(_EVENT, "Event", "event", "Q1190554", "Q1656682"),
    _t(_DOCUMENT, "Document", "document", "Q49848"),
    _t(_BOOK, "Book", "document", "Q571"),
    # Concepts. Q7275 state, Q3624078 sovereign state, Q6256 country, Q3024240 historical
    # country; Q11032 newspaper, Q1002697 periodical literature; Q484652 international
    # organization; Q7278 political party.
    _t(HKC.state.value, "state", "group", "Q7275", "Q3624078", "Q6256", "Q3024240", broader=_GROUP),
    _t(HKC.newspaper.value, "newspaper", "group", "Q11032", "Q1002697", broader=_GROUP),
    _t(
        HKC.international_organization.value,
        "international organization",
        "group",
        "Q484652",
        broader=_GROUP,
    ),
    _t(HKC.political_body.value, "political body", "group", "Q7278", broader=_GROUP),
    # Q515 city, Q5119 capital city, Q1549591 big city, Q486972 human settlement;
    # Q82794 geographic region.
    _t(HKC.city.value, "city", "place", "Q515", "Q5119", "Q1549591", "Q486972", broader=_PLACE),
    _t(HKC.region.value, "region", "place", "Q82794", broader=_PLACE),
    # Q198 war, Q178561 battle.
    _t(HKC.war.value, "war", "event", "Q198", "Q178561", broader=_EVENT),
    _t(HKC.incident.value, "incident", "event", broader=_EVENT),
    _t(HKC.invasion.value, "invasion", "event", broader=_EVENT),
    # Q133492 letter, Q5185279 poem, Q571 book, Q7725634 literary work.
    _t(HKC.letter.value, "letter", "document", "Q133492", broader=_DOCUMENT),
    _t(HKC.poem.value, "poem", "document", "Q5185279", "Q7725634", broader=_DOCUMENT),
    _t(HKC.book.value, "book", "document", "Q571", broader=_DOCUMENT),
)

#: Classes whose instances ``histkg link`` proposes links for (activities, letters being
#: written and attitudes are the page's own and have no Wikidata item).
LINKABLE_CLASSES: Final = (
    _PERSON,
    _GROUP,
    _PLACE,
    _EVENT,
    _DOCUMENT,
    CRM.E73_Information_Object.value,
    _BOOK,
)

#: Concepts of entities not worth linking: unnamed groups ("great powers").
UNLINKABLE_CONCEPTS: Final = frozenset({HKC.informal_group.value})

_BY_IRI: Final = {info.iri: info for info in TYPES}
FAMILIES: Final[dict[str, frozenset[str]]] = {
    family: frozenset(q for info in TYPES if info.family == family for q in info.wikidata)
    for family in ("person", "group", "place", "event", "document")
}
_FAMILY_OF_QID: Final = {qid: family for family, qids in FAMILIES.items() for qid in qids}


def type_info(iri: str) -> TypeInfo | None:
    """The type with this IRI, if it is one of ours."""
    return _BY_IRI.get(iri)


def family_of(types: frozenset[str] | set[str]) -> str | None:
    """The family of an entity with these type IRIs (concepts first, then CRM classes)."""
    infos = [_BY_IRI[iri] for iri in sorted(types) if iri in _BY_IRI]
    for info in sorted(infos, key=lambda i: i.broader is None):
        return info.family
    return None


def resolve_type(identifier: str) -> TypeInfo | None:
    """Our type for an IRI, a CURIE (``crm:E21_Person``), a bare class name or a Wikidata QID.

    An IRI or CURIE of our namespaces that the table does not list (``hkc:leadership``) is
    still a type: it gets a bare ``TypeInfo`` without family or Wikidata equivalents.
    """
    text = identifier.strip()
    if text in _BY_IRI:
        return _BY_IRI[text]
    prefix, _, local = text.partition(":")
    if local and prefix in _CURIES:
        text = _CURIES[prefix] + local
    if text.startswith((CRM.NS, HKC.NS, HK.NS, BIBO.NS)):
        return _BY_IRI.get(text) or TypeInfo(text, re.split(r"[/#]", text)[-1], "")
    if text.startswith("http://www.wikidata.org/entity/"):
        text = text.rsplit("/", 1)[1]
    if text[:1] == "Q" and text[1:].isdigit():
        # The most specific of our types that lists it: a concept before its class.
        matches = [info for info in TYPES if text in info.wikidata]
        return sorted(matches, key=lambda i: i.broader is None)[0] if matches else None
    return _BY_IRI.get(CRM.NS + text) or _BY_IRI.get(HKC.NS + text)


def family_of_wikidata_classes(qids: tuple[str, ...] | frozenset[str]) -> set[str]:
    """The families the P31 values of a Wikidata item point to (empty when none is known)."""
    return {_FAMILY_OF_QID[qid] for qid in qids if qid in _FAMILY_OF_QID}
