"""The graphs an update that names graphs by a variable reads and writes, found on the store.

Why: ``app.writes`` runs an update on an in-memory store holding only the graphs it can reach.
An update such as ``DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s a ex:Draft ;
?p ?o } }`` names its graphs by a variable, so any graph can be reached, and the whole store
was copied for it. Its WHERE pattern, run as a ``SELECT DISTINCT`` of its graph variables on
the live store, gives every graph a solution binds; run on those graphs (and the ones it names
by IRI, and the default graph), the update finds the same solutions and makes the same change.

That holds when every solution on the whole store is one on the chosen graphs and no other
appears, which needs the pattern to read no graph it does not bind. So only one operation
(a later one could read what an earlier one wrote), without ``WITH``/``USING`` (another
default graph), ``EXISTS``/``MINUS`` (a graph they read is in no solution) or subqueries (a
graph variable they hide) is handled here; any other gets ``None``, and the whole store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final

import pyoxigraph as ox

from app.sparql import _KEYWORD, Term, _code

Select = Callable[[str], Sequence[tuple[Term | None, ...]] | None]
"""Runs a SELECT on the live store with its real default graph (``Store.select_live``)."""

_UNHANDLED: Final = re.compile(
    _KEYWORD.format("(?:WITH|USING|EXISTS|MINUS|SELECT|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)"),
    re.IGNORECASE,
)
_OPERATION: Final = re.compile(_KEYWORD.format("(?:INSERT|DELETE)"), re.IGNORECASE)
_WHERE: Final = re.compile(_KEYWORD.format("WHERE"), re.IGNORECASE)
_GRAPH_VARIABLE: Final = re.compile(_KEYWORD.format("GRAPH") + r"\s+[?$](\w+)", re.IGNORECASE)


def variable_graphs(sparql_update: str, select: Select) -> set[ox.NamedNode] | None:
    """The named graphs the variables after ``GRAPH`` take in the update's solutions on the
    live store, or None when this update is not one this reading handles (see the module)."""
    code = _code(sparql_update)
    if "\\" in code or _UNHANDLED.search(code):
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
