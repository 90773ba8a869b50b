"""Start and stop the three servers on loopback, and watch their resident memory."""

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# Without the bench extra there are no memory figures; psutil is imported where it samples.
HAVE_PSUTIL = importlib.util.find_spec("psutil") is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running server: its query URL, its process and the peak RSS of its process tree."""

    name: str
    base: str
    query_url: str
    process: subprocess.Popen[bytes]
    started_in: float = 0.0
    launched: float = field(default_factory=time.monotonic)
    peak_rss: int = 0
    peak_main: int = 0  # the server process alone, without its query workers
    _stop: threading.Event = field(default_factory=threading.Event)

    def watch(self) -> None:
        if not HAVE_PSUTIL:
            return
        import psutil

        def sample() -> None:
            while not self._stop.is_set():
                try:
                    root = psutil.Process(self.process.pid)
                    tree = [root, *root.children(recursive=True)]
                    self.peak_rss = max(self.peak_rss, sum(p.memory_info().rss for p in tree))
                    self.peak_main = max(self.peak_main, root.memory_info().rss)
                except psutil.Error:
                    pass
                self._stop.wait(0.1)

        threading.Thread(target=sample, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def wait_warm(server: Server, timeout: float, *, in_a_row: int = 1) -> float:
    """Seconds from start until histkg's ``/health`` says its warm-up is done, ``in_a_row``
    times running (each asked on a new connection: with several processes, any may answer)."""
    deadline = time.monotonic() + timeout
    warm = 0
    while time.monotonic() < deadline:
        if httpx.get(server.base + "/health", timeout=10).json().get("warm", True):
            warm += 1
            if warm >= in_a_row:
                return time.monotonic() - server.launched
            continue
        warm = 0
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not finish warming up within {timeout:.0f} s")


@contextmanager
def started(
    name: str, command: list[str], query_path: str, env: dict[str, str], port: int, timeout: float
) -> Iterator[Server]:
    started_at = time.monotonic()
    log = open(os.devnull, "wb")  # noqa: SIM115 (closed below, after the process)
    process = subprocess.Popen(  # noqa: S603 (our own fixed commands)
        command, env={**os.environ, **env}, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    server = Server(name, base, base + query_path, process, launched=started_at)
    server.watch()
    try:
        _wait_ready(server.query_url, process, timeout)
        server.started_in = time.monotonic() - started_at
        yield server
    finally:
        server.stop()
        log.close()


def histkg_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def oxigraph_command(*args: str) -> list[str]:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    return [found, *args]


def rdflib_endpoint_command(*args: str) -> list[str] | None:
    found = shutil.which("rdflib-endpoint") or str(Path(sys.executable).parent / "rdflib-endpoint")
    return [found, *args] if Path(found).exists() else None


def static_command(port: int) -> list[str]:
    """``bench/static.py`` on loopback: the fixed answer the load generator's ceiling is measured
    against."""
    return [sys.executable, "-m", "bench.static", "--port", str(port)]


def _tree_cpu(server: Server) -> float | None:
    """CPU seconds used so far by the server's process tree (None without psutil)."""
    if not HAVE_PSUTIL:
        return None
    import psutil

    try:
        root = psutil.Process(server.process.pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return None
    total = 0.0
    for process in tree:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def wait_idle(server: Server, *, below: float = 0.1, most: float = 120.0) -> float:
    """Wait until the server's process tree uses less than ``below`` of a core; the seconds.

    A load cell ends while requests are still in flight, and a server that cannot cancel them
    (rdflib-endpoint) keeps computing them: without this wait the next cell would measure a
    busy server. Without psutil there is nothing to watch and it returns at once.
    """
    began = time.monotonic()
    last = _tree_cpu(server)
    while last is not None and time.monotonic() - began < most:
        time.sleep(0.5)
        now = _tree_cpu(server)
        if now is None:
            break
        if 0 <= now - last < below * 0.5:
            break
        last = now  # busy, or a worker went away with its CPU time: look again
    return time.monotonic() - began
