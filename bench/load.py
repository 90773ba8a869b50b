"""The SPARQL query mix of the benchmarks, and ``bench/soak``'s mixed load of Python threads.

``bench/run`` sends the mix with wrk (``bench/wrk.py``); the soak keeps threads with one httpx
client each, since it inspects every answer's status and error code.
"""

import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

ID = "https://w3id.org/histkg/id/"
PREFIXES = (
    "PREFIX crm: <http://www.cidoc-crm.org/cidoc-crm/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
)
JSON = "application/sparql-results+json"


def person(rng: random.Random, persons: int) -> str:
    # half the lookups hit the heavy head of the participation distribution
    head = rng.random() < 0.5
    return f"{ID}person/synth-{rng.randrange(min(20, persons) if head else persons)}"


def query_mix(events: int, persons: int) -> dict[str, Callable[[random.Random], str]]:
    """The SPARQL query kinds, each a function of a random generator (for its parameters)."""
    return {
        "point": lambda r: (
            f"SELECT ?p ?o WHERE {{ <{ID}event/synth-{r.randrange(events)}> ?p ?o }}"
        ),
        "join": lambda r: (
            PREFIXES + "SELECT ?e ?label ?begin WHERE { "
            f"?e crm:P14_carried_out_by|crm:P11_had_participant <{person(r, persons)}> ; "
            "rdfs:label ?label ; crm:P4_has_time-span/crm:P82a_begin_of_the_begin ?begin } "
            "ORDER BY ?begin"
        ),
        "aggregate": lambda r: (
            PREFIXES + "SELECT ?year (COUNT(?e) AS ?events) WHERE { "
            "?e crm:P4_has_time-span/crm:P82a_begin_of_the_begin ?begin } "
            "GROUP BY (YEAR(?begin) AS ?year) ORDER BY ?year"
        ),
        "range": lambda r: (
            PREFIXES + "SELECT ?e ?begin WHERE { ?e crm:P4_has_time-span ?t . "
            "?t crm:P82a_begin_of_the_begin ?begin . "
            f'FILTER (?begin >= "{(y := 1890 + r.randrange(60))}-01-01T00:00:00"^^xsd:dateTime '
            f'&& ?begin < "{y + 1}-01-01T00:00:00"^^xsd:dateTime) }}'
        ),
        "inbound": lambda r: f"SELECT ?s ?p WHERE {{ ?s ?p <{person(r, persons)}> }}",
    }


@dataclass
class Run:
    requests: int
    errors: int
    elapsed: float
    latencies: list[float]

    def summary(self) -> dict[str, float | int | None]:
        ordered = sorted(self.latencies)

        def pct(q: float) -> float | None:
            return (
                round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)
                if ordered
                else None
            )

        return {
            "requests": self.requests,
            "errors": self.errors,
            "p50_ms": pct(0.5),
            "p99_ms": pct(0.99),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 2) if ordered else None,
            "throughput_rps": round(len(ordered) / self.elapsed, 2) if self.elapsed else None,
        }


@dataclass
class Tally:
    """One kind of request in a mixed run: the latencies of its successes and every outcome."""

    ok: str = "200"
    """The outcome that counts as success (``503 query_timeout`` for a runaway query)."""
    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    """Up to three URLs for each outcome other than 200, to reproduce it."""

    def add(self, result: str, took: float, url: str) -> None:
        self.outcomes[result] += 1
        if result == self.ok:
            self.latencies.append(took)
        elif len(self.examples.setdefault(result, [])) < 3:
            self.examples[result].append(url)

    def run(self, elapsed: float) -> Run:
        """As a ``Run``, for its ``summary()`` (errors: every other outcome)."""
        total = sum(self.outcomes.values())
        return Run(total, total - self.outcomes[self.ok], elapsed, self.latencies)


def outcome(response: httpx.Response) -> str:
    """``200``, or the status with the error code of our JSON error body (``503 query_timeout``)."""
    if response.status_code == 200:
        return "200"
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = response.headers.get("content-type", "").split(";")[0] or "no body"
    return f"{response.status_code} {code}"


def mixed(
    senders: Mapping[str, tuple[float, Callable[[httpx.Client, random.Random], httpx.Response]]],
    *,
    clients: int,
    seconds: float,
    seed: int = 0,
    timeout: float = 60.0,
) -> dict[str, Tally]:
    """``clients`` threads for ``seconds``; each request's kind is drawn by its weight."""
    lock = threading.Lock()
    kinds = list(senders)
    weights = [senders[kind][0] for kind in kinds]
    tallies = {kind: Tally() for kind in kinds}
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)  # noqa: S311 (parameters, not secrets)
        with httpx.Client(timeout=timeout) as client:
            while time.monotonic() < deadline:
                kind = rng.choices(kinds, weights)[0]
                began = time.perf_counter()
                try:
                    response = senders[kind][1](client, rng)
                    result, url = outcome(response), str(response.request.url)
                except httpx.HTTPError as error:
                    result, url = type(error).__name__, str(error.request.url)
                took = time.perf_counter() - began
                with lock:
                    tallies[kind].add(result, took, url)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tallies
