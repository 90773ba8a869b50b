"""A polite client of the live Wikidata API: search and entity fetch.

Three requests are used: ``wbsearchentities`` (a name to the QIDs whose label or alias starts
with it), ``list=search`` (a word to the QIDs whose names contain it) and ``wbgetentities``
(QIDs to entities in the JSON entity format, 50 per request). Politeness, as Wikimedia's API
etiquette asks:

* a descriptive ``User-Agent`` with a contact (``HISTKG_WIKIDATA_USER_AGENT``);
* one request at a time, at least ``min_interval`` seconds apart (a lock plus a clock);
* ``maxlag=5`` on every request; an answer of ``maxlag`` or ``ratelimited``, an HTTP 429 or
  5xx, or a network error is retried up to ``retries`` times, waiting as ``Retry-After`` says
  or else ``backoff x 2^attempt`` seconds (at most 60);
* an on-disk cache (``HISTKG_WIKIDATA_CACHE``): each successful answer is kept as a JSON file
  named by the SHA-256 of its parameters, with the time it was retrieved, and reused for
  ``max_age`` seconds. Reruns of ``histkg link`` therefore cost no requests, and the retrieval
  date shown with Wikidata facts is the date of the answer actually used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx

from app.errors import WikidataError
from app.linking.wikidata import WikidataItem, is_qid, parse_item
from app.settings import Settings

__all__ = ["WikidataApi"]

BATCH: Final = 50
MAX_WAIT: Final = 60.0
_RETRY_CODES: Final = frozenset(
    {"maxlag", "ratelimited", "readonly", "internal_api_error_DBQueryError"}
)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class WikidataApi:
    """Search and fetch Wikidata items through the MediaWiki action API."""

    def __init__(
        self,
        url: str,
        *,
        user_agent: str,
        cache_dir: Path | None = None,
        min_interval: float = 1.0,
        retries: int = 5,
        backoff: float = 1.0,
        timeout: float = 30.0,
        max_age: float = 7 * 24 * 3600,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self.cache_dir = cache_dir
        self.min_interval = min_interval
        self.retries = retries
        self.backoff = backoff
        self.max_age = max_age
        self.requests = 0  #: HTTP requests sent (retries included), for reports and tests
        self.cache_hits = 0
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last = 0.0
        self.sent_at: deque[float] = deque(maxlen=1000)
        """``time.monotonic()`` when the limiter let each request go (the latest thousand): the
        spacing it kept, as a report or test reads it, free of the network's jitter."""
        self._client = httpx.Client(
            timeout=timeout,
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            follow_redirects=True,
        )

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> WikidataApi:
        """A client configured by the ``HISTKG_WIKIDATA_*`` settings (``options``: retries,
        timeout... as the caller needs them)."""
        cache = Path(settings.wikidata_cache) if settings.wikidata_cache else None
        return cls(
            settings.wikidata_api,
            user_agent=settings.wikidata_user_agent,
            cache_dir=cache,
            min_interval=settings.wikidata_min_interval,
            **options,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> WikidataApi:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ---------------------------------------------------------------- actions

    def search(self, text: str, *, language: str = "en", limit: int = 7) -> list[str]:
        """QIDs of items whose label or alias matches ``text``, best first."""
        answer, _ = self._call(
            {
                "action": "wbsearchentities",
                "search": text,
                "language": language,
                "uselang": language,
                "type": "item",
                "limit": str(limit),
            }
        )
        hits = answer.get("search")
        if not isinstance(hits, list):
            raise WikidataError(f"{self.url}: wbsearchentities answered without a search list")
        return [
            str(hit["id"]) for hit in hits if isinstance(hit, dict) and is_qid(str(hit.get("id")))
        ]

    def fulltext(self, text: str, *, limit: int = 10) -> list[str]:
        """QIDs of items whose text has the words of ``text`` (``list=search``, CirrusSearch).

        Unlike ``wbsearchentities``, which matches the start of a label or alias, this finds a
        surname inside any name: "Litvinov" finds "Maxim Litvinov" when we spell him "Maksim".
        """
        answer, _ = self._call(
            {
                "action": "query",
                "list": "search",
                "srsearch": text,
                "srnamespace": "0",
                "srlimit": str(limit),
                "srprop": "",
            }
        )
        hits = (answer.get("query") or {}).get("search")
        if not isinstance(hits, list):
            raise WikidataError(f"{self.url}: list=search answered without a search list")
        titles = (str(hit.get("title", "")) for hit in hits if isinstance(hit, dict))
        return [title for title in titles if is_qid(title)]

    def items(self, qids: Iterable[str]) -> dict[str, WikidataItem | None]:
        """The items for ``qids`` (redirects followed); ``None`` for a deleted or missing one."""
        wanted = sorted({q for q in qids if is_qid(q)}, key=lambda q: int(q[1:]))
        found: dict[str, WikidataItem | None] = {}
        for start in range(0, len(wanted), BATCH):
            batch = wanted[start : start + BATCH]
            answer, retrieved = self._call(
                {
                    "action": "wbgetentities",
                    "ids": "|".join(batch),
                    "props": "info|labels|descriptions|aliases|claims",
                }
            )
            entities = answer.get("entities")
            if not isinstance(entities, dict):
                raise WikidataError(f"{self.url}: wbgetentities answered without entities")
            redirects = {
                str(r.get("from")): str(r.get("to")) for r in _redirect_list(entities, answer)
            }
            for qid in batch:
                target = redirects.get(qid, qid)
                entity = entities.get(qid) or entities.get(target)
                found[qid] = (
                    parse_item(entity, requested=qid, retrieved=retrieved)
                    if isinstance(entity, dict)
                    else None
                )
        return found

    # ---------------------------------------------------------------- transport

    def _call(self, params: Mapping[str, str]) -> tuple[dict[str, Any], str]:
        """One API call through the cache: the answer and when it was retrieved."""
        full = {**params, "format": "json", "maxlag": "5"}
        key = hashlib.sha256(json.dumps(full, sort_keys=True).encode()).hexdigest()
        cached = self._cached(key)
        if cached is not None:
            self.cache_hits += 1
            return cached
        answer = self._fetch(full)
        retrieved = _now()
        self._store(key, full, answer, retrieved)
        return answer, retrieved

    def _fetch(self, params: Mapping[str, str]) -> dict[str, Any]:
        last_problem, wait = "", 0.0
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(wait)
            self._throttle()
            self.requests += 1
            try:
                response = self._client.get(self.url, params=params)
            except httpx.HTTPError as failure:
                last_problem = f"{type(failure).__name__}: {failure}"
                wait = self._backoff(attempt, None)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last_problem = f"HTTP {response.status_code}"
                wait = self._backoff(attempt, response.headers.get("retry-after"))
                continue
            if response.status_code != 200:
                raise WikidataError(
                    f"{self.url} refused the request: HTTP {response.status_code}",
                    hint="Check HISTKG_WIKIDATA_API; it should be a MediaWiki api.php URL.",
                )
            try:
                answer = response.json()
            except ValueError:
                raise WikidataError(f"{self.url} did not answer JSON") from None
            if not isinstance(answer, dict):
                raise WikidataError(f"{self.url} answered JSON that is not an object")
            refusal = answer.get("error")
            if isinstance(refusal, dict) and refusal.get("code") in _RETRY_CODES:
                last_problem = f"{refusal.get('code')}: {refusal.get('info', '')}"
                wait = self._backoff(attempt, response.headers.get("retry-after"))
                continue
            if isinstance(refusal, dict):
                raise WikidataError(
                    f"{self.url}: {refusal.get('code')}: {refusal.get('info', '')}",
                    hint="The API refused these parameters; this is a bug in histkg link.",
                )
            return answer
        raise WikidataError(
            f"{self.url} did not answer after {self.retries + 1} attempts ({last_problem}).",
            hint="Wikidata may be busy or unreachable: retry later; answers so far are cached.",
        )

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None:
            with contextlib.suppress(ValueError):
                return min(MAX_WAIT, max(0.0, float(retry_after)))
        return float(min(MAX_WAIT, self.backoff * 2.0**attempt))

    def _throttle(self) -> None:
        with self._lock:
            wait = self._last + self.min_interval - time.monotonic()
            if wait > 0:
                self._sleep(wait)
            self._last = time.monotonic()
            self.sent_at.append(self._last)

    # ---------------------------------------------------------------- cache

    def _path(self, key: str) -> Path | None:
        return self.cache_dir / key[:2] / f"{key}.json" if self.cache_dir else None

    def _cached(self, key: str) -> tuple[dict[str, Any], str] | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        if time.time() - path.stat().st_mtime > self.max_age:
            return None
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            return dict(record["answer"]), str(record["retrieved"])
        except (ValueError, KeyError, TypeError, OSError):
            return None  # a damaged entry is fetched again

    def _store(
        self, key: str, params: Mapping[str, str], answer: dict[str, Any], when: str
    ) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            record = {"retrieved": when, "params": dict(params), "answer": answer}
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
            ) as handle:
                json.dump(record, handle)
            os.replace(handle.name, path)
        except OSError as error:
            raise WikidataError(
                f"Cannot write the Wikidata cache at {path.parent}: {error}",
                hint="Set HISTKG_WIKIDATA_CACHE to a writable directory.",
            ) from None


def _redirect_list(
    entities: Mapping[str, Any], answer: Mapping[str, Any]
) -> list[Mapping[str, Any]]:
    """Redirects, as wbgetentities reports them (on each entity, or in a top-level list)."""
    found = [e["redirects"] for e in entities.values() if isinstance(e, dict) and "redirects" in e]
    top = answer.get("redirects")
    if isinstance(top, list):
        found.extend(r for r in top if isinstance(r, dict))
    return [r for r in found if isinstance(r, Mapping)]
