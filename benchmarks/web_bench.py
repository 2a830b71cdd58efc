"""The dashboard's pages on the Norwegian sample: p50/p99 per page for a single user.

Imports the sample into a scratch SQLite file, runs the national analysis on it (``beredt run
--scenarios 100``, which keeps its report in the store as ``make demo`` does), makes a response
plan for every open notice and one finished simulation job, adds an account per role, starts
``beredt serve`` (one uvicorn process) on loopback and signs in through the login form. Each page
is then fetched one request at a time: the first request (``cold``: the page's cached sections
are built then, once per change of the data) and REQUESTS more, or SECONDS, whichever comes
first. Printed, not asserted: numbers depend on the machine.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from beredt.app import accounts, compute, workflow
from beredt.app.context import open_store
from beredt.results import dumps
from beredt.store.server import ServerStore

REQUESTS = 50  # per page, after the cold one
SECONDS = 20.0  # per page
PASSWORD = "benchmark password 1"
SCENARIOS = 100  # draws per scenario of the national run behind the pages
#: Account → (role, company, holder) of the sample.
ACCOUNTS = {
    "authority": ("authority", None, None),
    "producer": ("producer", "kragnes", None),
    "holder": ("holder", None, "Apotek (community pharmacies)"),
}
JOB = "0" * 31 + "1"


def _port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare(url: str, scratch: Path) -> list[str]:
    """The sample with a kept run, response plans, a finished job and accounts; the ids of the
    open notices."""
    subprocess.run(
        [sys.executable, "-m", "beredt.cli", "run", "--scenarios", str(SCENARIOS), "--db", url,
         "--out", str(scratch / "out")],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    store = open_store(url)
    try:
        notices = [
            str(r["notice_id"])
            for r in workflow.notice_rows(store)
            if str(r["status"]) in ("announced", "ongoing")
        ]
        for notice in notices:
            workflow.refresh_plan(store, notice, who="bench")
        result = compute.simulate(store, "background", scenarios=SCENARIOS, seed=1)
        repo = ServerStore(store)
        repo.add_job(JOB, "simulate", {"scenario": "background"}, who="authority")
        repo.update_job(
            JOB, status="succeeded", result=dumps(result), progress_done=1, progress_total=1
        )
        for name, (role, company, holder) in ACCOUNTS.items():
            accounts.add_account(
                store, name, role, company_id=company, holder=holder, password=PASSWORD,
                who="bench",
            )  # fmt: skip
    finally:
        store.dispose()
    return notices


def _signed_in(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, "no login form"
    answer = client.post(
        "/login",
        data={"csrf_token": token.group(1), "name": name, "password": PASSWORD, "next": "/"},
    )
    if answer.status_code >= 400:
        raise RuntimeError(f"sign-in of {name}: {answer.status_code}")
    return client


def _measure(client: httpx.Client, path: str) -> tuple[float, list[float]]:
    """(the cold request's ms, the later requests' ms)."""

    def one() -> float:
        started = time.perf_counter()
        answer = client.get(path)
        ms = 1000 * (time.perf_counter() - started)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code}")
        return ms

    cold = one()
    deadline = time.monotonic() + SECONDS
    warm = []
    while len(warm) < REQUESTS and time.monotonic() < deadline:
        warm.append(one())
    return cold, warm


def main() -> None:
    """Prepare the store, serve it and print a table of the pages."""
    with tempfile.TemporaryDirectory(prefix="beredt-web-bench-") as folder:
        scratch = Path(folder)
        url = f"sqlite:///{scratch / 'b.db'}"
        started = time.perf_counter()
        notices = _prepare(url, scratch)
        print(
            f"sample with a national run ({SCENARIOS} draws): {time.perf_counter() - started:.0f} s"
        )
        port = _port()
        server = subprocess.Popen(
            [sys.executable, "-m", "beredt.cli", "serve", "--port", str(port), "--db", url,
             "--job-workers", "0", "--log-level", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            pages = [
                (None, "/login"),
                ("authority", "/overview"),
                ("authority", "/substances"),
                ("authority", "/substances/N02BE01"),
                ("authority", "/shortages"),
                *[("authority", f"/shortages/{n}") for n in notices[:2]],
                ("authority", "/scenarios"),
                ("authority", f"/jobs/{JOB}"),
                ("authority", "/planner"),
                ("authority", "/industry"),
                ("authority", "/holder?holder=Apotek%20(community%20pharmacies)"),
                ("producer", "/producer"),
                ("holder", "/holder"),
            ]
            clients: dict[str | None, httpx.Client] = {None: httpx.Client(base_url=base)}
            print("Dashboard pages on loopback (SQLite, one uvicorn process, one user)")
            print(f"{'page':<44}{'role':<11}{'cold ms':>9}{'n':>5}{'p50 ms':>9}{'p99 ms':>9}")
            for name, path in pages:
                if name not in clients:
                    clients[name] = _signed_in(base, name)
                cold, warm = _measure(clients[name], path)
                q = statistics.quantiles(warm, n=100, method="inclusive")
                print(
                    f"{path[:43]:<44}{name or 'visitor':<11}{cold:>9.0f}{len(warm):>5}"
                    f"{q[49]:>9.1f}{q[98]:>9.1f}"
                )
            for client in clients.values():
                client.close()
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
