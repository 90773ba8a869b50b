"""Repairs of PDF-extracted text, each recorded as an edit on a ``TextBuilder``.

First of all, ``normalise_newlines``: CR LF and a lone CR (an uploaded file is kept as sent)
become LF, so the passes below, which look for LF, work on them, and clean offsets count one
character per line end, as a browser shows and copies the text. Then the passes, in the order
they run:

0. ``expand_ligatures``: ligature code points a PDF's text layer kept ("ﬁ", U+FB01; "ﬂ",
   U+FB02; ff, ffi, ffl, st) become their letters.
1. ``remove_markers``: a superscript footnote marker is deleted; where it glued two sentences
   ("exible.³Five") it becomes a space.
2. ``join_hyphenation``: a hyphen at a line end is dropped with the line break where it splits a
   word ("confronta-/tion"), and only the line break is dropped where the hyphen is real: before
   a capital ("Japanese-/Polish"), or when both halves are words and the joined form is much rarer
   than they are ("non-/aggression"). The graph's names count as words ("Muk-/den").
3. ``join_lines`` (footnotes only): a line break inside a footnote becomes a space.
4. ``restore_ligatures``: a word the lexicon does not know is tried with each of fi, fl, ff,
   ffi, ffl inserted at each position; the most frequent known candidate wins ("exible" ->
   "flexible", "Aairs" -> "Affairs"). A known but rare lower-case word is tried too, and
   restored only when the candidate is far more common ("rst" -> "first", "eet" -> "fleet").
   It runs before the next pass, which would otherwise take
   "Aairs" for two glued words.
5. ``restore_spaces``: spaces lost around italic titles: after , ; : ) and ” and before ( and “
   ("Fischer,Russia’s", "1941(New York"), and inside glued words ("paperPravdato" ->
   "paper Pravda to"): a word that the lexicon does not know is split where a lower-case letter
   meets a capital, and a capitalised chunk is split into a name or word plus a common word.
6. ``unknown_words``: the words still unknown are reported, unchanged.

Names of the graph are known words, so they are never split or "corrected"; a word with no known
repair stays as it is.
"""

from __future__ import annotations

import re

from app.ingest.lexicon import Lexicon, word_tokens
from app.ingest.offsets import TextBuilder
from app.ingest.page import Marker

__all__ = [
    "expand_ligatures",
    "join_hyphenation",
    "join_lines",
    "normalise_newlines",
    "remove_markers",
    "restore_ligatures",
    "restore_spaces",
    "unknown_words",
]

_LIGATURES = ("ffi", "ffl", "fi", "fl", "ff")
_HYPHEN = re.compile(r"([^\W\d_]+)-\n(?=([^\W\d_]+))")
_PUNCT_SPACE = re.compile(r"(?<=[,;:)”])(?=[^\W\d_])|(?<=[,;:])(?=\()|(?<=[\w.,”])(?=[(“])")
_CASE_BREAK = re.compile(r"(?<=[a-z])(?=[A-Z])")
_CAMEL_NAME = re.compile(r"^(?:Mc|Mac|De|Di|Da|La|Le|Van|Von)[A-Z][a-z]+$")
_RARE = 3.0  # a known word this rare ...
_GAIN = 2.0  # ... is restored when a ligature makes it this much more common ("rst" -> "first")
_MIN_JOINED = 1.0  # the joined word may be this much rarer (Zipf) than its rarer half
_MIN_SUFFIX = 3.0  # a word glued after a title is a common word
_MIN_LIGATURE = 2.0  # a restored word must be at least this common


def remove_markers(builder: TextBuilder, markers: tuple[Marker, ...]) -> None:
    """Delete the markers (run first, while clean and raw offsets still agree)."""
    start = builder.region[0]
    for marker in sorted(markers, key=lambda m: m.raw_start, reverse=True):
        clean = marker.raw_start - start
        length = marker.raw_end - marker.raw_start
        after = builder.text[clean + length : clean + length + 1]
        glued = bool(after) and (after.isalnum() or after in "“(")
        builder.replace(clean, clean + length, " " if glued else "", "marker")


_LIGATURE_CODES = {
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
    "\ufb05": "st", "\ufb06": "st",
}  # fmt: skip


def normalise_newlines(builder: TextBuilder) -> None:
    """CR LF and a lone CR become LF, as ``newline`` edits (the raw text keeps them)."""
    builder.normalise_line_ends("newline")


def expand_ligatures(builder: TextBuilder) -> None:
    """A ligature code point a PDF's text layer kept ("ﬁrst", U+FB01) becomes its letters."""
    for index in reversed([i for i, c in enumerate(builder.text) if c in _LIGATURE_CODES]):
        builder.replace(index, index + 1, _LIGATURE_CODES[builder.text[index]], "ligature")


def join_hyphenation(builder: TextBuilder, lexicon: Lexicon) -> None:
    text = builder.text
    for match in reversed(list(_HYPHEN.finditer(text))):
        left, right = match.group(1), match.group(2)
        hyphen = match.end(1)
        if _real_hyphen(left, right, lexicon):
            builder.replace(hyphen, hyphen + 2, "-", "hyphenation")
        else:
            builder.replace(hyphen, hyphen + 2, "", "hyphenation")


