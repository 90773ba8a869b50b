"""The Reconciliation Service API 0.2 over our graph: the logic, no HTTP.

OpenRefine (and any client of the W3C Entity Reconciliation CG's API, version 0.2) sends
batches of queries such as ``{"q0": {"query": "Voroshilov", "type": "Q5", "properties":
[{"pid": "date", "v": "1932"}]}}`` and gets ranked candidates back. ``ReconService`` answers
from an in-memory index of the store's entities (names, types, link, dates; see
``app.linking.records``), rebuilt when the store changes. ``app/routes/reconcile.py`` is only
the HTTP shell around it.

* Identifiers are entity IRIs relative to the base IRI (``person/kliment-voroshilov``), the
  manifest's ``identifierSpace``.
* Types are our CRM classes and type concepts; a query may name them by IRI, CURIE or a
  Wikidata class (``Q5`` is ``crm:E21_Person``). ``type_strict`` ``any`` (default) or ``all``
  filters, ``should`` only scores.
* Property conditions (``PROPERTIES``): ``date`` (also ``P585``, ``P580``, ``P582``) for when
  something happened or when someone was active, ``born``/``died`` (``P569``/``P570``),
  ``wikidata`` (a QID: decisive when it matches), ``altLabel`` (more names), ``type``.
* Scores follow ``app.linking.scoring``; each candidate has ``features``, plus two keys the
  schema allows beyond the spec's: ``why`` (the reasons in words) and ``wikidata`` (its QID).
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from app import __version__
from app.errors import InputError, NotReady, QueryTimeout
from app.linking.normalize import fold, match, tokens
from app.linking.recon_query import (
    MAX_LIMIT,
    PROPERTIES,
    PropertyInfo,
    Query,
    parse_query,
    property_info,
)
from app.linking.records import EntityRecord, load_records
from app.linking.scoring import (
    DATE_POINTS,
    MATCH_MARGIN,
    MATCH_SCORE,
    NameEvidence,
    best_name,
    hint_agreement,
    total,
)
from app.linking.types import TYPES, resolve_type, type_info
from app.store import Store
from app.vocab import CRM

__all__ = ["EntityIndex", "ReconService"]

MAX_QUERIES: Final = 100
MIN_NAME: Final = 0.5
SUGGEST_LIMIT: Final = 10
MAX_EXTEND_IDS: Final = 1000
ID_AGREES: Final = 100.0
ID_CLASH_POINTS: Final = -50.0
WIKIDATA_RECON: Final = "https://wikidata.reconci.link/en/api"


@dataclass
class EntityIndex:
    """The store's entities with lookup tables, built once per store state."""

    records: dict[str, EntityRecord]
    by_word: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    words: list[str] = field(default_factory=list)  #: sorted, for prefix lookups
    by_qid: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, records: dict[str, EntityRecord]) -> EntityIndex:
        index = cls(records)
        for iri, record in records.items():
            for name in record.names:
                for word in tokens(name):
                    index.by_word[word].add(iri)
            if record.qid:
                index.by_qid[record.qid] = iri
        index.words = sorted(index.by_word)
        return index

    def with_prefix(self, prefix: str) -> set[str]:
        """IRIs of entities with a name word starting with ``prefix``."""
        found: set[str] = set()
        start = bisect.bisect_left(self.words, prefix)
        for word in self.words[start:]:
            if not word.startswith(prefix):
                break
            found |= self.by_word[word]
        return found


