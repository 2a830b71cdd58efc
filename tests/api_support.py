"""A server on the small bundle with one account per role, for the API tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from beredt.app.accounts import add_account
from beredt.app.context import open_store
from beredt.ingest.bundle import read_bundle

SMALL = Path(__file__).parent / "data" / "small"

#: name → (role, company, holder)
ACCOUNTS = {
    "admin": ("admin", None, None),
    "authority": ("authority", None, None),
    "analyst": ("analyst", None, None),
    "holder": ("holder", None, "Alfa Grossist"),
    "holder_b": ("holder", None, "Sykehusapotek"),
    "producer": ("producer", "nordpharma", None),
    "producer_b": ("producer", "fjordlab", None),
}


@dataclass
class Site:
    """A store with the small bundle and a token per account."""

    url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, name: str) -> dict[str, str]:
        """The bearer header of an account."""
        return {"Authorization": f"Bearer {self.tokens[name]}"}


def make_site(url: str) -> Site:
    """Import the small bundle into `url` and add the accounts."""
    store = open_store(url)
    store.import_bundle(read_bundle(SMALL), who="test")
    site = Site(url)
    for name, (role, company, holder) in ACCOUNTS.items():
        made = add_account(store, name, role, company_id=company, holder=holder, who="test")
        site.tokens[name] = made.token
    store.dispose()
    return site


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(url: str, **options: object) -> Iterator[str]:
    """uvicorn serving the API on `url`'s store on a free loopback port; yields the base URL."""
    import uvicorn

    from beredt.api import create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(url, **options),  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
