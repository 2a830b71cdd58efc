"""20 clients post stock reports at once to a real server on PostgreSQL: none lost, none doubled."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa

from beredt.store.tables import stock_ledger
from tests.api_support import make_site, running_server

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
CLIENTS = 20
REPORTS = 5  # per client, each of ROWS movements
ROWS = 4


def test_twenty_clients_report_at_once_and_the_ledger_is_the_exact_sum(postgres_url: str) -> None:
    site = make_site(postgres_url)
    headers = site.headers("authority")

    def client(number: int) -> list[int]:
        ids: list[int] = []
        with httpx.Client(timeout=60) as http:
            for report in range(REPORTS):
                rows = [
                    {
                        "date": "2026-11-16",
                        "product_id": "100001",
                        "holder": f"client {number}",
                        "tier": "wholesale",
                        "packs": number * 1000 + report * 10 + row + 1,
                        "kind": "movement",
                    }
                    for row in range(ROWS)
                ]
                body = {"rows": rows, "idempotency_key": f"c{number}-r{report}"}
                answer = http.post(f"{base}/api/v1/stock/reports", headers=headers, json=body)
                assert answer.status_code == 201, answer.text
                ids += answer.json()["entry_ids"]
                # a retry (a client that lost the answer) records nothing
                again = http.post(f"{base}/api/v1/stock/reports", headers=headers, json=body)
                assert again.json()["replayed"]
        return ids

    with running_server(postgres_url, job_workers=0) as base, ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(client, range(CLIENTS)))
    expected = {
        f"client {n}": sum(
            n * 1000 + r * 10 + row + 1 for r in range(REPORTS) for row in range(ROWS)
        )
        for n in range(CLIENTS)
    }
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(stock_ledger.c.holder, sa.func.sum(stock_ledger.c.packs), sa.func.count())
            .where(stock_ledger.c.holder.like("client %"))
            .group_by(stock_ledger.c.holder)
        ).all()
    engine.dispose()
    assert {holder: int(total) for holder, total, _ in rows} == expected
    assert all(count == REPORTS * ROWS for _, _, count in rows)
    ids = [i for r in results for i in r]
    assert len(ids) == len(set(ids)) == CLIENTS * REPORTS * ROWS
