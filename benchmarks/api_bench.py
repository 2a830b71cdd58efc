"""Load on loopback: requests/s and p50/p99 latency of the API at 1, 10 and 50 clients.

Starts ``beredt serve`` (one uvicorn process) on the Norwegian sample in a scratch SQLite file,
or on ``BEREDT_BENCH_DATABASE_URL`` (an empty PostgreSQL database, say), and drives it with
threads of httpx clients: the read endpoints (offers, stock, open notices, substances) and stock
reports (one movement each). Each level stops after REQUESTS requests or SECONDS seconds,
whichever comes first. Printed, not asserted: numbers depend on the machine.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from beredt.app.accounts import add_account
from beredt.app.context import open_store
from beredt.app.pipeline import default_bundle_path
from beredt.ingest.bundle import read_bundle

LEVELS = (1, 10, 50)
REQUESTS = 600  # per level and kind
SECONDS = 15.0
READS = ("/api/v1/offers", "/api/v1/stock?limit=100", "/api/v1/shortages?status=open",
         "/api/v1/substances?atc=N02")  # fmt: skip


def _port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _level(base: str, token: str, clients: int, kind: str) -> tuple[int, float, list[float]]:
    """(requests done, seconds, latencies in ms) of `clients` threads for one kind."""
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + SECONDS
    per_client = max(1, REQUESTS // clients)

    def work(number: int) -> list[float]:
        latencies = []
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            for i in range(per_client):
                if time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                if kind == "read":
                    answer = http.get(READS[(number + i) % len(READS)])
                else:
                    row = {"date": "2026-11-02", "product_id": "N02BE01-3", "tier": "wholesale",
                           "holder": f"bench {number}", "packs": 1, "kind": "movement"}  # fmt: skip
                    answer = http.post("/api/v1/stock/reports", json={"rows": [row]})
                latencies.append(1000 * (time.perf_counter() - started))
                if answer.status_code >= 400:
                    raise RuntimeError(f"{answer.status_code}: {answer.text[:200]}")
        return latencies

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [ms for chunk in pool.map(work, range(clients)) for ms in chunk]
    return len(latencies), time.perf_counter() - started, latencies


def main() -> None:
    """Run every level and print a table."""
    with tempfile.TemporaryDirectory(prefix="beredt-bench-") as scratch:
        url = os.environ.get("BEREDT_BENCH_DATABASE_URL") or f"sqlite:///{Path(scratch) / 'b.db'}"
        store = open_store(url)
        store.import_bundle(read_bundle(default_bundle_path()), replace=not store.is_empty())
        token = add_account(store, f"bench{os.getpid()}", "authority", who="bench").token
        store.dispose()
        port = _port()
        server = subprocess.Popen(
            [sys.executable, "-m", "beredt.cli", "serve", "--port", str(port), "--db", url,
             "--job-workers", "0", "--log-level", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            print(f"API load on loopback ({url.split(':')[0]}, one uvicorn process)")
            print(
                f"{'kind':<14}{'clients':>8}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
            )
            for kind in ("read", "stock report"):
                for clients in LEVELS:
                    n, seconds, ms = _level(base, token, clients, kind)
                    q = statistics.quantiles(ms, n=100)
                    print(
                        f"{kind:<14}{clients:>8}{n:>10}{n / seconds:>9.0f}{q[49]:>9.1f}{q[98]:>9.1f}"
                    )
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
