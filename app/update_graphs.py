"""The graphs an update that names graphs by a variable reads and writes, found on the store.

Why: ``app.writes`` runs an update on an in-memory store holding only the graphs it can reach.
An update such as ``DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s a ex:Draft ;
?p ?o } }`` names its graphs by a variable, so any graph can be reached, and the whole store
was copied for it. Its WHERE pattern, run as a ``SELECT DISTINCT`` of its graph variables on
the live store, gives every graph a solution binds; run on those graphs (and the ones it names
by IRI, and the default graph), the update finds the same solutions and makes the same change.

That holds when the pattern is *monotone*: each solution is made of the quads it matched
alone, so adding graphs can only add solutions and removing graphs that no solution binds
removes none. Triple patterns, groups, ``GRAPH``, ``UNION``, ``VALUES``, ``BIND`` and
``FILTER`` with functions of the solution's own values are (each solution on the whole store
uses only the graphs it binds, all copied; each on the copy is one on the store). Anything
that reads the *absence* of data is not: ``OPTIONAL`` then ``FILTER(!BOUND(?g))`` keeps a
solution only when another graph holds no match, and on a copy without that graph it keeps
more (so a delete removes what the whole store run keeps); likewise ``MINUS``, ``EXISTS``,
subqueries, ``WITH``/``USING`` (another default graph) and a second operation (it reads what
the first wrote). So the words an update may use here are an allowlist (``_SAFE``), and an
update with any other word, or more than one operation, gets ``None``: the whole store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final

import pyoxigraph as ox

from app.sparql import _KEYWORD, Term, _code

Select = Callable[[str], Sequence[tuple[Term | None, ...]] | None]
"""Runs a SELECT on the live store with its real default graph (``Store.select_live``)."""

_SAFE_WORDS: Final = """
    PREFIX BASE DELETE INSERT WHERE GRAPH UNION FILTER BIND AS VALUES UNDEF a true false IN NOT
    STR LANG LANGMATCHES DATATYPE IRI URI STRLEN SUBSTR UCASE LCASE STRSTARTS STRENDS CONTAINS
    STRBEFORE STRAFTER ENCODE_FOR_URI CONCAT REPLACE REGEX ABS ROUND CEIL FLOOR YEAR MONTH DAY
    HOURS MINUTES SECONDS TIMEZONE TZ MD5 SHA1 SHA256 SHA384 SHA512 sameTerm isIRI isURI
    isBLANK isLITERAL isNUMERIC STRLANG STRDT
"""
_SAFE: Final = frozenset(_SAFE_WORDS.upper().split())
"""The words of a pattern proven monotone (see the module): each is either syntax that only
joins, unions or extends the solutions of the quads matched, or a function of one solution's
values. ``NOT`` is here for ``NOT IN``; ``NOT EXISTS`` is refused for ``EXISTS``. Left out:
``OPTIONAL``, ``MINUS``, ``EXISTS``, ``SELECT``, ``WITH``, ``USING``, ``BOUND``, ``COALESCE``
and ``IF`` (which read what is absent) and ``RAND``, ``NOW``, ``UUID``, ``BNODE``... (whose
value differs between the SELECT and the update)."""
_WORD: Final = re.compile(
    r"[?$]\w+"  # a variable
    r"|(?:[A-Za-z_][\w.-]*)?:[\w.%:-]*"  # a prefixed name or blank node label
    r"|@[A-Za-z]+(?:-[A-Za-z0-9]+)*"  # a language tag
    r"|\d[\w.+-]*"  # a number
    r"|(?P<word>[A-Za-z_]\w*)"
)
_OPERATION: Final = re.compile(_KEYWORD.format("(?:INSERT|DELETE)"), re.IGNORECASE)
_WHERE: Final = re.compile(_KEYWORD.format("WHERE"), re.IGNORECASE)
_GRAPH_VARIABLE: Final = re.compile(_KEYWORD.format("GRAPH") + r"\s+[?$](\w+)", re.IGNORECASE)


def variable_graphs(sparql_update: str, select: Select) -> set[ox.NamedNode] | None:
    """The named graphs the variables after ``GRAPH`` take in the update's solutions on the
    live store, or None when this update is not one this reading handles (see the module)."""
    code = _code(sparql_update)
    if "\\" in code or any(
        m.group("word") and m.group("word").upper() not in _SAFE for m in _WORD.finditer(code)
    ):
        return None
    depth = _depths(code)
    if any(c == ";" and depth[i] == 0 and code[i + 1 :].strip() for i, c in enumerate(code)):
        return None  # more than one operation
    operation = _OPERATION.search(code)
    wheres = [m for m in _WHERE.finditer(code) if depth[m.start()] == 0]
    variables = sorted({m.group(1) for m in _GRAPH_VARIABLE.finditer(code)})
    if operation is None or len(wheres) != 1 or not variables:
        return None
    group = _group(code, depth, wheres[0].end())
    if group is None:
        return None
    prologue = sparql_update[: operation.start()]
    pattern = sparql_update[group[0] : group[1]]
    projected = " ".join(f"?{name}" for name in variables)
    rows = select(f"{prologue}\nSELECT DISTINCT {projected} WHERE {pattern}")
    if rows is None:
        return None
    return {term for row in rows for term in row if isinstance(term, ox.NamedNode)}


def _depths(code: str) -> list[int]:
    """The brace depth before each character (strings and comments are blanked in ``code``)."""
    depths, depth = [], 0
    for char in code:
        if char == "}":
            depth -= 1
        depths.append(depth)
        if char == "{":
            depth += 1
    return depths


def _group(code: str, depth: list[int], start: int) -> tuple[int, int] | None:
    """The span of the ``{ ... }`` group that opens after ``start``."""
    opening = code.find("{", start)
    if opening < 0 or code[start:opening].strip():
        return None
    for end in range(opening + 1, len(code)):
        if code[end] == "}" and depth[end] == 0:
            return opening, end + 1
    return None
