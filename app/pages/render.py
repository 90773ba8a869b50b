"""HTML rendering of page contexts with Jinja2 (no web framework here).

One environment for the app: templates in ``app/templates``, autoescaping on for every template
(every label is text, never markup), ``StrictUndefined`` so that a template naming a field its
context does not have fails loudly instead of printing nothing. Templates get exactly one
variable, ``page``: a frozen context of ``app.pages.context``.

No value is printed longer than ``LONGEST_TEXT`` characters (Jinja's ``finalize``, the
``tojson`` filter and ``page_data`` for the ``.json`` views cut it, ending it with an ellipsis):
a megabyte label in the store must not make a megabyte page, whichever template prints it. The
shapes allow no longer text (``ontology/shapes.ttl``, ``hks:ShownTextShape``), so only values
that bypassed them are cut; the entity page then links to its RDF, which has them whole.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "static"

LONGEST_NAME = 500
"""Most characters of a name (label, alternative label, title) the shapes allow."""
LONGEST_TEXT = 5000
"""Most characters of any text the shapes allow, and of any value a page prints."""
ELLIPSIS = "\u2026"


def clip(value: Any, longest: int = LONGEST_TEXT) -> Any:
    """``value`` with every string in it cut to ``longest`` characters (markup left alone)."""
    if isinstance(value, str) and not isinstance(value, Markup) and len(value) > longest:
        return value[:longest] + ELLIPSIS
    if isinstance(value, dict):
        return {key: clip(item, longest) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clip(item, longest) for item in value]
    return value


def page_data(page: Any) -> dict[str, Any]:
    """A page context as JSON-ready data (the ``.json`` views), long values cut."""
    data: dict[str, Any] = clip(dataclasses.asdict(page))
    return data


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment of the app (built once)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        finalize=clip,
    )
    env.filters["tojson"] = lambda value: htmlsafe_json_dumps(clip(value))
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}
    return env


def render(page: Any) -> str:
    """Render a page context with the template it names."""
    template: str = page.template
    return environment().get_template(template).render(page=page)
