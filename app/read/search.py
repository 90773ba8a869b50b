"""Search over the labels and alternative labels of the graph's entities (no web framework here).

The index holds every IRI in the entity namespace that has an ``rdfs:label``, ``skos:prefLabel``
or ``skos:altLabel``, with its classes and types. It is read from the store with a few scans of
those properties (``Store.match``: direct index reads on an embedded store, one streamed request
each on a remote one) and cached per store state (``app.read``), so a search costs no query at
all. Matching follows ``app.names``: case, accents and transliteration do not
matter (Bednyi/Bedny, Izvestiia/Izvestia), and a query matches word prefixes, for autocomplete.

Why it is fast and compact: the ``key`` and ``fold`` forms of every name are computed once and
kept in two long UTF-8 strings (one name a line), so a query finds its candidates with
``bytes.find`` over them (C speed) and scores only those; any name that matches contains the
longest word of the query's key (every kind of match implies it), so no match is missed. The
entities themselves are columns too (:class:`SearchIndex`), a fraction of the memory an object
per entity took (``bench/results/design-measurements.md``). It is built on the first search
after a write or by the warm-up at serve start, nearly all of it reading the store, and kept by
the read model (``app.read.model``).

Ranking: the best-matching name of an entity decides (exact, then prefix, word prefix,
substring; see :func:`app.names.match`); among equals, the kinds a reader looks for (people,
groups, places, events, documents, attitudes, books) come before claims and other resources,
then shorter labels, then alphabetical order.
"""

from __future__ import annotations

import ctypes
import json
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import astuple, dataclass
from typing import overload

from pyoxigraph import Literal, NamedNode
from rapidfuzz import fuzz, process

from app.names import Match, MatchKind, fold, forms, key, match_forms
from app.read.labels import GENERIC, HOME_KINDS, KINDS, Kind
from app.sources import WIKIDATA_GRAPH
from app.store import Store
from app.vocab import CRM, OWL, RDF, RDFS, SCHEMA, SKOS

__all__ = ["Hit", "SearchIndex"]

KIND_CLASSES = frozenset(iri for iri, _ in KINDS)
"""The classes that decide an entity's kind (``app.read.labels.kind_of``)."""
RANKINGS_KEPT = 256
"""Rankings of recent queries an index keeps (an array of 4 bytes a hit each)."""

WIKIDATA_NAMES = (SCHEMA.name, SKOS.altLabel)
"""What the Wikidata facts graph names its items with (``app.linking.facts``)."""
CLOSE_WORD = 80.0
"""How similar (0-100, rapidfuzz ``fuzz.ratio``) a name word must be to a query word to count
as a typo of it: one letter off in a word of eight or more ("Stalinn", "Kaganovitch")."""
CLOSE_WORDS = 10
"""Close words kept per query word."""
CLOSE_HITS = 100
"""Entities a close search answers at most: a suggestion list, not an enumeration."""
MIN_CLOSE_LENGTH = 4
"""Shorter query words are not matched closely (too many words are one letter off "tsar")."""
_CLOSE_SCORE = 0.1

