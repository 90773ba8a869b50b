"""HTML rendering of page contexts with Jinja2 (no web framework here).

One environment for the app: templates in ``app/templates``, autoescaping on for every template
(every label is text, never markup), ``StrictUndefined`` so that a template naming a field its
context does not have fails loudly instead of printing nothing. Templates get exactly one
variable, ``page``: a frozen context of ``app.pages.context``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "static"


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
    )
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}
    return env


def render(page: Any) -> str:
    """Render a page context with the template it names."""
    template: str = page.template
    return environment().get_template(template).render(page=page)
