"""The repository carries what its tests need: a fresh clone, with nothing beside it, checks itself.

The conformance material is vendored in ``tests/conformance/`` byte for byte, with a checksum
per file, so that what "conformant" means cannot change without a test failing; the checked
Wikidata table is a data file of the project.
"""

import hashlib
from pathlib import Path

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
