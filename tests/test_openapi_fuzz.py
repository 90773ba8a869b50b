"""Schemathesis against our own ``/openapi.json``: every operation, over real HTTP.

A real uvicorn serves the curated graph (in memory, writable with a test token); schemathesis
reads the schema the app publishes and, for every operation, sends generated requests (valid
ones and, in its negative mode, invalid ones) with the token, so writes get past the 401, and
checks each answer: never a 5xx, a status code the operation declares, a declared content type,
a JSON body that matches the declared model, headers as declared, and an ``Allow`` header that
lists every method of the path. A failure here means either a bug or a schema that does not say
what the endpoint does; both are fixed in the app, never by loosening the checks here.

Not covered: ``/sparql``, a plain Starlette route kept out of the schema (its parameters and
result formats are the SPARQL 1.1 Protocol's; ``tests/test_protocol_conformance.py`` runs the
W3C protocol tests and ``tests/test_hostile.py`` fuzzes it), and the catch-all CORS preflight
``OPTIONS /reconcile/{path}``.

The example counts are small so the module stays well under a minute; Hypothesis finds the
shallow bugs (a missing declaration, a crash on an odd character) within a few examples. A
longer run: ``st run http://127.0.0.1:8000/openapi.json --checks all`` against a server.
"""

import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from fixtures.sparql.servers import REPO, serve_app
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.settings import Settings
from app.store import Store
from app.web import create_app

EXAMPLES = 12
TOKEN = "fuzz-token"  # noqa: S105 - a test token of a test server
SETTINGS = Settings(
    store="memory",
    project_dir=REPO,
    query_workers=1,
    write_tokens=hashlib.sha256(TOKEN.encode()).hexdigest(),
)

# Bodies of SPARQL Update and of RDF in text are strings: send them as text/plain ones are.
schemathesis.serializer.alias(
    ["application/sparql-update", "application/n-triples", "text/turtle"], "text/plain"
)

# The schema is taken from an app built like the served one (the lazy `from_fixture` loader
# does not work with pytest 9); the first test checks the server publishes exactly this.
OPENAPI = create_app(SETTINGS.model_copy(update={"query_workers": 0})).openapi()
schema = schemathesis.openapi.from_dict(OPENAPI)
schema.config.generation.update(
    max_examples=EXAMPLES,
    deterministic=True,
    database="none",
    modes=list(schemathesis.GenerationMode),
)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with Store.from_settings(SETTINGS) as store:
        store.load_curated(REPO)
        with serve_app(create_app(SETTINGS, store)) as base:
            yield base


def test_the_server_publishes_the_schema_under_test(url: str) -> None:
    assert httpx.get(f"{url}/openapi.json").json() == OPENAPI


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_every_operation_answers_as_its_schema_says(case: schemathesis.Case[Any], url: str) -> None:
    # The one exclusion: a body of SPARQL Update or RDF, or a `graph` IRI for a graph that may
    # not exist, can match its OpenAPI schema (a string) and still be wrong, so "schema-valid
    # but refused" is no bug for the write operations. Every other check still runs on them.
    unexpressible = case.operation.path in ("/update", "/store")
    case.call_and_validate(
        base_url=url,
        headers={"Authorization": f"Bearer {TOKEN}"},
        excluded_checks=[positive_data_acceptance] if unexpressible else None,
        timeout=30,
    )