class _Budget:
    """Raises ``QueryTimeout`` once the deadline has passed or the stop event is set; checked
    before each name comparison, so a batch stops within a comparison of its deadline."""

    def __init__(self, timeout: float | None, stop: threading.Event | None) -> None:
        self.timeout = timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.stop = stop

    def remaining(self) -> float | None:
        """Seconds left before the deadline (``None``: no deadline)."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def check(self) -> None:
        now = time.monotonic()
        if self.stop is not None and self.stop.is_set():
            raise QueryTimeout("The client went away; the reconciliation was stopped.")
        if self.deadline is not None and now > self.deadline:
            raise QueryTimeout(
                f"The reconciliation did not finish within {self.timeout:g} seconds.",
                hint="Send fewer queries at once, with fewer and shorter names.",
            )


def _types_of(record: EntityRecord) -> list[dict[str, str]]:
    infos = [info for iri in record.types if (info := type_info(iri)) is not None]
    infos.sort(key=lambda info: (info.broader is None, info.name))
    return [{"id": info.iri, "name": info.name} for info in infos]


_Key = tuple[int, int, str | None]


class _Build:
    """One build of the index, in its own thread; requests wait on ``done``."""

    def __init__(self, key: _Key) -> None:
        self.key = key
        self.done = threading.Event()
        self.index: EntityIndex | None = None
        self.error: BaseException | None = None


class ReconService:
    """Reconciliation over one store; thread-safe, with an index refreshed on change.

    The index is built in a thread of its own, once per store state: a request that needs it
    waits at most ``wait`` seconds (``None``: as long as it takes), then gets ``NotReady``
    while the build goes on for the requests after it. On a large store the build takes
    longer than a request should wait (``histkg serve`` starts it at start-up, in the warm-up).
    """

    def __init__(
        self, store: Store, *, base_iri: str, refresh: float = 5.0, wait: float | None = None
    ) -> None:
        self.store = store
        self.base_iri = base_iri
        self.refresh = refresh
        self.wait = wait
        self._lock = threading.Lock()
        self._index: EntityIndex | None = None
        self._key: _Key | None = None
        self._checked = 0.0
        self._building: _Build | None = None

    # ---------------------------------------------------------------- ids and index

    def entity_id(self, iri: str) -> str:
        return iri[len(self.base_iri) :] if iri.startswith(self.base_iri) else iri

    def entity_iri(self, identifier: str) -> str:
        if identifier.startswith(("http://", "https://")):
            return identifier
        return self.base_iri + identifier

    def index(self) -> EntityIndex:
        """The index, rebuilt when the store has changed (waiting ``wait`` seconds at most)."""
        return self._ready(self.wait)

    def warm(self) -> None:
        """Build the index for the store's state now, however long it takes (the warm-up of
        ``histkg serve``, so that the first request does not wait for it)."""
        self._ready(None)

    def _ready(self, wait: float | None) -> EntityIndex:
        """The index for the store's state, waiting at most ``wait`` seconds for its build.

        Keyed by the store's write generation (every write through this store bumps it, at
        once) as well as its size and curated digest (checked every ``refresh`` seconds, for
        writes a remote store gets from elsewhere). The size alone missed an edit that kept the
        number of quads: an edited label went on being served.
        """
        with self._lock:
            now = time.monotonic()
            generation = self.store.generation
            stale = self._key is None or self._key[0] != generation
            if self._index is not None and not stale and now - self._checked <= self.refresh:
                return self._index
            key = (generation, len(self.store), self.store.recorded_digest())
            if key == self._key and self._index is not None:
                self._checked = now
                return self._index
            build = self._building
            if build is None or build.key != key:
                build = self._building = _Build(key)
                threading.Thread(
                    target=self._build, args=(build,), name="histkg-reconcile-index", daemon=True
                ).start()
        if not build.done.wait(wait):
            raise NotReady(
                "The reconciliation index of this graph is still being built.",
                hint="It is built once after start and after each change; on a large graph "
                "that takes a while. Retry in a minute.",
            )
        if build.error is not None:
            raise build.error
        assert build.index is not None  # noqa: S101 - a build without error has an index
        return build.index

    def _build(self, build: _Build) -> None:
        """Build the index for ``build.key``; keep it if no newer build was started meanwhile."""
        try:
            build.index = EntityIndex.build(load_records(self.store))
        except Exception as error:  # given to the waiting requests, which report it
            build.error = error
        with self._lock:
            if self._building is build:
                self._building = None
                if build.index is not None:
                    self._index, self._key = build.index, build.key
                    self._checked = time.monotonic()
        build.done.set()

    # ---------------------------------------------------------------- manifest

    def manifest(self, endpoint: str) -> dict[str, Any]:
        """The service manifest; ``endpoint`` is the absolute URL of ``/reconcile``."""
        service = {"service_url": endpoint}
        return {
            "versions": ["0.2"],
            "name": "histkg: historical events knowledge graph",
            "identifierSpace": self.base_iri,
            "schemaSpace": CRM.NS,
            "serviceVersion": __version__,
            "defaultTypes": [
                {"id": info.iri, "name": info.name} for info in TYPES if info.broader is None
            ],
            # the entity's page on this server (the permanent IRI may not resolve here)
            "view": {"url": endpoint.rsplit("/reconcile", 1)[0] + "/id/{{id}}"},
            "preview": {"url": endpoint + "/preview?id={{id}}", "width": 400, "height": 160},
            "suggest": {
                "entity": {**service, "service_path": "/suggest/entity"},
                "type": {**service, "service_path": "/suggest/type"},
                "property": {**service, "service_path": "/suggest/property"},
            },
            "extend": {
                "propose_properties": {**service, "service_path": "/properties"},
                "property_settings": [],
            },
        }

    # ---------------------------------------------------------------- reconciliation

    def reconcile(
        self, batch: Any, *, timeout: float | None = None, stop: threading.Event | None = None
    ) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """Answer a batch of queries (the decoded ``queries`` parameter).

        The work stops with ``QueryTimeout`` after ``timeout`` seconds, or as soon as ``stop`` is
        set (the client went away): fuzzy matching a batch can take minutes of CPU that nobody
        would wait for.
        """
        if not isinstance(batch, Mapping):
            raise InputError("`queries` must be a JSON object of queries by key")
        if len(batch) > MAX_QUERIES:
            raise InputError(f"at most {MAX_QUERIES} queries per batch, got {len(batch)}")
        queries = {str(key): parse_query(raw, str(key)) for key, raw in batch.items()}
        check = _Budget(timeout, stop)
        index = self._ready(self.wait if timeout is None else check.remaining())
        return {
            key: {"result": self._candidates(query, index, check)} for key, query in queries.items()
        }

    def _type_check(self, query: Query, record: EntityRecord) -> tuple[int, str] | None:
        """Type agreement and reason, or ``None`` when the restriction excludes the record."""
        wanted, extra = query.types, query.extra_types
        if not wanted and not extra:
            return 0, ""
        fits = [info is not None and info.iri in record.types for info in wanted]
        names = ", ".join(info.name if info else "unknown type" for info in wanted + extra)
        if wanted and query.type_strict != "should":
            ok = all(fits) if query.type_strict == "all" else any(fits)
            return (1, f"type: {names} fits (+5)") if ok else None
        extra_fits = [info is not None and info.iri in record.types for info in extra]
        ok = any(fits + extra_fits)
        return (1, f"type: {names} fits (+5)") if ok else (-1, f"type: not {names} (-30)")

    def _date_check(self, query: Query, record: EntityRecord) -> tuple[int, list[str]]:
        if not query.dates:
            return 0, []
        agreements, reasons = [], []
        for given, hint in query.dates:
            if hint is None:
                reasons.append(f"date {given!r} not understood")
                continue
            agreement = hint_agreement(hint, record.span)
            agreements.append(agreement)
            ours = record.span.text if record.span else "unknown"
            verdict = {1: "agrees", 0: "not compared", -1: "clashes"}[agreement]
            reasons.append(f"{hint.kind} {hint.span.text}: ours {ours}, {verdict}")
        agreement = -1 if -1 in agreements else (1 if 1 in agreements else 0)
        points = DATE_POINTS[agreement]
        if points:
            reasons[-1] += f" ({points:+g})"
        return agreement, reasons

    def _pool(self, query: Query, index: EntityIndex) -> set[str]:
        pool = {index.by_qid[q] for q in query.qids if q in index.by_qid}
        for name in query.names:
            for word in tokens(name):
                pool |= index.by_word.get(word, set())
        if not pool and query.names and len(index.records) <= 50000:
            pool = set(index.records)  # no shared word: let fuzzy matching try them all
        return pool

    def _candidates(
        self, query: Query, index: EntityIndex, budget: _Budget | None = None
    ) -> list[dict[str, Any]]:
        scored: list[tuple[float, str, dict[str, Any]]] = []
        for iri in self._pool(query, index):
            if budget is not None:
                budget.check()
            record = index.records[iri]
            typed = self._type_check(query, record)
            if typed is None:
                continue
            type_agreement, type_reason = typed
            name = (
                best_name(
                    query.names,
                    record.label,
                    record.alt_labels,
                    None if budget is None else budget.check,
                )
                if query.names
                else (NameEvidence(0.0, "none", "", record.label, True))
            )
            id_agreement = 0
            if query.qids:
                id_agreement = 1 if record.qid in query.qids else (-1 if record.qid else 0)
            if name.value < MIN_NAME and id_agreement != 1:
                continue
            date_agreement, date_reasons = self._date_check(query, record)
            value = total(name, type_agreement, date_agreement)
            reasons = [name.text()] if query.names else []
            reasons += [type_reason] if type_reason else []
            reasons += date_reasons
            if id_agreement == 1:
                value = ID_AGREES
                reasons.append(f"Wikidata {record.qid} matches (score 100)")
            elif id_agreement == -1:
                value = max(0.0, value + ID_CLASH_POINTS)
                reasons.append(f"Wikidata {record.qid} is not {', '.join(query.qids)} (-50)")
            reasons += [f"property {pid!r} not used" for pid in query.ignored]
            features: list[dict[str, Any]] = [
                {"id": "name", "value": round(name.value, 4)},
                {"id": f"name_{name.kind}", "value": True},
                {"id": "name_on_label", "value": name.on_label},
                {"id": "type", "value": type_agreement},
                {"id": "date", "value": date_agreement},
            ]
            if query.qids:
                features.append({"id": "wikidata", "value": id_agreement})
            candidate: dict[str, Any] = {
                "id": self.entity_id(iri),
                "name": record.label,
                "description": record.description,
                "score": value,
                "match": False,
                "type": _types_of(record),
                "features": features,
                "why": "; ".join(reasons),
            }
            if record.qid:
                candidate["wikidata"] = record.qid
            scored.append((value, record.label, candidate))
        scored.sort(key=lambda item: (-item[0], fold(item[1]), item[2]["id"]))
        results = [candidate for _, _, candidate in scored[: query.limit]]
        if results:
            top = results[0]["score"]
            runner_up = scored[1][0] if len(scored) > 1 else 0.0
            decisive = top == ID_AGREES and query.qids
            results[0]["match"] = bool(
                decisive or (top >= MATCH_SCORE and top - runner_up >= MATCH_MARGIN)
            )
        return results

    # ---------------------------------------------------------------- suggest

    def suggest_entity(
        self,
        prefix: str,
        *,
        type_id: str | None = None,
        cursor: int = 0,
        limit: int = SUGGEST_LIMIT,
    ) -> dict[str, list[dict[str, Any]]]:
        """Entities whose names start with ``prefix``, or whose words each query word starts,
        ranked as search ranks them (``app.names.match``)."""
        index = self.index()
        words = tokens(prefix)
        if not words:
            return {"result": []}
        pool: set[str] | None = None
        for word in words:
            found = index.with_prefix(word)
            pool = found if pool is None else pool & found
        wanted = resolve_type(type_id) if type_id else None
        ranked = []
        for iri in pool or ():
            record = index.records[iri]
            if wanted is not None and wanted.iri not in record.types:
                continue
            scores = [m.score for name in record.names if (m := match(prefix, name)) is not None]
            if scores:
                ranked.append((-max(scores), len(record.label), fold(record.label), iri))
        chosen = [index.records[iri] for *_, iri in sorted(ranked)]
        page = chosen[max(0, cursor) : max(0, cursor) + min(limit, MAX_LIMIT)]
        return {
            "result": [
                {
                    "id": self.entity_id(r.iri),
                    "name": r.label,
                    "description": r.description,
                    "notable": _types_of(r),
                }
                for r in page
            ]
        }

    def suggest_type(self, prefix: str) -> dict[str, list[dict[str, Any]]]:
        """Our types whose name (or class name) starts with ``prefix``."""
        folded = fold(prefix)
        found = []
        for info in TYPES:
            local = info.iri.rsplit("/", 1)[-1]
            if any(
                fold(text).startswith(folded) for text in (info.name, local, *info.name.split())
            ):
                entry: dict[str, Any] = {"id": info.iri, "name": info.name}
                broader = type_info(info.broader) if info.broader else None
                if broader:
                    entry["broader"] = [{"id": broader.iri, "name": broader.name}]
                found.append(entry)
        return {"result": found}

    def suggest_property(self, prefix: str) -> dict[str, list[dict[str, str]]]:
        """Properties whose id or name starts with ``prefix``."""
        folded = fold(prefix)
        return {
            "result": [
                {"id": p.id, "name": p.name, "description": p.description}
                for p in PROPERTIES
                if not folded or any(fold(t).startswith(folded) for t in (p.id, p.name))
            ]
        }

    # ---------------------------------------------------------------- data extension

    def propose_properties(self, type_id: str | None, limit: int | None) -> dict[str, Any]:
        """Properties worth fetching for entities of ``type_id`` (all of ours apply to all)."""
        chosen = [p for p in PROPERTIES if p.extend]
        if limit is not None:
            chosen = chosen[: max(0, limit)]
        answer: dict[str, Any] = {
            "properties": [
                {"id": p.id, "name": p.name, "description": p.description} for p in chosen
            ]
        }
        if type_id is not None:
            answer["type"] = type_id
        if limit is not None:
            answer["limit"] = limit
        return answer

    def extend(self, request: Any) -> dict[str, Any]:
        """Property values for entities (the decoded ``extend`` parameter)."""
        if not isinstance(request, Mapping):
            raise InputError("`extend` must be a JSON object with `ids` and `properties`")
        ids, props = request.get("ids"), request.get("properties")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise InputError("`extend.ids` must be a list of entity identifiers")
        if not isinstance(props, list) or not all(
            isinstance(p, Mapping) and isinstance(p.get("id"), str) for p in props
        ):
            raise InputError("`extend.properties` must be a list of objects with an `id`")
        if len(ids) > MAX_EXTEND_IDS:
            raise InputError(f"at most {MAX_EXTEND_IDS} ids per extension request")
        chosen = []
        for p in props:
            prop = property_info(str(p["id"]))
            if prop is None or not prop.extend:
                raise InputError(
                    f"unknown property {p['id']!r}",
                    hint="Ask /reconcile/properties for the properties this service offers.",
                )
            chosen.append((str(p["id"]), prop))
        index = self.index()
        rows = {}
        for identifier in ids:
            record = index.records.get(self.entity_iri(identifier))
            rows[identifier] = {
                pid: self._values_of(record, prop) if record else [] for pid, prop in chosen
            }
        return {"meta": [self._meta(pid, prop) for pid, prop in chosen], "rows": rows}

    @staticmethod
    def _meta(pid: str, prop: PropertyInfo) -> dict[str, Any]:
        meta: dict[str, Any] = {"id": pid, "name": prop.name}
        if prop.id == "wikidata":
            meta["service"] = WIKIDATA_RECON
        return meta

    @staticmethod
    def _values_of(record: EntityRecord, prop: PropertyInfo) -> list[dict[str, Any]]:
        if prop.id == "label":
            return [{"str": record.label}]
        if prop.id == "altLabel":
            return [{"str": name} for name in record.alt_labels]
        if prop.id == "description":
            return [{"str": record.description}] if record.description else []
        if prop.id == "type":
            return _types_of(record)
        if prop.id == "wikidata":
            return [{"id": record.qid, "name": record.qid}] if record.qid else []
        if prop.id == "date":
            return [{"str": record.span.text}] if record.span else []
        if prop.id in ("begin", "end"):
            value = record.begin if prop.id == "begin" else record.end
            if not value:
                return []
            return [{"date": value}]
        return []

    # ---------------------------------------------------------------- preview

    def record(self, identifier: str) -> EntityRecord | None:
        """The entity an identifier names, for previews."""
        return self.index().records.get(self.entity_iri(identifier))
