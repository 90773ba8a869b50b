"""Entity mentions: the graph's names found in a text under their variants, and unknown names.

Names and text are compared as sequences of folded words, so one pattern per name finds:

* spelling variants: case, typographic apostrophes, diacritics, and the usual variants of
  romanized Russian ("Izvestiia"/"Izvestia", "Bednyi"/"Bedny", "Dem’ian"/"Demyan",
  "Maksim"/"Maxim"): soft signs dropped, ``ya/yu/ye`` as ``ia/iu/e``, ``-yi/-ii/-iy`` as ``-y``;
* initials: a single capital with a full stop is skipped, so the label "Kliment Voroshilov"
  finds "Kliment E. Voroshilov" and "Maksim Litvinov" finds "Maksim M. Litvinov";
* possessives: "Moscow’s" is "Moscow" (the mention's span stops before the ’s).

Words are only matched across white space (and "&"), never across punctuation. The matching is
one pass of an Aho-Corasick automaton (pyahocorasick) over the folded words, so its cost does not
grow with the number of names in the graph. Overlapping matches keep the longest, leftmost one.
A name starting with a capital never matches a lower-case word. When one name belongs to several
entities, the entity it labels (rather than one it is an alternative name of) wins; a city that
is also the metonym of a government ("Moscow") is the place after a locative preposition ("away
from Moscow") and the group otherwise ("Moscow was alarmed").

Unknown names are proposed as candidates (``entity`` null): runs of capitalised words, joined by
"of", "the", "and", "&", not at the start of a sentence unless the lexicon does not know them, and
not a common word or an adjective of nationality before a noun ("Soviet press").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ahocorasick

from app.ingest.graph import Name
from app.ingest.lexicon import Lexicon, fold_apostrophes
from app.names import key as name_key

__all__ = ["Mention", "MentionFinder"]

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|&")
_INITIAL = re.compile(r"^[A-Z]$")
_LOCATIVE = {"in", "at", "from", "to", "into", "near", "outside", "inside", "around", "across"}
_CONNECTORS = {"of", "the", "and", "&", "de", "von", "van", "der", "la", "le", "du"}
_NOT_NAMES = {
    "I", "Ibid", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
}  # fmt: skip
_OPENERS = {
    "a", "an", "the", "this", "that", "these", "those", "his", "her", "its", "their", "our",
    "but", "and", "yet", "so", "if", "as", "when", "while", "after", "before", "although",
    "though", "even", "indeed", "in", "on", "at", "by", "for", "with", "from", "of", "to",
    "likewise", "however", "moreover", "meanwhile", "then", "thus", "there", "here", "it",
    "he", "she", "they", "we",
}  # fmt: skip
_DEMONYM = re.compile(r"(?:an|ese|ish|ic|i)$")
_COMMON = 4.0  # Zipf at which a capitalised word is taken for an ordinary word


@dataclass(frozen=True)
class Mention:
    """A name in a text: its span, the entity it names (or ``None``) and that entity's label."""

    text: str
    start: int
    end: int
    entity: str | None
    label: str
    footnote: int | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "entity": self.entity,
            "label": self.label,
            "footnote": self.footnote,
        }


_POSSESSIVE = re.compile(r"'s$", re.IGNORECASE)


def fold(word: str) -> str:
    """The comparison form of one word: its ``app.names.key``, without a possessive ``'s``
    (the same rules as search and reconciliation, so a name one finds the others find). The
    one token without letters, ``&``, stays itself: names are matched across it."""
    return name_key(_POSSESSIVE.sub("", fold_apostrophes(word))) or word


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int  # possessive excluded
    key: str
    gap_before: str


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    previous_end = 0
    for match in _TOKEN.finditer(text):
        word = match.group()
        end = match.end() - (2 if re.search(r"['’]s$", word) else 0)
        # An initial ("E.") is skipped: its gap joins the next word's.
        if _INITIAL.match(word) and text[match.end() : match.end() + 1] == ".":
            continue
        found.append(
            _Token(word, match.start(), end, fold(word), text[previous_end : match.start()])
        )
        previous_end = match.end()
    return found


def _sentence_start(text: str, token: _Token) -> bool:
    before = text[: token.start].rstrip(' \n“"(')
    return not before or before[-1] in ".?!"


def _sentence_word(word: str) -> bool:
    """A capitalised word that starts sentences: a function word, or a verb or adverb form."""
    return word.lower() in _OPENERS or bool(re.search(r"(?:ing|ed|ly)$", word))


def _joined(gap: str) -> bool:
    """Words separated by this gap may belong to one name: white space, an initial's stop,
    an apostrophe ("Lazar’ Kaganovich"), a hyphen ("Russo-Japanese War")."""
    return not gap.strip() or bool(re.fullmatch(r"(?:\s|[A-Z]\.|['’ʹʼ-])*", gap))


