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

from app.vocab import PREFIXES

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
                "query": text,
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
