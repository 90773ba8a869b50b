"""The word lexicon repairs are checked against: word frequencies plus the graph's own names.

Word frequencies come from ``wordfreq`` (its "large" English list, 321,000 words; the data ships
inside the wheel, so nothing is downloaded at run time). wordfreq's frequencies are drawn from
Wikipedia, subtitles, books, news and web text: a well-kept general library of English. Names
are the tokens of every label and alternative label of the graph, so that "Bednyi" or "ROSSPEN",
which wordfreq does not know, count as known words and are never "corrected".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import cache

from wordfreq import get_frequency_dict

__all__ = ["Lexicon", "fold_apostrophes", "word_tokens"]

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_APOSTROPHES = {ord(c): "'" for c in "’ʼʹ‘"}


def fold_apostrophes(text: str) -> str:
    """Typographic apostrophes and modifier letters (’ ʼ ʹ) as ASCII ``'``; same length."""
    return text.translate(_APOSTROPHES)


def word_tokens(text: str) -> list[re.Match[str]]:
    """Words (letters, with inner apostrophes) of a text, with their offsets."""
    return list(_WORD.finditer(text))


@cache
def _frequencies() -> dict[str, float]:
    return get_frequency_dict("en", wordlist="large")


class Lexicon:
    """Knows how common an English word is, and which words are names in the graph."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._freq = _frequencies()
        self.names: set[str] = set()
        for name in names:
            for token in word_tokens(fold_apostrophes(name)):
                self.names.add(token.group().lower())

    def zipf(self, word: str) -> float:
        """wordfreq's Zipf value (log10 of frequency per billion words); 0 for unknown words."""
        key = fold_apostrophes(word).lower()
        frequency = self._freq.get(key) or self._freq.get(_POSSESSIVE.sub("", key))
        return round(math.log10(frequency) + 9, 2) if frequency else 0.0

    def is_name(self, word: str) -> bool:
        key = fold_apostrophes(word).lower()
        return key in self.names or _POSSESSIVE.sub("", key) in self.names

    def knows(self, word: str) -> bool:
        """A word is known when it is a name of the graph or wordfreq has seen it."""
        return self.is_name(word) or self.zipf(word) > 0
