"""The examples in docstrings run, so they cannot drift from the code they show (as oxigraph's
``python/tests/test_doc.py`` does for its own)."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from app import dates, names
from app.linking import export


@pytest.mark.parametrize("module", [dates, names, export], ids=lambda m: m.__name__)
def test_docstring_examples_run(module: ModuleType) -> None:
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert attempted >= 5, f"{module.__name__} lost its examples"
    assert failed == 0
