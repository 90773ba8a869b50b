"""The import rules of ``docs/architecture.md``, checked with import-linter.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``): the data layer and the read
model never import the web framework, the routes, the pages or the command line; pages read the
store only through the read model; no two packages or modules of ``app`` import each other.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_every_import_contract_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    assert f"Contracts: {len(contracts)} kept, 0 broken." in report, report
    assert exit_code == 0, report
