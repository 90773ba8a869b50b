"""Runtime settings: one pydantic-settings class, read from ``HISTKG_*`` environment variables.

Everything configurable lives here so that the CLI, the web app and the tests share one source of
truth; ``create_app(settings)`` takes an instance explicitly so tests can pass their own. Every
field carries a ``description`` that ``tests/test_settings_docs.py`` checks against
``docs/operations.md``.
"""

from pathlib import Path

from platformdirs import user_cache_path, user_data_path
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.vocab import ID

#: The repository root when running from a checkout: the directory holding ``ontology/``/``data/``.
_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def default_store_path() -> str:
    """Return the platform data directory for the store.

    Called at instantiation time (not import time) so a changed ``XDG_DATA_HOME`` is honoured;
    on Linux this is ``$XDG_DATA_HOME/histkg/store`` or ``~/.local/share/histkg/store``.
    """
    return str(user_data_path("histkg", appauthor=False) / "store")


def default_wikidata_cache() -> str:
    """Return the platform cache directory for Wikidata API answers (``~/.cache/histkg/wikidata``
    on Linux, or under ``$XDG_CACHE_HOME``)."""
    return str(user_cache_path("histkg", appauthor=False) / "wikidata")


class Settings(BaseSettings):
    """All histkg settings; each maps to the environment variable ``HISTKG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="HISTKG_", extra="ignore")

    store: str = Field(
        default_factory=default_store_path,
        description=(
            "Where the RDF store lives: a directory path, `memory` for a throw-away "
            "in-memory store, or the `http(s)://` query URL of a SPARQL 1.1 server."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Interface `histkg serve` listens on.")
    port: int = Field(default=8000, ge=0, le=65535, description="TCP port `histkg serve` uses.")
    base_iri: str = Field(
        default=ID,
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
        default=10.0,
        gt=0,
        description=(
            "Seconds a SPARQL query may run before it is stopped; a request may ask for less "
            "(`timeout=`), never more. `/reconcile` waits as long for its entity index (then "
            "503 `not_ready`)."
        ),
    )
    read_only: bool = Field(
        default=False,
        description=(
            "`histkg serve` serves the store as it is and refuses every write (403 "
            "`update_not_allowed`); nothing else may write the store meanwhile, and it may "
            "then be served by several processes (`HISTKG_SERVE_PROCESSES`)."
        ),
    )
    serve_processes: int = Field(
        default=1,
        ge=1,
        le=64,
        description=(
            "Processes a read-only `histkg serve` answers requests with, each reading the "
            "store on disk (a server that takes writes is one process)."
        ),
    )
    validation_process: bool = Field(
        default=True,
        description=(
            "`histkg serve` checks writes against the shapes in a process of its own, at a "
            "lower CPU priority, so that readers keep the server's process while someone "
            "writes (embedded on-disk stores; otherwise, or when it fails, in the server)."
        ),
    )
    write_timeout: float = Field(
        default=60.0,
        gt=0,
        description=(
            "Seconds the validation process may take to check one write against the shapes; "
            "past it the write is refused (503 `validation_timeout`) and nothing is written."
        ),
    )
    max_rows: int = Field(
        default=10000, gt=0, description="Most result rows or triples a query returns."
    )
    query_workers: int = Field(
        default=3,
        ge=0,
        description=(
            "Worker processes that run queries on the embedded store; one past its deadline is "
            "killed, freeing its CPU. 0 runs queries in threads, which cannot be stopped."
        ),
    )
    service_allowlist: str = Field(
        default="",
        description=(
            "Comma-separated hosts (`host` or `host:port`) that SPARQL `SERVICE` may reach; "
            "empty refuses every `SERVICE`."
        ),
    )
    store_update_url: str | None = Field(
        default=None,
        description=(
            "For a remote store: its SPARQL Update URL (default: the query URL, with a final "
            "`/query` replaced by `/update`)."
        ),
    )
    wikidata_api: str = Field(
        default="https://www.wikidata.org/w/api.php",
        description=(
            "The MediaWiki API `histkg link --api` searches and fetches Wikidata items from."
        ),
    )
    wikidata_user_agent: str = Field(
        default="histkg (https://w3id.org/histkg; histkg link)",
        description=(
            "User-Agent sent to the Wikidata API; Wikimedia asks for a way to reach you, so add "
            "your e-mail or URL."
        ),
    )
    wikidata_cache: str = Field(
        default_factory=default_wikidata_cache,
        description=(
            "Directory where `histkg link --api` keeps Wikidata API answers for a week; empty "
            "disables the cache."
        ),
    )
    wikidata_languages: str = Field(
        default="en,ru,de,fr,ja,zh",
        description=(
            "Comma-separated language codes whose Wikidata labels and aliases `histkg link "
            "--verify` puts into the facts graph."
        ),
    )
    wikidata_min_interval: float = Field(
        default=1.0, ge=0, description="Least seconds between two requests to the Wikidata API."
    )
    wikidata_online: bool = Field(
        default=False,
        description=(
            "Let the workbench's proposals view ask the Wikidata API (`HISTKG_WIKIDATA_API`) "
            "for items the page's entities may be; off by default, so no page fetches from "
            "another host."
        ),
    )
    store_graph_store_url: str | None = Field(
        default=None,
        description=(
            "For a remote store: its SPARQL Graph Store Protocol URL. When set, loads PUT each "
            "graph there (one request per graph, so not all or nothing) instead of one SPARQL "
            "Update; needed for Virtuoso (`.../sparql-graph-crud`)."
        ),
    )

    write_tokens: str = Field(
        default="",
        description=(
            "Comma-separated SHA-256 hex digests of the bearer tokens that may write through "
            "`/update` and `/store` (the digest of the token text, no newline, as `sha256sum` "
            "prints it), each optionally named `name:digest`: the name is the agent the "
            "revision history records (unnamed: `token-` and the digest's first 8 digits); "
            "empty disables writes."
        ),
    )

    users_file: str = Field(
        default="",
        description=(
            "The SQLite file holding the curator accounts (`histkg user`) and the session "
            "key; empty: `<store>.users.sqlite3` beside an on-disk store (required for a "
            "`memory` or remote store)."
        ),
    )
    signin_attempts: int = Field(
        default=5,
        ge=0,
        description=("Failed sign-ins in a row after which an account is locked; 0 never locks."),
    )
    signin_lockout: float = Field(
        default=900.0,
        gt=0,
        description="Seconds an account stays locked after `HISTKG_SIGNIN_ATTEMPTS` failures.",
    )
    session_hours: float = Field(
        default=12.0,
        gt=0,
        description="Hours a curator's sign-in lasts before the workbench asks again.",
    )

    max_request_bytes: int = Field(
        default=4_194_304,
        gt=0,
        description="Largest request body accepted (bytes); a larger one is answered with 413.",
    )
    max_upload_pages: int = Field(
        default=50,
        ge=1,
        description=(
            "Most pages one upload of a book (a PDF, or a text with form feeds) may add in the "
            "workbench, all in one revision; a longer book or range goes in with "
            "`histkg ingest BOOK --into-store`."
        ),
    )
    rate_limit: int = Field(
        default=0,
        ge=0,
        description=(
            "Requests per minute one client address may send (bursts up to that many); more "
            "are answered with 429 and `Retry-After`. 0 turns the limit off."
        ),
    )
    max_result_bytes: int = Field(
        default=268_435_456,
        ge=0,
        description=(
            "Most bytes one SPARQL answer may take once serialized (it is spooled to a temporary "
            "file past 1 MiB); a larger one is answered with 400 `result_too_large`. 0 means no "
            "limit."
        ),
    )
    max_queued_queries: int = Field(
        default=32,
        ge=0,
        description=(
            "SPARQL queries that may wait for a free query worker at once; a query past that "
            "(with `HISTKG_QUERY_WORKERS` already answering) gets 503 and `Retry-After`."
        ),
    )

    max_header_bytes: int = Field(
        default=16_384,
        ge=1024,
        description=(
            "Largest request line and headers together (bytes); a larger request is answered "
            "with 431 and the connection closed."
        ),
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        description=(
            "Seconds a connection may take to send a request's line and headers; a slower one "
            "(or one that sends nothing) is closed."
        ),
    )
    body_timeout: float = Field(
        default=30.0,
        gt=0,
        description=(
            "Seconds a client may take to send a request body once its headers are in; a slower "
            "one is answered with 408 and the connection closed."
        ),
    )
    max_connections: int = Field(
        default=1000,
        ge=1,
        description=(
            "Open connections `histkg serve` keeps at most (lowered to fit the open-file limit); "
            "past it, the connection idle longest before sending its headers is closed."
        ),
    )
    page_cache_mb: int = Field(
        default=64,
        ge=0,
        description=(
            "Memory (MiB) for whole answers of entity pages (`/id/...`), kept until the store "
            "changes and served without building or rendering them again; 0 turns it off."
        ),
    )
    query_memory: int = Field(
        default=2048,
        ge=0,
        description=(
            "Memory (MiB of address space) a query may use in its worker, beyond what the "
            "idle worker holds; a query needing more is stopped with 503 `query_memory` and "
            "the worker replaced. 0 means no limit."
        ),
    )

    base_url: str = Field(
        default="",
        description=(
            "The server's public address (`https://histkg.example.org`): absolute URLs in "
            "redirects and descriptions use it instead of the request's `Host` header."
        ),
    )
    trusted_hosts: str = Field(
        default="localhost,127.0.0.1,::1",
        description=(
            "Comma-separated host names requests may be addressed to (the `Host` header), "
            "besides those of `HISTKG_BASE_URL` and `HISTKG_HOST`; others get 400. `*` allows "
            "any."
        ),
    )

    @property
    def write_token_hashes(self) -> frozenset[str]:
        """The ``write_tokens`` digests, trimmed and lower-cased."""
        return frozenset(self.write_token_names)

    @property
    def write_token_names(self) -> dict[str, str]:
        """Each ``write_tokens`` digest (lower-cased) with the agent name it writes as."""
        names: dict[str, str] = {}
        for entry in (part.strip() for part in self.write_tokens.split(",")):
            name, _, digest = entry.rpartition(":")
            digest = digest.strip().lower()
            if digest:
                names[digest] = name.strip() or f"token-{digest[:8]}"
        return names

    @property
    def label_languages(self) -> tuple[str, ...]:
        """``wikidata_languages`` as a tuple of codes, in the order given."""
        return tuple(code.strip() for code in self.wikidata_languages.split(",") if code.strip())

    @property
    def service_hosts(self) -> list[str]:
        """The ``service_allowlist`` entries, trimmed."""
        return [host.strip() for host in self.service_allowlist.split(",") if host.strip()]

    @property
    def ontology_dir(self) -> Path:
        """The curated ontology folder (shapes are there too, but are never loaded)."""
        return self.project_dir / "ontology"

    @property
    def data_dir(self) -> Path:
        """The curated instance-data folder."""
        return self.project_dir / "data"
