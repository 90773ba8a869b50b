"""Comparing names the way a reader does: case, accents and transliteration do not matter.

Pure functions, no store and no web framework; search (``app.read.search``) and reconciliation use
the same rules, so a name found by one is found by the other.

The API, from the most literal to the most forgiving:

``fold(text)``
    Unicode compatibility decomposition, accents dropped, case folded, apostrophes and
    soft-sign primes removed, other punctuation turned into spaces, spaces collapsed.
``key(text)``
    ``fold`` plus the transliteration rules below, word by word, so that the usual romanizations
    of one Russian name share one key.
``words(text)``
    The words of ``key(text)``, as a tuple.
``match(query, name)``
    How ``name`` answers ``query`` for search and autocomplete: a :class:`Match` with a
    :class:`MatchKind` (exact, prefix, word prefix or substring) and a score in (0, 1], or None.
``match_forms(query_key, folded_query, name_key, folded_name)``
    ``match`` on forms computed beforehand (``forms(text)`` gives both without the memo caches),
    for the search index, which keeps the forms of every name.
``similarity(a, b)``
    A score in [0, 1] of how alike two names are whatever their word order (1 for equal keys),
    for ranking reconciliation candidates.

Examples (they run as doctests, ``tests/test_doctests.py``):

>>> fold("Dem\u2019ian BEDNYI")
'demian bednyi'
>>> key("Izvestiia") == key("Izvestia") == "izvestia"
True
>>> key("Bednyi") == key("Bedny") == "bedni", key("Dem'ian") == key("Demyan")
(True, True)
>>> [key(name) for name in ("Alexei", "Trotzky", "Yezhov")]
['aleksei', 'trotski', 'ezhov']
>>> match("stal", "Joseph Stalin").kind
<MatchKind.WORD_PREFIX: 'word-prefix'>
>>> similarity("Stalin Joseph", "Joseph Stalin")
1.0

Transliteration rules of ``key`` (applied in this order to each folded word; both sides of a
comparison go through them, so a rule only has to map variants onto the same string):

==========================  ==========================  =====================================
rule                        example                     why
==========================  ==========================  =====================================
``x`` -> ``ks``             Alexei -> aleksei           English vs. Library of Congress
``tz`` -> ``ts``            Trotzky -> trotsky          German-style spellings
``y`` + vowel -> ``i`` +    Demyan -> demian,           ``ya yu ye yo`` (BGN) vs. ``ia iu ie
vowel                       Izvestiya -> izvestiia      io`` (ALA-LC)
``iia`` -> ``ia``           Izvestiia -> izvestia       ALA-LC ``-iia`` vs. simplified ``-ia``
word-final ``yy ii iy yi     Bednyi, Bednyy, Bedny ->    adjectival endings ``-ый -ий``
y`` -> ``i``                bedni
``ie`` -> ``e``             Yezhov -> ezhov,            Cyrillic e as ``ye``, ``ie`` or ``e``
                            Dmitriev -> dmitrev
==========================  ==========================  =====================================
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import Enum
from functools import lru_cache

__all__ = [
    "Match",
    "MatchKind",
    "fold",
    "forms",
    "key",
    "match",
    "match_forms",
    "similarity",
    "words",
]

# Letters NFKD does not decompose into a base letter plus accents.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "\u0131": "i",
        "œ": "oe",
        "þ": "th",
    }
)
# Apostrophes and primes: in romanized Russian they mark the soft or hard sign (Dem'ian,
# Lazar', Ob"edinenie; often printed as U+2019) and are simply left out in popular spellings.
_DELETED = re.compile(r"[\u0027\u2018\u2019\u201b\u02b9\u02ba\u02bc\u02bb\u2032\u2033\u0022]")
_NOT_WORD = re.compile(r"[\W_]+")

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile("x"), "ks"),
    (re.compile("tz"), "ts"),
    (re.compile("y(?=[aeiou])"), "i"),
    (re.compile("iia"), "ia"),
    (re.compile("(?:yy|ii|iy|yi|y)$"), "i"),
    (re.compile("ie"), "e"),
)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of ``text`` (see the module docstring)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold()).translate(_SPECIAL_LETTERS)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", _DELETED.sub("", bare)).split())


def _word_key(word: str) -> str:
    for pattern, replacement in _RULES:
        word = pattern.sub(replacement, word)
    return word


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """The transliteration-insensitive keys of the words of ``text``."""
    return tuple(_word_key(word) for word in fold(text).split())


def key(text: str) -> str:
    """One string for all usual spellings of a name (see the module docstring for the rules)."""
    return " ".join(words(text))


def forms(text: str) -> tuple[str, str]:
    """``(key(text), fold(text))`` computed without the memo caches: for indexing many names
    once (``app.read.search``), which would only push out the names queries keep asking about."""
    folded = fold.__wrapped__(text)
    return " ".join(_word_key(word) for word in folded.split()), folded


class MatchKind(Enum):
    """How a name answers a query, best first."""

    EXACT = "exact"
    """The whole name, up to case, accents and transliteration."""
    PREFIX = "prefix"
    """The name starts with the query (autocomplete)."""
    WORD_PREFIX = "word-prefix"
    """Every query word starts a different word of the name, in any order ("kagan laz")."""
    SUBSTRING = "substring"
    """The query occurs inside the name ("ganovich")."""
    CLOSE = "close"
    """Not as typed: words of the name are within a typo of the query's ("Kaganovitch");
    search answers these only when nothing matches as typed (``app.read.search``)."""


_BASE_SCORE = {
    MatchKind.EXACT: 0.8,
    MatchKind.PREFIX: 0.6,
    MatchKind.WORD_PREFIX: 0.4,
    MatchKind.SUBSTRING: 0.2,
    MatchKind.CLOSE: 0.1,
}


@dataclass(frozen=True)
class Match:
    """A name's answer to a query: its kind and a score in (0, 1], higher is better.

    Within a kind, a match that also holds before transliteration rules (on ``fold``) scores a
    little higher, and a query covering more of the name scores higher.
    """

    score: float
    kind: MatchKind


def _word_prefix(query_words: tuple[str, ...], name_words: tuple[str, ...]) -> bool:
    """True when each query word is a prefix of a distinct name word (greedy, longest first)."""
    free = list(name_words)
    for word in sorted(query_words, key=len, reverse=True):
        for index, candidate in enumerate(free):
            if candidate.startswith(word):
                del free[index]
                break
        else:
            return False
    return True


def _kind(query: str, name: str) -> MatchKind | None:
    if query == name:
        return MatchKind.EXACT
    if name.startswith(query):
        return MatchKind.PREFIX
    if " " not in query:  # one word: a prefix of some word of the name (not the first: above)
        if " " + query in name:
            return MatchKind.WORD_PREFIX
    elif _word_prefix(tuple(query.split()), tuple(name.split())):
        return MatchKind.WORD_PREFIX
    if query in name:
        return MatchKind.SUBSTRING
    return None


def match(query: str, name: str) -> Match | None:
    """How ``name`` answers ``query``, or None when it does not; an empty query matches nothing."""
    return match_forms(key(query), fold(query), key(name), fold(name))


def match_forms(query_key: str, folded_query: str, name_key: str, folded_name: str) -> Match | None:
    """:func:`match` on the ``key`` and ``fold`` forms of the query and the name, for callers
    that keep the forms of many names (``app.read.search``) instead of computing them per query."""
    if not query_key or not name_key:
        return None
    kind = _kind(query_key, name_key)
    if kind is None:
        return None
    literal = _kind(folded_query, folded_name)
    coverage = min(len(query_key) / len(name_key), 1.0)
    score = _BASE_SCORE[kind] + (0.1 if literal == kind else 0.0) + 0.09 * coverage
    return Match(round(score, 4), kind)


def similarity(a: str, b: str) -> float:
    """How alike two names are, in [0, 1]: 1 for equal keys, word order ignored."""
    key_a, key_b = key(a), key(b)
    if not key_a or not key_b:
        return 0.0
    if key_a == key_b:
        return 1.0
    in_order = SequenceMatcher(None, key_a, key_b).ratio()
    sorted_a, sorted_b = " ".join(sorted(key_a.split())), " ".join(sorted(key_b.split()))
    return round(max(in_order, SequenceMatcher(None, sorted_a, sorted_b).ratio()), 4)