class MentionFinder:
    """Finds the graph's names in texts; build once per graph, use for every text."""

    def __init__(self, names: list[Name], lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._names: dict[str, list[Name]] = {}
        for name in names:
            key = " ".join(t.key for t in _tokens(name.text))
            if key:
                self._names.setdefault(key, []).append(name)
        self._automaton = ahocorasick.Automaton()
        for key in self._names:
            self._automaton.add_word(f" {key} ", key)
        if self._names:
            self._automaton.make_automaton()

    def find(
        self, text: str, footnote: int | None = None, skip: tuple[int, int] | None = None
    ) -> list[Mention]:
        """Mentions in ``text``; nothing inside ``skip`` (a cited title: a work, not names)."""
        tokens = [t for t in _tokens(text) if not (skip and skip[0] <= t.start < skip[1])]
        known = self._known(text, tokens, footnote)
        taken = [(m.start, m.end) for m in known] + ([skip] if skip else [])
        candidates = self._candidates(text, tokens, taken, footnote)
        return sorted(known + candidates, key=lambda m: m.start)

    def _known(self, text: str, tokens: list[_Token], footnote: int | None) -> list[Mention]:
        if not self._names or not tokens:
            return []
        # Folded words joined by one space; "|" where punctuation separates two words.
        stream, starts = "", []
        for index, token in enumerate(tokens):
            if index and not _joined(token.gap_before):
                stream += " |"
            starts.append(len(stream) + 1)
            stream += " " + token.key
        stream += " "
        index_of = {offset: i for i, offset in enumerate(starts)}
        spans = []
        for end, key in self._automaton.iter(stream):
            first = index_of.get(end - len(key))
            if first is None:
                continue
            last = first + len(key.split()) - 1
            spans.append((first, last, key))
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        found, used_until = [], -1
        for first, last, key in spans:
            if first <= used_until:
                continue
            name = self._choose(self._names[key], tokens, first, footnote is not None)
            if name.text[:1].isupper() and tokens[first].text[:1].islower():
                continue
            used_until = last
            start, end = tokens[first].start, tokens[last].end
            found.append(Mention(text[start:end], start, end, name.entity, name.label, footnote))
        return found

    def _choose(
        self, names: list[Name], tokens: list[_Token], first: int, in_footnote: bool
    ) -> Name:
        entities = {n.entity for n in names}
        if len(entities) == 1:
            return names[0]
        kinds = {n.kind for n in names}
        if {"place", "group"} <= kinds:
            previous = tokens[first - 1].key if first else ""
            wanted = "place" if in_footnote or previous in _LOCATIVE else "group"
            return next(n for n in names if n.kind == wanted)
        return sorted(names, key=lambda n: (not n.preferred, n.entity))[0]

    def _candidates(
        self, text: str, tokens: list[_Token], taken: list[tuple[int, int]], footnote: int | None
    ) -> list[Mention]:
        found: list[Mention] = []
        run: list[_Token] = []

        def close() -> None:
            while run and run[-1].key in _CONNECTORS:
                run.pop()
            # "Excluding Soviet ...": a word that only starts the sentence is no name.
            if run and _sentence_start(text, run[0]) and _sentence_word(run[0].text):
                del run[0]
                while run and run[0].key in _CONNECTORS:
                    del run[0]
            if run and self._is_name(text, run):
                start, end = run[0].start, run[-1].end
                label = " ".join(text[start:end].split())
                found.append(Mention(text[start:end], start, end, None, label, footnote))
            run.clear()

        for token in tokens:
            inside = any(s <= token.start < e for s, e in taken)
            capital = token.text[:1].isupper() and token.text not in _NOT_NAMES
            if inside or not _joined(token.gap_before) or "-" in token.gap_before:
                close()
            if inside:
                continue
            if capital or (run and token.key in _CONNECTORS):
                run.append(token)
            else:
                close()
        close()
        return found

    def _is_name(self, text: str, run: list[_Token]) -> bool:
        words = [t for t in run if t.key not in _CONNECTORS]
        head = run[0]
        sentence_start = _sentence_start(text, head)
        if len(words) == 1:
            word = words[0].text
            common = self.lexicon.zipf(re.sub(r"['’]s$", "", word)) >= _COMMON
            after = text[head.end : head.end + 2]
            adjective = (
                _DEMONYM.search(word) is not None and after[:1] == " " and after[1:].islower()
            )
            if common or adjective or word.isdigit() or len(word) < 2:
                return False
        return not (sentence_start and len(words) == 1 and self.lexicon.zipf(words[0].text) > 0)
