"""Runtime settings: one pydantic-settings class, read from ``HISTKG_*`` environment variables.

Everything configurable lives here so that the CLI, the web app and the tests share one source of
truth; ``create_app(settings)`` takes an instance explicitly so tests can pass their own. Every
field carries a ``description`` that ``tests/test_settings_docs.py`` checks against the README.
"""

from pathlib import Path

from platformdirs import user_data_path
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The repository root when running from a checkout: the directory holding ``ontology/``/``data/``.
_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def default_store_path() -> str:
    """Return the platform data directory for the store.

    Called at instantiation time (not import time) so a changed ``XDG_DATA_HOME`` is honoured;
    on Linux this is ``$XDG_DATA_HOME/histkg/store`` or ``~/.local/share/histkg/store``.
    """
    return str(user_data_path("histkg", appauthor=False) / "store")


class Settings(BaseSettings):
    """All histkg settings; each maps to the environment variable ``HISTKG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="HISTKG_", extra="ignore")

    store: str = Field(
        default_factory=default_store_path,
        description=(
            "Where the RDF store lives: a directory path, or `memory` for a throw-away "
            "in-memory store. Remote `http(s)://` stores are not supported yet."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Interface `histkg serve` listens on.")
    port: int = Field(default=8000, ge=0, le=65535, description="TCP port `histkg serve` uses.")
    base_iri: str = Field(
        default="https://w3id.org/histkg/id/",
        description=(
            "Namespace of histkg entity IRIs; relative IRIs in loaded files resolve against it."
        ),
    )
    project_dir: Path = Field(
        default=_SOURCE_ROOT,
        description=(
            "Directory holding the curated `ontology/` and `data/` folders "
            "(default: the source checkout)."
        ),
    )
    query_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a SPARQL query may run before it is abandoned."
    )
    max_rows: int = Field(
        default=10000, gt=0, description="Most result rows or triples a query returns."
    )

    @property
    def ontology_dir(self) -> Path:
        """The curated ontology folder (shapes are there too, but are never loaded)."""
        return self.project_dir / "ontology"

    @property
    def data_dir(self) -> Path:
        """The curated instance-data folder."""
        return self.project_dir / "data"
