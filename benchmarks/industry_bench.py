"""Throughput of the Statistics Norway trade import: JSON-stat 2.0 reading and mapping to rows.

A synthetic 08801-shaped response (codes × flows × countries × contents × years, about 5 % nulls
and 60 % zeros, like real trade tables) is read with Beredt's reader and mapped to trade figures,
and — as the reference in the same run — decoded by a straightforward pure-Python
implementation (itertools.product over the categories, a dict per cell). Prints cells/s for both
and the ratio. Usage: ``python benchmarks/industry_bench.py [n_codes]``.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from beredt.industry.jsonstat import read_jsonstat
from beredt.industry.ssb import trade_rows


def synthetic_08801(n_codes: int, n_countries: int = 240, years: int = 10) -> dict[str, Any]:
    """An 08801-shaped JSON-stat 2.0 document with deterministic pseudo-random figures."""
    rng = random.Random(8801)
    codes = [f"{30000000 + 100 * i:08d}_2017" for i in range(n_codes)]
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    countries = [a + b for a, b in itertools.product(letters, letters)][:n_countries]
    tid = [str(2015 + y) for y in range(years)]
    dims = {
        "Varekoder": codes,
        "ImpEks": ["1", "2"],
        "Land": countries,
        "ContentsCode": ["Mengde1", "Verdi"],
        "Tid": tid,
    }
    n = 1
    for v in dims.values():
        n *= len(v)
    values: list[float | None] = []
    status: dict[str, str] = {}
    for i in range(n):
        u = rng.random()
        if u < 0.05:
            values.append(None)
            status[str(i)] = ":"
        elif u < 0.65:
            values.append(0)
        else:
            values.append(rng.randrange(1, 10**9))
    return {
        "class": "dataset",
        "version": "2.0",
        "label": "08801: synthetic",
        "id": list(dims),
        "size": [len(v) for v in dims.values()],
        "dimension": {
            k: {"category": {"index": {c: j for j, c in enumerate(v)}}} for k, v in dims.items()
        },
        "value": values,
        "status": status,
        "extension": {"px": {"tableid": "08801"}},
    }


def reference_decode(path: Path) -> list[dict[str, Any]]:
    """Plain Python: one dict per non-null value cell, keyed by its category codes."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    cats = []
    for d in doc["id"]:
        index = doc["dimension"][d]["category"]["index"]
        cats.append(sorted(index, key=index.get))
    rows = []
    for value, coords in zip(doc["value"], itertools.product(*cats), strict=True):
        if value is None:
            continue
        cell = dict(zip(doc["id"], coords, strict=True))
        if cell["ContentsCode"] == "Verdi" and value:
            rows.append(cell | {"value": value})
    return rows


def main() -> None:
    """Run the benchmark and print throughput."""
    n_codes = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    doc = synthetic_08801(n_codes)
    cells = len(doc["value"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic_08801.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        size_mb = path.stat().st_size / 1e6
        t0 = time.perf_counter()
        ds = read_jsonstat(path)
        t1 = time.perf_counter()
        result = trade_rows(ds)
        t2 = time.perf_counter()
        ref = reference_decode(path)
        t3 = time.perf_counter()
    ours = t2 - t0
    print(f"cells {cells:,} ({size_mb:.1f} MB JSON), trade figures {len(result.rows):,}")
    print(
        f"beredt read {t1 - t0:.2f} s + map {t2 - t1:.2f} s = {ours:.2f} s: {cells / ours:,.0f} cells/s"
    )
    print(
        f"reference decode (no validation, no mapping) {t3 - t2:.2f} s: "
        f"{cells / (t3 - t2):,.0f} cells/s; ratio beredt/reference time {ours / (t3 - t2):.2f}"
    )
    assert len(ref) == sum(1 for r in result.rows if r["value"] > 0)


if __name__ == "__main__":
    main()