RDF_TYPE = RDF.type
HAS_TYPE = CRM.P2_has_type
NAME_PROPERTIES = tuple(
    NamedNode(iri)
    for iri in (
        RDFS.label.value,
        SKOS.prefLabel.value,
        SKOS.altLabel.value,
    )
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One searchable entity (made for the hits shown; the index keeps columns, not entries)."""

    iri: str
    label: str
    names: tuple[str, ...]
    kind: Kind
    types: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    """One result: the entity, the name that matched and how."""

    entry: Entry
    name: str
    match: Match | None
    """How the name matched; None when the entity is listed by kind, without a query."""


_KIND_AT: tuple[Kind, ...] = (*(kind for _, kind in KINDS), GENERIC)
"""A kind by its position in ``KINDS`` (the first listed class of an entity decides), then
the kind of entities with none of those classes."""
_KIND_POSITION = {iri: at for at, (iri, _) in reversed(list(enumerate(KINDS)))}
_ALTERNATIVE = 4
"""Flag of an ``skos:altLabel`` among a name's flags; the low bits are its language rank."""


def _language_rank(language: str | None) -> int:
    """English first, then untagged, then the rest: the order of
    ``app.read.neighbourhood.preferred``, which the build applies to ranks kept in an array
    instead of to ``Literal`` objects."""
    if language in ("en", "en-GB", "en-US"):
        return 0
    return 1 if not language else 2


def _label(names: list[tuple[int, str]]) -> str:
    """``preferred`` of the main names (of all names when there are only alternative ones),
    on (flags, text) pairs."""
    main = [(flags, text) for flags, text in names if flags < _ALTERNATIVE]
    ranked = main or [(flags & (_ALTERNATIVE - 1), text) for flags, text in names]
    return min(ranked)[1] if ranked else ""


def _wikidata_names(
    store: Store, base_iri: str, number_of: dict[str, int]
) -> Iterator[tuple[int, Literal]]:
    """The names the Wikidata facts graph gives the items our named entities are linked to
    (labels in other languages and scripts, aliases), as alternative names of our entities:
    a search for "Сталин" finds Stalin. They stay in the facts graph; only the index joins
    them to the entity."""
    for link in store.match(None, OWL.sameAs, None):
        subject, item = link.subject, link.object
        if not (isinstance(subject, NamedNode) and isinstance(item, NamedNode)):
            continue
        owner = number_of.get(subject.value[len(base_iri) :])
        if owner is None or not subject.value.startswith(base_iri):
            continue
        for prop in WIKIDATA_NAMES:
            for quad in store.match(item, prop, None, WIKIDATA_GRAPH):
                if isinstance(quad.object, Literal):
                    yield owner, quad.object


_TEXTS = ("_iris", "_names", "_keys", "_folds")
_COLUMNS = (
    "_iri_at",
    "_name_at",
    "_first_name",
    "_owner",
    "_key_at",
    "_fold_at",
    "_kind",
    "_types",
    "_rank_of",
)
"""A finished index's columns (``SearchIndex.to_bytes``)."""


class SearchIndex:
    """The searchable names of one store state, in a few flat columns.

    Why columns: a big graph has hundreds of thousands of named entities, and one Python object
    per entity and per name (an ``Entry``, its tuples, its strings) made the index and its
    build the largest thing in memory. Here every text is UTF-8 in one ``bytes`` (IRIs without
    the namespace, shown names, keys, folds) cut by arrays of offsets, and kinds and type lists
    are small numbers into short tables, so an entity costs a few offsets; an ``Entry`` is made
    only for the hits a page shows (sizes: ``bench/results/design-measurements.md``).
    """

    def __init__(self, entries: list[Entry]) -> None:
        self._start("")
        for entry in sorted(entries, key=lambda e: (e.label.casefold(), e.iri)):
            self._add(entry.iri, entry.names, entry.kind, entry.types)
        self._finish()

    def _start(self, prefix: str) -> None:
        """Empty columns; entities are then added in label order (``_add``)."""
        self._prefix = prefix  # what every IRI starts with, kept once
        # offsets are 4 bytes: a column stays far below 4 GB (20 MB at ten million triples)
        self._iris: bytes | bytearray = bytearray()
        self._iri_at = array("I", [0])
        self._names: bytes | bytearray = bytearray()
        self._name_at = array("I", [0])
        self._first_name = array("I", [0])  # entity n has names _first_name[n] .. [n + 1] - 1
        self._owner = array("I")  # entity of each name
        # The key of name n is _keys[_key_at[n] : _key_at[n + 1] - 1] (one name a line), its
        # fold likewise: the lines ``_candidates`` finds a word in with ``bytes.find``.
        self._keys: bytes | bytearray = bytearray(b"\n")
        self._key_at = array("I", [1])
        self._folds: bytes | bytearray = bytearray(b"\n")
        self._fold_at = array("I", [1])
        self._kind_list: list[Kind] = []
        self._kind_number: dict[Kind, int] = {}
        self._kind = array("B")  # entity's kind, into _kind_list
        self._type_lists: list[tuple[str, ...]] = []
        self._type_list_number: dict[tuple[str, ...], int] = {}
        self._types = array("I")  # entity's type labels, into _type_lists
        self._label_length = array("I")

    def _add(self, iri: str, names: tuple[str, ...], kind: Kind, types: tuple[str, ...]) -> None:
        """Append an entity; ``names`` start with its label."""
        self._iris += iri[len(self._prefix) :].encode()
        self._iri_at.append(len(self._iris))
        number = len(self._kind)
        for name in names:
            self._names += name.encode()
            self._name_at.append(len(self._names))
            self._owner.append(number)
            name_key, folded = forms(name)
            self._keys += name_key.encode() + b"\n"
            self._key_at.append(len(self._keys))
            self._folds += folded.encode() + b"\n"
            self._fold_at.append(len(self._folds))
        self._first_name.append(len(self._owner))
        self._kind.append(self._kind_number.setdefault(kind, len(self._kind_list)))
        if len(self._kind_list) < len(self._kind_number):
            self._kind_list.append(kind)
        self._types.append(self._type_list_number.setdefault(types, len(self._type_lists)))
        if len(self._type_lists) < len(self._type_list_number):
            self._type_lists.append(types)
        self._label_length.append(len(names[0]) if names else 0)

    def _finish(self) -> None:
        """The lists by kind, the order of ties and the ranking cache, once all are added."""
        # one column at a time into an immutable copy of its exact size (a grown bytearray
        # keeps up to an eighth more), so the build's peak holds at most one extra column
        self._keys = bytes(self._keys)
        self._folds = bytes(self._folds)
        self._iris = bytes(self._iris)
        self._names = bytes(self._names)
        count = len(self._kind)
        by_kind: dict[int, array[int]] = defaultdict(lambda: array("I"))
        for number, kind in enumerate(self._kind):
            by_kind[kind].append(number)
        self._by_kind: dict[str, array[int]] = {}
        for kind, numbers in by_kind.items():
            key_of = self._kind_list[kind].key
            merged = self._by_kind.get(key_of)
            self._by_kind[key_of] = numbers if merged is None else _merge(merged, numbers)
        # The kind shown for a key is that of the last entity with it, as it always was.
        self._kinds = {self._kind_list[kind].key: self._kind_list[kind] for kind in self._kind}
        # Each entity's place when hits tie on score: kinds a reader looks for first, then
        # shorter labels, then label order (entities are numbered in label order). A counting
        # sort on (kind looked for, label length): no list of a million keys to sort.
        lengths = self._label_length
        longest = max(lengths, default=0) + 1
        other = [int(kind.key not in HOME_KINDS) * longest for kind in self._kind_list]
        starts = array("I", bytes(4 * (2 * longest + 1)))
        for number in range(count):
            starts[other[self._kind[number]] + lengths[number] + 1] += 1
        for bucket in range(2 * longest):
            starts[bucket + 1] += starts[bucket]
        self._rank_of = array("I", bytes(4 * count))
        for number in range(count):
            bucket = other[self._kind[number]] + lengths[number]
            self._rank_of[number] = starts[bucket]
            starts[bucket] += 1
        del self._label_length
        self._rankings: OrderedDict[tuple[str, str, str], array[int]] = OrderedDict()
        self._words: tuple[list[str], list[array[int]]] | None = None
        self._lock = threading.Lock()

    def to_bytes(self) -> bytes:
        """The index's columns as bytes (``from_bytes`` reads them back; ``app.read.persist``
        keeps them between runs): a JSON line for the small tables, then the raw columns."""
        texts = [bytes(getattr(self, name)) for name in _TEXTS]
        columns = [getattr(self, name) for name in _COLUMNS]
        kinds = sorted(self._by_kind)
        blobs = texts + [c.tobytes() for c in columns] + [self._by_kind[k].tobytes() for k in kinds]
        head = {
            "prefix": self._prefix,
            "kind_list": [astuple(kind) for kind in self._kind_list],
            "type_lists": [list(types) for types in self._type_lists],
            "kinds": {key: astuple(kind) for key, kind in self._kinds.items()},
            "by_kind": kinds,
            "typecodes": [c.typecode for c in columns],
            "sizes": [len(blob) for blob in blobs],
        }
        return json.dumps(head).encode() + b"\n" + b"".join(blobs)

    @classmethod
    def from_bytes(cls, data: bytes) -> SearchIndex:
        """An index from ``to_bytes``; ``ValueError`` (or another lookup error) when the bytes
        are not such an index."""
        line, _, rest = data.partition(b"\n")
        head = json.loads(line)
        sizes = [int(size) for size in head["sizes"]]
        if sum(sizes) != len(rest):
            raise ValueError("the columns do not add up to the bytes")
        view, at, blobs = memoryview(rest), 0, []
        for size in sizes:
            blobs.append(view[at : at + size])
            at += size
        index = cls.__new__(cls)
        index._prefix = str(head["prefix"])
        for name, blob in zip(_TEXTS, blobs, strict=False):
            setattr(index, name, bytes(blob))
        columns = blobs[len(_TEXTS) : len(_TEXTS) + len(_COLUMNS)]
        for name, typecode, blob in zip(_COLUMNS, head["typecodes"], columns, strict=True):
            setattr(index, name, array(typecode, bytes(blob)))
        by_kind = blobs[len(_TEXTS) + len(_COLUMNS) :]
        index._by_kind = {
            str(k): array("I", bytes(b)) for k, b in zip(head["by_kind"], by_kind, strict=True)
        }
        index._kind_list = [Kind(*fields) for fields in head["kind_list"]]
        index._kind_number = {kind: n for n, kind in enumerate(index._kind_list)}
        index._type_lists = [tuple(types) for types in head["type_lists"]]
        index._type_list_number = {types: n for n, types in enumerate(index._type_lists)}
        index._kinds = {str(key): Kind(*fields) for key, fields in head["kinds"].items()}
        index._rankings = OrderedDict()
        index._words = None
        index._lock = threading.Lock()
        return index

    @classmethod
    def build(cls, store: Store, base_iri: str) -> SearchIndex:
        """Read every labelled entity of the namespace ``base_iri`` from the store, then give
        the memory of the build's temporaries back (:func:`_release_freed_memory`)."""
        index = cls._read(store, base_iri)
        _release_freed_memory()
        return index

    @classmethod
    def _read(cls, store: Store, base_iri: str) -> SearchIndex:
        """Scans of the name properties, then of the kind classes and ``P2_has_type`` (streamed).

        Bounded: while reading, each entity is one dictionary entry (its IRI to its number)
        and each name a few bytes in flat arrays; the names are then grouped by entity with a
        counting sort, and the entities put in label order by sorting one string each.
        """
        prefix = len(base_iri)
        number_of: dict[str, int] = {}  # by the IRI without the namespace (shorter keys)

        def entity_of(subject: object) -> int | None:
            """The number of a named subject of the namespace, if it has one."""
            if isinstance(subject, NamedNode) and subject.value.startswith(base_iri):
                return number_of.get(subject.value[prefix:])
            return None

        owners, flags = array("I"), array("B")
        text, ends = bytearray(), array("I", [0])
        for prop in NAME_PROPERTIES:
            alternative = _ALTERNATIVE if prop == NAME_PROPERTIES[-1] else 0
            for quad in store.match(None, prop, None):
                subject, name = quad.subject, quad.object
                if (
                    isinstance(subject, NamedNode)
                    and subject.value.startswith(base_iri)
                    and isinstance(name, Literal)
                ):
                    owners.append(number_of.setdefault(subject.value[prefix:], len(number_of)))
                    flags.append(alternative | _language_rank(name.language))
                    text += name.value.encode()
                    ends.append(len(text))
        for owner, name in _wikidata_names(store, base_iri, number_of):
            owners.append(owner)
            flags.append(_ALTERNATIVE | _language_rank(name.language))
            text += name.value.encode()
            ends.append(len(text))
        count = len(number_of)
        kind_at = array("B", [len(KINDS)]) * count
        for iri, position in _KIND_POSITION.items():
            for quad in store.match(None, RDF_TYPE, NamedNode(iri)):
                found = entity_of(quad.subject)
                if found is not None and position < kind_at[found]:
                    kind_at[found] = position
        type_number: dict[str, int] = {}
        has_type = array("Q")  # entity << 32 | type, each once or more
        for quad in store.match(None, HAS_TYPE, None):
            subject, value = quad.subject, quad.object
            if isinstance(subject, NamedNode) and isinstance(value, NamedNode) and value.value:
                typed_one = entity_of(subject)
                if typed_one is not None:
                    code = type_number.setdefault(value.value, len(type_number))
                    has_type.append(typed_one << 32 | code)
        type_entity = [entity_of(NamedNode(iri)) for iri in type_number]
        iris = list(number_of)
        number_of.clear()

        # names of entity n: at[first[n] : first[n + 1]], each in scan order
        first = array("I", bytes(4 * (count + 1)))
        for owner in owners:
            first[owner + 1] += 1
        for owner in range(count):
            first[owner + 1] += first[owner]
        free, at = array("I", first), array("I", bytes(4 * len(owners)))
        for slot, owner in enumerate(owners):
            at[free[owner]] = slot
            free[owner] += 1
        del free, owners

        def names_of(number: int) -> list[tuple[int, str]]:
            return [
                (flags[n], text[ends[n] : ends[n + 1]].decode())
                for n in at[first[number] : first[number + 1]]
            ]

        type_labels = [
            "" if n is None else _label([p for p in names_of(n) if p[0] < _ALTERNATIVE])
            for n in type_entity
        ]
        typed = sorted(has_type)
        del has_type
        # one string per entity sorts them: folded label, IRI, number (NUL-separated)
        order = []
        for number, iri in enumerate(iris):
            order.append(f"{_label(names_of(number)).casefold()}\0{iri}\0{number}")
            iris[number] = ""
        del iris
        order.sort()
        index = cls.__new__(cls)
        index._start(base_iri)
        for place, line in enumerate(order):
            _, tail, digits = line.rsplit("\0", 2)
            order[place] = ""
            number = int(digits)
            names = names_of(number)
            label = _label(names)
            start = bisect_left(typed, number << 32)
            stop = bisect_left(typed, (number + 1) << 32, start)
            index._add(
                base_iri + tail,
                tuple(dict.fromkeys([label, *(name for _, name in names)])),
                _KIND_AT[kind_at[number]],
                tuple(
                    sorted(
                        type_labels[code & 0xFFFFFFFF] for code in dict.fromkeys(typed[start:stop])
                    )
                ),
            )
        index._finish()
        return index

    def search(self, query: str, *, kind: str = "") -> list[Hit]:
        """Every entity a name of which matches ``query``, best first; with an empty query and
        a ``kind``, every entity of that kind by label."""
        return self.search_page(query, kind=kind)[1]

    def search_page(
        self, query: str, *, kind: str = "", offset: int = 0, limit: int | None = None
    ) -> tuple[int, list[Hit]]:
        """How many entities :meth:`search` finds, and those from ``offset`` (``limit`` of
        them): only the shown hits are made into objects, and the ranking of a query is kept
        (``RANKINGS_KEPT`` of them, a few bytes a hit) for the next page or the next reader."""
        stop = None if limit is None else offset + limit
        if not query.strip():
            listed = self._by_kind.get(kind, array("I")) if kind else array("I")
            return len(listed), [
                Hit(entry, entry.label, None) for entry in map(self._entry, listed[offset:stop])
            ]
        query_key, folded_query = key(query), fold(query)
        if not query_key:
            return 0, []
        ranked = self._ranking(query_key, folded_query, kind)
        close = not ranked
        if close:  # nothing as typed: names whose words are close to the query's ("Stalinn")
            ranked = self._close_ranking(query_key, kind)
        hits = []
        for number in ranked[offset:stop]:
            found = match_forms(query_key, folded_query, self._key(number), self._fold(number))
            if close:
                found = Match(_CLOSE_SCORE, MatchKind.CLOSE)
            hits.append(Hit(self._entry(self._owner[number]), self._name(number), found))
        return len(ranked), hits

    def _close_ranking(self, query_key: str, kind: str) -> array[int]:
        """The best close name of each entity with a name word within a typo or two of a
        query word (rapidfuzz's normalized Indel similarity, ``CLOSE_WORD`` or more), most
        query words matched first, then the closest: "Kaganovitch" finds Kaganovich, "Iosif
        Stalin" Joseph Stalin (on "Stalin" alone). Only the index's distinct words are
        compared, with rapidfuzz's C implementation, so the cost follows the vocabulary."""
        cache_key = (query_key, "\x00close", kind)
        with self._lock:
            kept = self._rankings.get(cache_key)
        if kept is not None:
            return kept
        words, postings = self._vocabulary()
        wanted = {n for n, k in enumerate(self._kind_list) if k.key == kind}
        best: dict[int, dict[str, tuple[float, int]]] = defaultdict(dict)
        for query_word in set(query_key.split()):
            if len(query_word) < MIN_CLOSE_LENGTH:
                continue
            found = process.extract(
                query_word, words, scorer=fuzz.ratio, score_cutoff=CLOSE_WORD, limit=CLOSE_WORDS
            )
            for _, score, at in found:
                for number in postings[at]:
                    owner = self._owner[number]
                    if kind and self._kind[owner] not in wanted:
                        continue
                    known = best[owner].get(query_word)
                    if known is None or score > known[0]:
                        best[owner][query_word] = (score, number)
        order = self._rank_of

        def rank(owner: int) -> tuple[int, float, int]:
            matched = best[owner]
            return (-len(matched), -sum(s for s, _ in matched.values()), order[owner])

        ranking = array(
            "i", (max(best[o].values())[1] for o in sorted(best, key=rank)[:CLOSE_HITS])
        )
        with self._lock:
            self._rankings[cache_key] = ranking
            while len(self._rankings) > RANKINGS_KEPT:
                self._rankings.popitem(last=False)
        return ranking

    def _vocabulary(self) -> tuple[list[str], list[array[int]]]:
        """The distinct words of every name's key and, for each, the names holding it; made
        on the first search that finds nothing as typed."""
        with self._lock:
            if self._words is None:
                postings: dict[str, array[int]] = defaultdict(lambda: array("I"))
                for number in range(len(self._owner)):
                    for word in set(self._key(number).split()):
                        postings[word].append(number)
                self._words = (list(postings), list(postings.values()))
            return self._words

    def _ranking(self, query_key: str, folded_query: str, kind: str) -> array[int]:
        """The best-matching name of each matching entity (by number), best entity first."""
        cache_key = (query_key, folded_query, kind)
        with self._lock:
            kept = self._rankings.get(cache_key)
            if kept is not None:
                self._rankings.move_to_end(cache_key)
                return kept
        wanted = {n for n, k in enumerate(self._kind_list) if k.key == kind}
        kinds = self._kind
        best: dict[int, tuple[float, int]] = {}
        for number in self._candidates(max(query_key.split(), key=len)):
            owner = self._owner[number]
            if kind and kinds[owner] not in wanted:
                continue
            found = match_forms(query_key, folded_query, self._key(number), self._fold(number))
            if found is not None:
                known = best.get(owner)
                if known is None or found.score > known[0]:
                    best[owner] = (found.score, number)
        # (-score, then the entry's place among equals), as one integer per hit
        order = self._rank_of
        keyed = sorted(
            (-round(score * 10_000) * len(order) + order[owner], number)
            for owner, (score, number) in best.items()
        )
        ranking = array("i", (number for _, number in keyed))
        with self._lock:
            self._rankings[cache_key] = ranking
            while len(self._rankings) > RANKINGS_KEPT:
                self._rankings.popitem(last=False)
        return ranking

    def _entry(self, number: int) -> Entry:
        names = tuple(
            map(self._name, range(self._first_name[number], self._first_name[number + 1]))
        )
        iri = self._iris[self._iri_at[number] : self._iri_at[number + 1]].decode()
        return Entry(
            iri=self._prefix + iri,
            label=names[0] if names else "",
            names=names,
            kind=self._kind_list[self._kind[number]],
            types=self._type_lists[self._types[number]],
        )

    def _name(self, number: int) -> str:
        return self._names[self._name_at[number] : self._name_at[number + 1]].decode()

    def _key(self, number: int) -> str:
        return self._keys[self._key_at[number] : self._key_at[number + 1] - 1].decode()

    def _fold(self, number: int) -> str:
        return self._folds[self._fold_at[number] : self._fold_at[number + 1] - 1].decode()

    def _candidates(self, word: str) -> list[int]:
        """The names (by number, in order) whose key contains ``word``."""
        numbers = []
        keys, starts, found = self._keys, self._key_at, word.encode()
        at = keys.find(found)
        while at != -1:
            number = bisect_right(starts, at) - 1
            numbers.append(number)
            at = keys.find(found, starts[number + 1])
        return numbers

    def kinds(self) -> dict[str, Kind]:
        """The kinds present in the index, by key."""
        return dict(self._kinds)

    @property
    def entries(self) -> Sequence[Entry]:
        """Every entity in label order, each made when it is read (not kept)."""
        return _Entries(self)


class _Entries(Sequence[Entry]):
    """The entities of an index as a sequence that makes an ``Entry`` per item read."""

    def __init__(self, index: SearchIndex) -> None:
        self._index = index

    def __len__(self) -> int:
        return len(self._index._kind)

    @overload
    def __getitem__(self, at: int) -> Entry: ...
    @overload
    def __getitem__(self, at: slice) -> list[Entry]: ...
    def __getitem__(self, at: int | slice) -> Entry | list[Entry]:
        if isinstance(at, slice):
            return [self._index._entry(n) for n in range(len(self))[at]]
        return self._index._entry(range(len(self))[at])


def _release_freed_memory() -> None:
    """Give the build's freed temporaries back to the system (glibc's ``malloc_trim``).

    Why: the temporaries of a build (a dictionary of every IRI, one sort string per entity,
    columns grown by reallocation) are freed into glibc's heap, which keeps the free pages
    between live blocks mapped: after a build on a big graph a fifth of the process's
    resident memory was free heap that ``malloc_trim`` returns in a few milliseconds. A build
    happens once per store state, so this runs as rarely. Elsewhere than glibc (macOS, musl)
    there is nothing to call.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError, TypeError):
        return
    trim(0)


def _merge(a: array[int], b: array[int]) -> array[int]:
    """Two ascending arrays of entity numbers as one."""
    return array("I", sorted((*a, *b)))
