"""Name comparison for linking, on top of ``app.names`` (the rules search uses too).

``app.names`` folds case, accents and apostrophes (``fold``), maps the usual romanizations of
one Russian name onto one key (``key``, ``words``: Bednyi/Bedny, Izvestiia/Izvestia), and
grades prefix matches for autocomplete (``match``). Scoring also needs to know *how* two names
matched, to say so in its reasons; ``name_similarity`` adds that classification:

=========  =====  ==========================================================================
kind       value  when
=========  =====  ==========================================================================
exact      1.0    the same name once folded (``Dem'ian Bednyi`` / ``demian bednyi``)
variant    0.95   the same transliteration key (``Bednyi`` / ``Bedny``)
words      ≤0.9   every word of one is a word of the other (``Voroshilov`` / ``Kliment
                  Voroshilov``): 0.7 + 0.2 x the share of the longer name covered, 0.6 + ...
                  when the candidate is the shorter
fuzzy      ≤0.85  0.85 x ``app.names.similarity`` (character ratio, word order ignored)
=========  =====  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.names import fold, key, match, similarity, words

__all__ = ["NameMatch", "fold", "fold_once", "key", "match", "name_similarity", "tokens"]

tokens = words
"""The transliteration keys of the words of a name (``app.names.words``)."""

fold_once: Callable[[str], str] = getattr(fold, "__wrapped__", fold)
"""``fold`` without ``app.names``' memo cache, for streaming a dump: each of millions of names
is folded once, and caching them would only fill the cache (65,536 names, some 16 MB)."""


@dataclass(frozen=True)
class NameMatch:
    """How well a query name matches a candidate name: a value in 0..1 and its kind."""

    value: float
    kind: str  #: exact, variant, words, fuzzy or none


def name_similarity(query: str, candidate: str) -> NameMatch:
    """Compare two names (see the table in the module docstring)."""
    folded_query, folded_candidate = fold(query), fold(candidate)
    if not folded_query or not folded_candidate:
        return NameMatch(0.0, "none")
    if folded_query == folded_candidate:
        return NameMatch(1.0, "exact")
    if key(query) == key(candidate):
        return NameMatch(0.95, "variant")
    query_words, candidate_words = set(words(query)), set(words(candidate))
    if query_words <= candidate_words:
        return NameMatch(round(0.7 + 0.2 * len(query_words) / len(candidate_words), 4), "words")
    if candidate_words <= query_words:
        return NameMatch(round(0.6 + 0.2 * len(candidate_words) / len(query_words), 4), "words")
    return NameMatch(round(0.85 * similarity(query, candidate), 4), "fuzzy")
