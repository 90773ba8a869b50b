"""The query editor's examples: the competency questions of ``tests/competency``, and prefixes.

The editor (``app/static/sparql/editor.html``, YASGUI) reads ``examples.json`` beside it. That
file is generated, because the Docker image and an installed package carry no ``tests/``:
``python -m app.sparql_editor`` rewrites it, and ``tests/test_sparql_editor.py`` fails when it
differs from what this module would write (a question added, changed or removed).
"""

import json
import re
import sys
from pathlib import Path
from typing import Any

from app.vocab import BASE, PREFIXES

ROOT = Path(__file__).resolve().parent.parent
COMPETENCY = ROOT / "tests" / "competency"
EXAMPLES = ROOT / "app" / "static" / "sparql" / "examples.json"

DEFAULT_QUERY = """SELECT ?thing ?label ?date WHERE {
  ?thing crm:P4_has_time-span ?span ;
      rdfs:label ?label .
  ?span rdfs:label ?date .
}
ORDER BY STR(?thing)
LIMIT 100
"""
"""The query a new editor tab opens with (after the PREFIX lines): what happened, and when."""

_QUESTION = re.compile(r"^#\s*Question:\s*(.+)$", re.MULTILINE)
_SELECT = re.compile(r"^(SELECT\s+(?:DISTINCT\s+)?)(.*?)(\s+WHERE\s*\{)", re.MULTILINE | re.DOTALL)
_GROUP_BY = re.compile(r"^(GROUP BY\s+[^\n]*?)\s*$", re.MULTILINE)


def our_iri_columns(expected: Path) -> list[str]:
    """The variables whose every expected value is an IRI of ours: those a reader wants named.

    Read from the question's expected ``.tsv`` so that no variable that may be unbound (or be a
    literal) gets a label pattern: an OPTIONAL label lookup on an unbound variable would match
    every label in the store and multiply the rows.
    """
    if not expected.is_file():
        return []
    header, *rows = expected.read_text(encoding="utf-8").splitlines()
    names = [name.removeprefix("?") for name in header.split("\t")]
    cells = [row.split("\t") for row in rows if row]
    if not cells:
        return []
    return [
        name
        for index, name in enumerate(names)
        if all(len(row) > index and row[index].startswith(f"<{BASE}") for row in cells)
    ]


def with_labels(query: str, names: list[str]) -> str:
    """``query`` with an English label beside each of ``names`` (``?x`` gets ``?xLabel``).

    The competency files stay as the tests assert them; only the editor's copy asks for labels,
    so its result table shows a name beside each IRI. Labels are unique per language (the
    shapes' ``sh:uniqueLang``), so the OPTIONAL never multiplies rows.
    """
    select = _SELECT.search(query)
    if not names or select is None or "(" in select.group(2):
        return query
    projected = select.group(2)
    for name in names:
        projected = re.sub(rf"\?{name}\b", f"?{name} ?{name}Label", projected, count=1)
    optionals = "".join(
        f'  OPTIONAL {{ ?{name} rdfs:label ?{name}Label FILTER(LANG(?{name}Label) = "en") }}\n'
        for name in names
    )
    head = query[: select.start(2)] + projected + query[select.end(2) :]
    close = head.rindex("}")
    labelled = head[:close].rstrip() + "\n" + optionals + head[close:]
    labels = " ".join(f"?{name}Label" for name in names)
    labelled = _GROUP_BY.sub(lambda found: f"{found.group(1)} {labels}", labelled, count=1)
    if not re.search(r"^PREFIX rdfs:", labelled, re.MULTILINE):
        declared = f"PREFIX rdfs: <{PREFIXES['rdfs']}>\n"
        prologue = list(re.finditer(r"^PREFIX [^\n]*\n", labelled[: select.start()], re.MULTILINE))
        at = prologue[-1].end() if prologue else select.start()
        labelled = labelled[:at] + declared + labelled[at:]
    return labelled


def build_examples(competency_dir: Path = COMPETENCY) -> dict[str, Any]:
    """The content of ``examples.json``: prefixes, the default query and one example per ``.rq``."""
    examples = []
    for path in sorted(competency_dir.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        found = _QUESTION.search(text)
        examples.append(
            {
                "id": path.stem,
                "question": found.group(1).strip() if found else path.stem,
                "query": with_labels(text, our_iri_columns(path.with_suffix(".tsv"))),
            }
        )
    return {"prefixes": PREFIXES, "default": DEFAULT_QUERY, "examples": examples}


def render(examples: dict[str, Any]) -> str:
    """The exact text of ``examples.json`` (stable, so the sync test can compare strings)."""
    return json.dumps(examples, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    """Rewrite ``examples.json`` (or with ``--check``, exit 1 if it is out of date)."""
    wanted = render(build_examples())
    current = EXAMPLES.read_text(encoding="utf-8") if EXAMPLES.exists() else ""
    if "--check" in argv:
        if current != wanted:
            print(f"{EXAMPLES} is out of date: run `python -m app.sparql_editor`.")
            return 1
        return 0
    EXAMPLES.write_text(wanted, encoding="utf-8")
    print(f"Wrote {len(build_examples()['examples'])} examples to {EXAMPLES}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
