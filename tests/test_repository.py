"""The repository carries what its tests need: a fresh clone, with nothing beside it, checks itself.

The conformance material is vendored in ``tests/conformance/`` byte for byte, with a checksum
per file, so that what "conformant" means cannot change without a test failing; the checked
Wikidata table is a data file of the project.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.sparql.servers import COMPOSE
from fixtures.system import PACKAGES, which

REPO = Path(__file__).resolve().parent.parent
CONFORMANCE = REPO / "tests" / "conformance"
# Files of ours in the vendored folder, not copies: the notes and the licence texts.
NOT_VENDORED = {"README.md", "SHA256SUMS"}


def recorded_checksums() -> dict[str, str]:
    """``SHA256SUMS`` as path -> digest (the format ``sha256sum -c`` reads)."""
    sums: dict[str, str] = {}
    for line in (CONFORMANCE / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, path = line.split(maxsplit=1)
        sums[path] = digest
    return sums


def test_every_vendored_conformance_file_is_the_one_recorded() -> None:
    sums = recorded_checksums()
    found = {
        path.relative_to(CONFORMANCE).as_posix()
        for path in CONFORMANCE.rglob("*")
        if path.is_file()
        and path.name not in NOT_VENDORED
        and "LICENSES" not in path.parts
        and "__pycache__" not in path.parts
    }
    assert found == set(sums), "SHA256SUMS must list exactly the vendored files"
    for name, digest in sums.items():
        actual = hashlib.sha256((CONFORMANCE / name).read_bytes()).hexdigest()
        assert actual == digest, f"{name} differs from the copy recorded in SHA256SUMS"
    assert len(sums) >= 70


def test_the_vendored_material_names_its_origin_and_ships_its_licences() -> None:
    readme = (CONFORMANCE / "README.md").read_text(encoding="utf-8")
    for origin in ("w3c/rdf-tests", "reconciliation-api/specs", "0.2", "2012-11-20"):
        assert origin in readme
    for licence in ("W3C-BSD-3-Clause.txt", "W3C-software-and-document-2023.txt"):
        text = (CONFORMANCE / "LICENSES" / licence).read_text(encoding="utf-8")
        assert f"LICENSES/{licence}" in readme
        assert "DISCLAIMED" in text or 'PROVIDED "AS IS,"' in text


# ------------------------------------------------------------------ checks CI runs


@pytest.mark.needs("docker-compose")
def test_the_compose_file_is_valid_and_an_invalid_one_is_refused(tmp_path: Path) -> None:
    """No Docker engine runs here, so ``docker-compose config -q`` is the check: the file
    parses and every option is one Compose knows, with values of the right type."""
    assert compose_config(COMPOSE) == (0, "")
    text = COMPOSE.read_text(encoding="utf-8")
    for good, bad in (
        ("retries: 3", "retries: three"),
        ("  histkg:\n", "  histkg:\n    bogus: 1\n"),
    ):
        assert good in text
        broken = tmp_path / "docker-compose.yml"
        broken.write_text(text.replace(good, bad, 1), encoding="utf-8")
        status, errors = compose_config(broken)
        assert status != 0
        assert ("three" in errors) or ("bogus" in errors), errors


def compose_config(path: Path) -> tuple[int, str]:
    """Exit status and error output of ``docker-compose -f PATH config -q``."""
    done = subprocess.run(
        [str(which("docker-compose")), "-f", str(path), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stderr.strip()


def test_system_packages_script_and_the_needs_marker_know_the_same_packages() -> None:
    script = (REPO / "scripts" / "system-packages").read_text(encoding="utf-8")
    table = script.split("PACKAGES=(", 1)[1].split(")", 1)[0]
    rows = [line.strip().strip('"').split() for line in table.strip().splitlines()]
    assert {row[0]: row[1:] for row in rows} == {
        package: ["|".join(names) for names in programs] for package, programs in PACKAGES.items()
    }


@pytest.mark.parametrize(("ci", "outcome"), [("", "1 skipped"), ("true", "1 error")])
def test_a_missing_package_skips_with_how_to_install_it_and_fails_in_ci(
    ci: str, outcome: str
) -> None:
    """The compose test above, run where docker-compose cannot be found (PATH holds only the
    virtualenv): one line names the package and the way to install it; under CI=true the
    same line fails the run (an error at set-up, before any fixture starts)."""
    venv_bin = str(Path(sys.executable).parent)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            f"{__file__}::test_the_compose_file_is_valid_and_an_invalid_one_is_refused",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
        env={**os.environ, "PATH": venv_bin, "CI": ci},
    )
    assert outcome in done.stdout, done.stdout + done.stderr
    assert "docker-compose is not installed: scripts/system-packages installs it" in done.stdout
    assert "sudo apt-get install docker-compose" in done.stdout
    assert "Traceback" not in done.stdout
