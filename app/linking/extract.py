"""Reading a local Wikidata extract with bounded memory, and finding candidates in it.

An extract is any file of entities in Wikidata's JSON entity format:

* a JSON dump (``latest-all.json``: a JSON array with one entity per line), or a slice of one;
* JSON lines (one entity per line, no array);
* the ``{"entities": {"Q1": {...}}}`` answer of ``wbgetentities`` or ``Special:EntityData``;

each plain, ``.gz`` or ``.bz2``. The reader decodes one top-level value at a time from a
sliding text buffer (``json.JSONDecoder.raw_decode``), so memory holds one entity plus a read
chunk however large the file is and however its lines are broken; an entity larger than
``MAX_ENTITY_CHARS`` is refused rather than read whole.

``scan_extract`` makes one pass: it keeps the best ``per_entity`` candidates of each of our
entities (a heap each) and the items whose QIDs are wanted (for ``--verify`` and the facts
graph). Candidates are items sharing a name word with the entity whose name matches at least
``MIN_NAME``; everything else is dropped as it streams past.
"""

from __future__ import annotations

import bz2
import gzip
import heapq
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Final

from app.errors import InputError
from app.linking.normalize import fold_once, tokens
from app.linking.records import EntityRecord
from app.linking.scoring import Score, score_item
from app.linking.wikidata import WikidataItem, parse_item

__all__ = ["Candidate", "ExtractScan", "iter_entities", "scan_extract"]

CHUNK_CHARS: Final = 1 << 20
MAX_ENTITY_CHARS: Final = 64 << 20
#: A decode error this close to the end of the buffer may only mean "read more".
_TAIL: Final = 1 << 16
MIN_NAME: Final = 0.7
_STOPWORDS: Final = frozenset({"the", "of", "and", "von", "van", "de", "der", "la", "le", "du"})

Progress = Callable[[int, int], None]
"""Told ``(bytes read, file size)`` as an extract is read."""


@dataclass(frozen=True, order=True)
class Candidate:
    """A Wikidata item proposed for one of our entities, with its score."""

    score: float
    qid: str = field(compare=True)
    item: WikidataItem = field(compare=False)
    evidence: Score = field(compare=False)


def _open_text(path: Path) -> tuple[IO[bytes], IO[str]]:
    raw = path.open("rb")
    name = path.name.lower()
    binary: IO[bytes] | gzip.GzipFile | bz2.BZ2File
    if name.endswith(".gz"):
        binary = gzip.GzipFile(fileobj=raw)
    elif name.endswith(".bz2"):
        binary = bz2.BZ2File(raw)
    else:
        binary = raw
    return raw, io.TextIOWrapper(binary, encoding="utf-8")


def iter_entities(path: Path, *, progress: Progress | None = None) -> Iterator[Mapping[str, Any]]:
    """Yield each entity object of an extract, in file order, one at a time."""
    if not path.is_file():
        raise InputError(f"{path}: no such extract file", hint="Check the path to the extract.")
    size = path.stat().st_size
    decoder = json.JSONDecoder()
    raw, text = _open_text(path)
    with raw, text:
        buffer, position, line, eof = "", 0, 1, False

        def fail(message: str, at: int) -> InputError:
            where = line + buffer.count("\n", 0, at)
            return InputError(
                f"{path}:{where}: {message}",
                hint="An extract holds Wikidata entities in their JSON format: a dump, JSON "
                "lines, or a wbgetentities answer (optionally .gz or .bz2).",
            )

        def read(at_least: int) -> bool:
            nonlocal buffer, position, line
            try:
                chunk = text.read(max(CHUNK_CHARS, at_least))
            except (OSError, EOFError, UnicodeDecodeError) as error:
                raise fail(f"cannot be read: {error}", len(buffer)) from None
            line += buffer.count("\n", 0, position)
            buffer, position = buffer[position:] + chunk, 0
            if progress:
                progress(raw.tell(), size)
            return bool(chunk)

        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n,[]":
                position += 1
            if position >= len(buffer):
                if eof or not read(0):
                    return
                continue
            try:
                value, end = decoder.raw_decode(buffer, position)
            except json.JSONDecodeError as error:
                truncated = error.pos >= len(buffer) - _TAIL
                if not truncated or eof:
                    raise fail(f"not valid JSON: {error.msg}", error.pos) from None
                if len(buffer) - position > MAX_ENTITY_CHARS:
                    raise fail("an entity is larger than 64 MiB", position) from None
                eof = not read(len(buffer) - position)
                continue
            if not isinstance(value, dict):
                raise fail("expected an entity object", position)
            position = end
            if "id" not in value and isinstance(value.get("entities"), dict):
                yield from (v for v in value["entities"].values() if isinstance(v, dict))
            else:
                yield value


@lru_cache(maxsize=1 << 17)
def _word_key(folded_word: str) -> str:
    """The transliteration key of one folded word; cached, as words repeat across a dump."""
    return " ".join(tokens(folded_word))


def _name_words(names: Iterable[str]) -> set[str]:
    """The keys of the words that candidates are found by: no digits, no short or stop words."""
    found = set()
    for name in set(names):
        for word in fold_once(name).split():
            if len(word) >= 3 and not word.isdigit() and word not in _STOPWORDS:
                found.add(_word_key(word))
    return found


def _raw_names(entity: Mapping[str, Any]) -> list[str]:
    names = [str(v.get("value", "")) for v in (entity.get("labels") or {}).values()]
    for entries in (entity.get("aliases") or {}).values():
        names.extend(str(v.get("value", "")) for v in entries)
    return names


@dataclass
class ExtractScan:
    """What one pass over an extract found."""

    candidates: dict[str, list[Candidate]]  #: best first, per entity IRI
    items: dict[str, WikidataItem]  #: the wanted QIDs that were found
    entities_read: int


def scan_extract(
    path: Path,
    entities: list[EntityRecord],
    *,
    wanted: set[str] | frozenset[str] = frozenset(),
    per_entity: int = 5,
    progress: Progress | None = None,
) -> ExtractScan:
    """One pass over an extract: candidates for ``entities`` and the ``wanted`` items."""
    by_word: dict[str, list[EntityRecord]] = defaultdict(list)
    for entity in entities:
        for word in _name_words(entity.names):
            by_word[word].append(entity)
    heaps: dict[str, list[Candidate]] = defaultdict(list)
    items: dict[str, WikidataItem] = {}
    count = 0
    for raw_entity in iter_entities(path, progress=progress):
        count += 1
        qid = str(raw_entity.get("id", ""))
        words = _name_words(_raw_names(raw_entity)) if by_word else set()
        matching = {e.iri: e for word in words for e in by_word.get(word, ())}
        if not matching and qid not in wanted:
            continue
        item = parse_item(raw_entity)
        if item is None:
            continue
        if qid in wanted:
            items[qid] = item
        for entity in matching.values():
            evidence = score_item(entity, item)
            if evidence.name.value < MIN_NAME:
                continue
            heap = heaps[entity.iri]
            candidate = Candidate(evidence.value, item.qid, item, evidence)
            if len(heap) < per_entity:
                heapq.heappush(heap, candidate)
            elif candidate > heap[0]:
                heapq.heapreplace(heap, candidate)
    ranked = {iri: sorted(heap, key=rank) for iri, heap in heaps.items()}
    return ExtractScan(candidates=ranked, items=items, entities_read=count)


def rank(candidate: Candidate) -> tuple[float, int]:
    """Best score first; among equals the older (smaller) QID, as Wikidata search does."""
    return (-candidate.score, int(candidate.qid[1:]))
