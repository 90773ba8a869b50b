"""Hostile clients for ``bench/soak`` (issue 14), and a ``/health`` probe that measures their cost.

Each runs in its own thread until a deadline and tallies what the server answered:

* slow senders: a ``POST /sparql`` that announces 1,000 bytes and sends 5, again and again; the
  server must answer 408 ``request_timeout`` after ``HISTKG_BODY_TIMEOUT``, and the slow
  senders must not hold a query's place meanwhile;
* idle sockets: connections that send nothing, or half a request line; the server must close
  them after ``HISTKG_HEADER_TIMEOUT`` (each one is reopened at once);
* a reconciliation flood: batches of 100 queries of 20 made-up 200-character names, which
  would take minutes each; the server must stop each at its deadline (503 ``query_timeout``)
  or turn it away (503 ``server_busy``);
* the ``/health`` probe: one request every 50 ms, from a process of its own; any answer but
  200 is an unintended error, and its latency is reported apart (p50, p99).
"""

import json
import multiprocessing
import select
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from urllib.parse import quote

import httpx

from bench.load import outcome

SLOW_POST = (
    b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
    b"Content-Length: 1000\r\n\r\nASK {"
)
FLOOD_INTENDED = frozenset({"503 query_timeout", "503 server_busy", "200"})


@dataclass
class Attack:
    """What one kind of hostile client got back; ``intended`` outcomes are not errors."""

    intended: frozenset[str]
    outcomes: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, result: str, took: float | None = None) -> None:
        with self.lock:
            self.outcomes[result] += 1
            if took is not None:
                self.latencies.append(took)

    def errors(self) -> dict[str, int]:
        return {k: v for k, v in self.outcomes.items() if k not in self.intended}

    def summary(self) -> dict[str, object]:
        every = sorted(self.latencies)
        return {
            "requests": sum(self.outcomes.values()),
            "outcomes": dict(self.outcomes),
            "errors": sum(self.errors().values()),
            "p50_ms": round(every[len(every) // 2] * 1000, 1) if every else None,
            "p99_ms": round(every[min(len(every) - 1, int(0.99 * len(every)))] * 1000, 1)
            if every
            else None,
        }


def _address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _raw_outcome(answer: bytes) -> str:
    """``408 request_timeout`` from a raw HTTP answer; ``closed`` when there was none."""
    if not answer:
        return "closed"
    head, _, body = answer.partition(b"\r\n\r\n")
    status = head.split(b" ", 2)[1].decode() if head.startswith(b"HTTP/") else "?"
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = "no body"
    return f"{status} {code}"


def slow_sender(base: str, until: float, attack: Attack, wait: float) -> None:
    """Send a slow POST, wait for the server's answer, again until ``until``."""
    while time.monotonic() < until:
        began = time.monotonic()
        try:
            with socket.create_connection(_address(base), timeout=wait) as sock:
                sock.sendall(SLOW_POST)
                chunks = []
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
            attack.add(_raw_outcome(b"".join(chunks)), time.monotonic() - began)
        except TimeoutError:
            attack.add("no answer in time")
        except OSError as error:
            attack.add(type(error).__name__)


def idle_sockets(base: str, count: int, until: float, attack: Attack) -> None:
    """Keep ``count`` idle connections open (half with half a request line); every one the
    server closes is counted and replaced."""
    open_ = [_idle(base, i) for i in range(count)]
    try:
        while time.monotonic() < until:
            live = [sock for sock in open_ if sock is not None]
            ready, _, _ = select.select(live, [], [], 0.2) if live else ([], [], [])
            for sock in ready:
                try:
                    answer = sock.recv(65536)
                except OSError:
                    answer = b""
                attack.add(_raw_outcome(answer))
                sock.close()
                index = open_.index(sock)
                open_[index] = _idle(base, index)
    finally:
        for left in open_:
            if left is not None:
                left.close()


def _idle(base: str, index: int) -> socket.socket | None:
    try:
        sock = socket.create_connection(_address(base), timeout=5)
    except OSError:
        return None
    if index % 2:
        sock.sendall(b"GET /heal")
    return sock


def reconcile_flood(base: str, until: float, attack: Attack, timeout: float) -> None:
    """Costly reconciliation batches, one after another."""
    names = {
        f"q{q}": {
            "query": (f"zq{q}x" * 200)[:200],
            "properties": [
                {"pid": "altLabel", "v": [(f"zq{q}n{n}x" * 200)[:200] for n in range(19)]}
            ],
        }
        for q in range(100)
    }
    body = "queries=" + quote(json.dumps(names), safe="")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    with httpx.Client(timeout=timeout + 30) as client:
        while time.monotonic() < until:
            began = time.monotonic()
            try:
                result = outcome(client.post(f"{base}/reconcile", content=body, headers=headers))
            except httpx.HTTPError as error:
                result = type(error).__name__
            attack.add(result, time.monotonic() - began)


def health_probe(base: str, until: float, attack: Attack, every: float = 0.05) -> None:
    """``GET /health`` every ``every`` seconds; its latency is what the attacks cost others.

    The probe runs in a process of its own, as a container's health check does: in a thread of
    this process it measured, besides the server, its own wait for the GIL behind the soak's
    twenty-odd client threads.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_probe, args=(base, until - time.monotonic(), every, sender), daemon=True
    )
    process.start()
    sender.close()
    try:
        results: list[tuple[str, float]] = receiver.recv()
    except EOFError:
        results = [("probe_died", 0.0)]
    process.join()
    for result, took in results:
        attack.add(result, took if result == "200" else None)


def _probe(base: str, seconds: float, every: float, sender: Connection) -> None:
    results: list[tuple[str, float]] = []
    until = time.monotonic() + seconds
    with httpx.Client(timeout=30) as client:
        while time.monotonic() < until:
            began = time.monotonic()
            try:
                result = outcome(client.get(f"{base}/health"))
            except httpx.HTTPError as error:
                result = type(error).__name__
            took = time.monotonic() - began
            results.append((result, took))
            time.sleep(max(0.0, every - took))
    sender.send(results)
    sender.close()


def start(
    base: str, seconds: float, *, slow: int, idle: int, floods: int, query_timeout: float
) -> tuple[dict[str, Attack], list[threading.Thread]]:
    """Start every hostile client and the probe; join the threads to wait for the end."""
    until = time.monotonic() + seconds
    attacks = {
        "slow_senders": Attack(frozenset({"408 request_timeout"})),
        "idle_sockets": Attack(frozenset({"closed", "408 request_timeout"})),
        "reconcile_flood": Attack(FLOOD_INTENDED),
        "health": Attack(frozenset({"200"})),
    }
    jobs: list[tuple[Callable[..., None], tuple[object, ...]]] = [
        (slow_sender, (base, until, attacks["slow_senders"], seconds + 30)) for _ in range(slow)
    ]
    if idle:
        jobs.append((idle_sockets, (base, idle, until, attacks["idle_sockets"])))
    jobs += [
        (reconcile_flood, (base, until, attacks["reconcile_flood"], query_timeout))
        for _ in range(floods)
    ]
    jobs.append((health_probe, (base, until, attacks["health"])))
    threads = [threading.Thread(target=job, args=args, daemon=True) for job, args in jobs]
    for thread in threads:
        thread.start()
    return attacks, threads
