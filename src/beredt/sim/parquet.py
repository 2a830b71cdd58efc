"""Per-scenario results as Parquet files, written chunk by chunk and queryable with DuckDB.

A national run of 10,000 scenarios × 5,000 substances has 50 million per-scenario values of
each output: too many for memory or one JSON file. :class:`ParquetSink` writes them as they
are simulated (``simulate(..., parquet=DIR)``, ``beredt simulate --parquet DIR``) into

* ``DIR/substances/part-<first scenario>.parquet``: one row per option × scenario × substance —
  ``option``, ``scenario``, ``atc_code``, ``unmet_ddd``, ``shortage_days``,
  ``first_shortage_day`` and ``first_stockout_day`` (null when none), ``surge_ddd``,
  ``preparedness_ddd``, ``alternatives_ddd``, ``imports_ddd``;
* ``DIR/national/part-<first scenario>.parquet``: one row per option × scenario —
  ``national_loss`` (criticality-weighted unmet DDD), ``unmet_ddd``, ``any_shortage``,
  ``any_vital_shortage``;
* ``DIR/meta.json``: provenance, labels of the options, counts and the files' columns.

Every row is written (zeros included), so a plain ``avg`` over rows is the mean over scenarios;
SQL aggregates skip nulls, so ``avg(first_stockout_day)`` is the mean given a stock-out. Columns
are compressed with Zstandard; runs of zeros cost next to nothing. Example (docs/simulation.md)::

    SELECT atc_code, avg(unmet_ddd) AS mean, quantile_cont(unmet_ddd, 0.95) AS p95
    FROM read_parquet('DIR/substances/*.parquet') WHERE option = 0
    GROUP BY atc_code ORDER BY mean DESC LIMIT 10;
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from beredt.results import Provenance, to_jsonable
from beredt.sim.engine import ChunkOutput
from beredt.sim.model import CompiledModel

SUBSTANCES = "substances"
NATIONAL = "national"
META = "meta.json"
COMPRESSION = "zstd"


class ParquetSink:
    """Writes each simulated chunk of per-scenario outputs to ``folder`` (see the module notes).

    The folder's earlier part files and ``meta.json`` are replaced.
    """

    def __init__(self, folder: str | Path, model: CompiledModel) -> None:
        import pyarrow as pa

        self.folder = Path(folder)
        self.model = model
        for sub in (SUBSTANCES, NATIONAL):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
            for old in (self.folder / sub).glob("part-*.parquet"):
                old.unlink()
        (self.folder / META).unlink(missing_ok=True)
        self._atc = pa.array(list(model.atc_codes), type=pa.string())
        self.rows = 0
        self.files = 0

    def write(self, first: int, out: ChunkOutput) -> None:
        """Write the outputs of scenarios first … first + count − 1 (arrays K × count × S)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        k_opts, count, n_subs = out.unmet.shape
        cells = k_opts * count * n_subs
        option = np.repeat(np.arange(k_opts, dtype=np.int16), count * n_subs)
        scenario = np.tile(
            np.repeat(np.arange(first, first + count, dtype=np.int32), n_subs), k_opts
        )
        substance = np.tile(np.arange(n_subs, dtype=np.int32), k_opts * count)

        def day(a: np.ndarray) -> pa.Array:
            flat = np.ascontiguousarray(a, dtype=np.int32).reshape(cells)
            return pa.array(flat, mask=flat < 0)

        def ddd(a: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray(a, dtype=np.float64).reshape(cells)

        table = pa.table(
            {
                "option": option,
                "scenario": scenario,
                "atc_code": pa.DictionaryArray.from_arrays(pa.array(substance), self._atc),
                "unmet_ddd": ddd(out.unmet),
                "shortage_days": np.ascontiguousarray(out.sdays, dtype=np.int32).reshape(cells),
                "first_shortage_day": day(out.first_short),
                "first_stockout_day": day(out.first_stockout),
                "surge_ddd": ddd(out.surge),
                "preparedness_ddd": ddd(out.prep),
                "alternatives_ddd": ddd(out.alt),
                "imports_ddd": ddd(out.imports),
            }
        )
        name = f"part-{first:09d}.parquet"
        pq.write_table(table, self.folder / SUBSTANCES / name, compression=COMPRESSION)
        nat = out.national
        national = pa.table(
            {
                "option": np.repeat(np.arange(k_opts, dtype=np.int16), count),
                "scenario": np.tile(np.arange(first, first + count, dtype=np.int32), k_opts),
                "national_loss": np.ascontiguousarray(nat[:, :, 0]).reshape(k_opts * count),
                "unmet_ddd": np.ascontiguousarray(nat[:, :, 1]).reshape(k_opts * count),
                "any_shortage": (nat[:, :, 2] > 0.5).reshape(k_opts * count),
                "any_vital_shortage": (nat[:, :, 3] > 0.5).reshape(k_opts * count),
            }
        )
        pq.write_table(national, self.folder / NATIONAL / name, compression=COMPRESSION)
        self.rows += cells
        self.files += 1

    def close(self, provenance: Provenance, extra: dict[str, Any]) -> Path:
        """Write ``meta.json`` (provenance, option labels, counts) and return its path."""
        meta = {
            "provenance": to_jsonable(provenance),
            "option_labels": list(self.model.option_labels),
            "mode": self.model.mode,
            "horizon_days": self.model.horizon_days,
            "substances": len(self.model.atc_codes),
            "rows": self.rows,
            "files": self.files,
            "tables": {
                SUBSTANCES: f"{SUBSTANCES}/part-*.parquet",
                NATIONAL: f"{NATIONAL}/part-*.parquet",
            },
            **to_jsonable(extra),
        }
        path = self.folder / META
        path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path