def _real_hyphen(left: str, right: str, lexicon: Lexicon) -> bool:
    if right[0].isupper():
        return True
    joined = left + right
    if lexicon.is_name(joined):
        return False
    halves = (lexicon.zipf(left), lexicon.zipf(right))
    if min(halves) == 0:
        return False
    whole = lexicon.zipf(joined)
    return whole == 0 or whole < min(halves) - _MIN_JOINED


def join_lines(builder: TextBuilder) -> None:
    for index in reversed([i for i, c in enumerate(builder.text) if c == "\n"]):
        builder.replace(index, index + 1, " ", "linebreak")


def restore_spaces(builder: TextBuilder, lexicon: Lexicon) -> None:
    for match in reversed(list(_PUNCT_SPACE.finditer(builder.text))):
        builder.replace(match.start(), match.start(), " ", "space")
    for token in reversed(word_tokens(builder.text)):
        word = token.group()
        if (
            len(word) < 4
            or lexicon.is_name(word)
            or (lexicon.knows(word) and not _case_break(word))
        ):
            continue
        split = _split_glued(word, lexicon)
        # One insertion per restored space, so the edits stay as small as the damage.
        inserted, offset = [], 0
        for index, char in enumerate(split):
            if char == " " and (index - offset >= len(word) or word[index - offset] != " "):
                inserted.append(token.start() + index - offset)
                offset += 1
        for position in reversed(inserted):
            builder.replace(position, position, " ", "space")


def _case_break(word: str) -> bool:
    """A capital after a lower-case letter: glued words ("ofThe"; wordfreq knows "ofthe" as a
    typo), unless the word starts like a name that has one (McCarthy, MacArthur, DeGaulle)."""
    return bool(_CASE_BREAK.search(word)) and not _CAMEL_NAME.match(word)


def _split_glued(word: str, lexicon: Lexicon) -> str:
    chunks = _CASE_BREAK.split(word)
    if len(chunks) == 1 and not (word[:1].isupper() and word[1:].islower()):
        return word
    out = []
    for index, chunk in enumerate(chunks):
        if index == 0 and len(chunks) > 1:
            out.append(chunk)  # the lower-case word before the title
        else:
            glued = len(chunks) > 1  # a lower-case letter met a capital: surely glued
            out.append(chunk if lexicon.knows(chunk) else _split_title_word(chunk, lexicon, glued))
    return " ".join(out)


def _split_title_word(chunk: str, lexicon: Lexicon, glued: bool) -> str:
    """ "Pravdato" -> "Pravda to": a name or word, then a common lower-case word.

    Without the evidence of a case break (``glued``), both parts must be common words, so that
    an unknown name ("Hsinking") is not cut into "Hsin king".
    """
    min_head, min_tail = (2.0, _MIN_SUFFIX) if glued else (3.0, 4.0)
    best, best_score = chunk, 0.0
    for cut in range(2, len(chunk) - 1):
        head, tail = chunk[:cut], chunk[cut:]
        if not tail.islower() or lexicon.zipf(tail) < min_tail:
            continue
        head_score = 6.0 if lexicon.is_name(head) else lexicon.zipf(head)
        if head_score < min_head:
            continue
        score = head_score + lexicon.zipf(tail)
        if score > best_score:
            best, best_score = f"{head} {tail}", score
    return best


def restore_ligatures(builder: TextBuilder, lexicon: Lexicon) -> None:
    for token in reversed(word_tokens(builder.text)):
        word = token.group()
        base = re.sub(r"['’]s$", "", word)
        if lexicon.is_name(base):
            continue
        floor = 0.0
        if lexicon.zipf(base) > 0:
            # A known but rare lower-case word is tried too; a capitalised one may be a name
            # ("Nish" is not "Finish"), and names are never "corrected" into common words.
            if base[:1].isupper() or lexicon.zipf(base) >= _RARE:
                continue
            floor = lexicon.zipf(base) + _GAIN
        repaired = _best_ligature(base, lexicon, floor)
        if repaired:
            end = token.start() + len(base)
            builder.replace(token.start(), end, repaired, "ligature")


def _best_ligature(word: str, lexicon: Lexicon, floor: float = 0.0) -> str | None:
    best, best_zipf = None, max(_MIN_LIGATURE, floor) - 0.001
    for position in range(len(word) + 1):
        for ligature in _LIGATURES:
            if word.isupper():
                ligature = ligature.upper()
            elif position == 0 and word[:1].isupper():
                candidate_rest = word[:1].lower() + word[1:]
                candidate = ligature.capitalize() + candidate_rest
                zipf = lexicon.zipf(candidate)
                if zipf > best_zipf:
                    best, best_zipf = candidate, zipf
                continue
            candidate = word[:position] + ligature + word[position:]
            zipf = lexicon.zipf(candidate)
            if zipf > best_zipf:
                best, best_zipf = candidate, zipf
    return best


def unknown_words(text: str, lexicon: Lexicon) -> list[tuple[int, int]]:
    """Spans of the words the lexicon does not know (after repair); single letters ignored."""
    return [
        (token.start(), token.end())
        for token in word_tokens(text)
        if len(token.group()) > 1 and not lexicon.knows(token.group())
    ]
