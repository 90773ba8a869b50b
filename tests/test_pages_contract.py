"""The contract between page contexts and templates.

Templates only read what the contexts (``app.pages.context``) declare: every attribute a template
names is a field of some context dataclass, the only variable they get is ``page``, no template
looks things up by key or bypasses escaping, and every field carries a help text.
"""

import dataclasses
from pathlib import Path

import pytest
from jinja2 import meta, nodes

from app.pages import context
from app.pages.render import TEMPLATES, environment

TEMPLATE_FILES = sorted(p.name for p in TEMPLATES.glob("*.html") if not p.name.startswith("sparql"))
FIELDS = {f.name for cls in context.context_types() for f in dataclasses.fields(cls)}
LOOP_ATTRIBUTES = {"first", "last", "index", "index0", "length"}


def _ast(name: str) -> nodes.Template:
    env = environment()
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    return env.parse(source)


def _imported_names(tree: nodes.Template) -> set[str]:
    return {node.target for node in tree.find_all(nodes.Import)}


def test_every_context_field_has_a_help_text() -> None:
    missing = [
        f"{cls.__name__}.{f.name}"
        for cls in context.context_types()
        for f in dataclasses.fields(cls)
        if not str(f.metadata.get("help", "")).strip()
    ]
    assert not missing


def test_contexts_are_frozen() -> None:
    for cls in context.context_types():
        assert cls.__dataclass_params__.frozen, cls.__name__  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", TEMPLATE_FILES)
def test_templates_get_only_the_page(name: str) -> None:
    tree = _ast(name)
    undeclared = meta.find_undeclared_variables(tree) - _imported_names(tree)
    assert undeclared <= {"page"}, f"{name} reads {sorted(undeclared - {'page'})}"


@pytest.mark.parametrize("name", TEMPLATE_FILES)
def test_templates_read_only_declared_fields(name: str) -> None:
    tree = _ast(name)
    modules = _imported_names(tree)
    unknown = set()
    for node in tree.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name in modules:
            continue  # a macro of an imported template
        if isinstance(node.node, nodes.Name) and node.node.name == "loop":
            assert node.attr in LOOP_ATTRIBUTES
            continue
        if node.attr not in FIELDS:
            unknown.add(node.attr)
    assert not unknown, f"{name} reads undeclared fields {sorted(unknown)}"


@pytest.mark.parametrize("name", TEMPLATE_FILES)
def test_templates_neither_look_up_keys_nor_bypass_escaping(name: str) -> None:
    tree = _ast(name)
    for node in tree.find_all(nodes.Getitem):
        assert isinstance(node.arg, nodes.Const), f"{name}: lookups by key are not allowed"
        assert isinstance(node.arg.value, int), f"{name}: lookups by key are not allowed"
    filters = {node.name for node in tree.find_all(nodes.Filter)}
    assert "safe" not in filters
    assert not list(tree.find_all(nodes.MarkSafe))


def test_every_page_template_extends_base_and_errors_extend_error() -> None:
    for name in TEMPLATE_FILES:
        if name.startswith("_") or name == "base.html":
            continue
        extends = list(_ast(name).find_all(nodes.Extends))
        assert extends, f"{name} does not extend a layout"
    parents = {
        name: next(_ast(name).find_all(nodes.Extends)).template.value  # type: ignore[attr-defined]
        for name in ("error.html", "404.html", "entity.html", "person.html")
    }
    assert parents == {
        "error.html": "base.html",
        "404.html": "error.html",
        "entity.html": "base.html",
        "person.html": "entity.html",
    }


def test_the_environment_escapes_and_is_strict() -> None:
    env = environment()
    assert env.autoescape is True
    template = env.from_string("{{ page.label }}")
    assert template.render(page=context.Link(label="<b>&", href=None, iri="x")) == "&lt;b&gt;&amp;"
    with pytest.raises(Exception, match="has no attribute"):
        env.from_string("{{ page.nothing }}").render(page=context.Link(label="", href=None, iri=""))


def test_templates_and_static_files_are_packaged() -> None:
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    assert '"templates/*.html"' in pyproject
    assert '"static/*.*"' in pyproject
