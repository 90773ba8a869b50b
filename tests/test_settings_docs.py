"""Documentation cannot drift: every setting and every CLI command/option is documented.

The README's first screen is for historians; the settings table is in ``docs/operations.md`` and
the commands in ``docs/commands.md``, both linked from the README.
"""

import re
from pathlib import Path

import pytest
import typer.core
import typer.main

from app.cli import cli
from app.settings import Settings

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
COMMANDS_DOC = (ROOT / "docs" / "commands.md").read_text()
ALL_DOCS = "\n".join(
    path.read_text() for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
)
COMMAND = typer.main.get_command(cli)
assert isinstance(COMMAND, typer.core.TyperGroup)
COMMANDS = COMMAND.commands


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_has_a_description_and_a_readme_row(name: str) -> None:
    description = Settings.model_fields[name].description
    assert description, f"Settings.{name} needs a description"
    rows = [line for line in ALL_DOCS.splitlines() if line.startswith(f"| `HISTKG_{name.upper()}`")]
    assert len(rows) == 1, f"docs need one settings-table row for HISTKG_{name.upper()}"
    assert description in rows[0], "the settings row should repeat the field's description"


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
    heading = f"### `histkg {name}"
    assert heading in COMMANDS_DOC, f"docs/commands.md needs a section for `histkg {name}`"
    section = COMMANDS_DOC.split(heading, 1)[1].split("\n### ", 1)[0]
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


def test_readme_links_only_to_documentation_that_exists() -> None:
    """Moving sections into docs/ must not leave a link from the README pointing nowhere."""
    for target in re.findall(r"\]\(((?:docs|ontology|tests)/[^)#]+)", README):
        assert (ROOT / target).is_file(), f"README links to {target}, which does not exist"
    for page in (ROOT / "docs").glob("*.md"):
        for target in re.findall(r"\]\(([^)#:]+\.md)", page.read_text()):
            assert (page.parent / target).is_file(), f"{page.name} links to {target}: missing"


def test_readme_first_screen_is_for_historians() -> None:
    """What it is, the two commands, how to add a page, where to read more: operations elsewhere."""
    headings = re.findall(r"^## (.+)$", README, flags=re.M)
    assert headings[:3] == ["What it is", "Adding a page: the workbench", "Where to read more"]
    for moved in ("Settings", "Benchmarks", "Hostile input", "Store and graph layout"):
        assert moved not in headings, f"{moved} belongs in docs/, linked from the README"
    workbench = README.split("## Adding a page: the workbench", 1)[1].split("\n## ", 1)[0]
    for step in ("histkg user add", "/signin", "/workbench"):
        assert step in workbench
