"""Documentation cannot drift: every setting and every CLI command/option is in the README."""

import re
from pathlib import Path

import pytest
import typer.core
import typer.main

from app.cli import cli
from app.settings import Settings

README = (Path(__file__).parent.parent / "README.md").read_text()
COMMAND = typer.main.get_command(cli)
assert isinstance(COMMAND, typer.core.TyperGroup)
COMMANDS = COMMAND.commands


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_has_a_description_and_a_readme_row(name: str) -> None:
    description = Settings.model_fields[name].description
    assert description, f"Settings.{name} needs a description"
    rows = [line for line in README.splitlines() if line.startswith(f"| `HISTKG_{name.upper()}`")]
    assert len(rows) == 1, f"README needs one settings-table row for HISTKG_{name.upper()}"
    assert description in rows[0], "the README row should repeat the field's description"


def test_store_default_honours_xdg_data_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert Settings().store == str(tmp_path / "histkg" / "store")


def test_settings_come_from_histkg_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HISTKG_PORT", "9001")
    monkeypatch.setenv("HISTKG_STORE", "memory")
    settings = Settings()
    assert (settings.port, settings.store) == (9001, "memory")
    assert settings.ontology_dir == settings.project_dir / "ontology"
    assert settings.data_dir == settings.project_dir / "data"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_and_option_is_documented(name: str) -> None:
    assert f"### `histkg {name}" in README, f"README needs a section for `histkg {name}`"
    section = README.split(f"### `histkg {name}", 1)[1].split("\n### ", 1)[0]
    for parameter in COMMANDS[name].params:
        if isinstance(parameter, typer.core.TyperOption) and parameter.name != "help":
            assert any(opt in section for opt in parameter.opts), (
                f"`histkg {name}` section should mention {parameter.opts[0]}"
            )


def test_readme_opens_with_two_commands_and_ci_runs_the_test_one() -> None:
    opening = README.split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+)\n```", opening)
    assert len(commands) == 2
    assert commands[0].endswith("histkg serve")
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert ci.strip().splitlines()[-1] == commands[1]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """The README opens with two set-up commands; .ci/run must run the second one verbatim."""
    commands = re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)
    assert len(commands) >= 2
    serve, test = commands[0], commands[1]
    assert serve.endswith("histkg serve")
    assert "pytest" in test
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert test in ci.splitlines()
