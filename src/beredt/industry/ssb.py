"""Statistics Norway's external-trade tables (08801 annual, 08799 monthly) → trade figures.

Structure of the tables (Statistics Norway, *Utenrikshandel med varer*, StatBank tables 08801 and
08799, published under CC BY 4.0): dimensions

* ``Varekoder`` — the 8-digit commodity code of the Norwegian customs tariff (HS based) with a
  validity suffix, e.g. ``30049000_2017`` (the code as defined from 2017); versions of one code
  are summed into one ``hs_code``;
* ``ImpEks`` — ``1`` import, ``2`` export;
* ``Land`` — partner country, ISO 3166-1 alpha-2. When the query leaves ``Land`` out, PxWeb
  eliminates it (sums over all countries): such figures get partner ``ZZ``;
* ``ContentsCode`` — ``Verdi`` value (kroner), ``Mengde1`` net weight (kg), ``Mengde2`` a
  supplementary quantity unit that varies by code (not kept);
* ``Tid`` — year ``2023`` (08801) or month ``2023M01`` (08799, stored as ``2023-01``).

Cells without a value (null, e.g. status ``:`` confidential or ``..`` not available) are not
turned into figures: they are counted, by status code, in the import summary. Country rows whose
value and weight are both zero are left out (a zero adds nothing to any sum and the tables are
mostly zeros); all-country (``ZZ``) rows are kept even when zero.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from beredt.domain.bundle import Row
from beredt.domain.enums import TradeFlow
from beredt.industry.jsonstat import JsonStatDataset, read_jsonstat
from beredt.ingest.errors import ImportRejected, Problem

#: Partner code of figures summed over all countries.
ALL_COUNTRIES = "ZZ"
#: Dimensions a trade table must have (``Land`` is optional: eliminated means all countries).
REQUIRED_DIMENSIONS = ("Varekoder", "ImpEks", "ContentsCode", "Tid")
FLOW_CODES: Mapping[str, TradeFlow] = {"1": TradeFlow.IMPORT, "2": TradeFlow.EXPORT}
VALUE_CONTENT = "Verdi"
WEIGHT_CONTENT = "Mengde1"
TRADE_TABLES = {"08801": "annual", "08799": "monthly"}

_VAREKODE = re.compile(r"^([0-9]{2,10})(?:_([0-9]{4}))?$")
_YEAR = re.compile(r"^([0-9]{4})$")
_MONTH = re.compile(r"^([0-9]{4})M(0[1-9]|1[0-2])$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
# Units Statistics Norway writes in ``category.unit.<code>.base``, as multipliers to kroner / kg.
_VALUE_UNITS = {
    "kroner": 1.0,
    "kr": 1.0,
    "nok": 1.0,
    "1000 kroner": 1e3,
    "1 000 kroner": 1e3,
    "1000 kr": 1e3,
    "1 000 kr": 1e3,
    "mill. kr": 1e6,
    "millioner kroner": 1e6,
    "million nok": 1e6,
}
_WEIGHT_UNITS = {"kg": 1.0, "kilogram": 1.0, "tonn": 1e3, "tonnes": 1e3, "tons": 1e3}


@dataclass(frozen=True)
class TradeImport:
    """Trade figures read from one Statistics Norway file, with what was left out and why."""

    rows: list[Row]
    file: str
    table_id: str | None
    source: str
    cells: int
    missing_by_status: Mapping[str, int] = field(default_factory=dict)
    zero_rows_dropped: int = 0
    code_versions_merged: int = 0
    periods: tuple[str, ...] = ()
    n_codes: int = 0
    n_partners: int = 0

    def summary(self) -> dict[str, Any]:
        """Counts for the import report."""
        return {
            "file": self.file,
            "table": self.table_id,
            "source": self.source,
            "rows": len(self.rows),
            "cells_read": self.cells,
            "missing_values_by_status": dict(self.missing_by_status),
            "zero_country_rows_dropped": self.zero_rows_dropped,
            "code_versions_merged": self.code_versions_merged,
            "periods": list(self.periods),
            "commodity_codes": self.n_codes,
            "partner_countries": self.n_partners,
        }


def is_trade_table(ds: JsonStatDataset) -> bool:
    """Whether `ds` has the dimensions of a Statistics Norway external-trade table."""
    return not _structure_problems(ds)


def _structure_problems(ds: JsonStatDataset) -> list[Problem]:
    problems: list[Problem] = []
    missing = [d for d in REQUIRED_DIMENSIONS if d not in ds.ids]
    if missing:
        table = f"table {ds.table_id}" if ds.table_id else "this table"
        problems.append(
            Problem(
                ds.file,
                None,
                "id",
                f"{table} is not a Statistics Norway external-trade table (08801 annual, "
                f"08799 monthly): it has dimensions {', '.join(ds.ids)}; a trade table has "
                f"Varekoder, ImpEks, Land, ContentsCode and Tid (missing: {', '.join(missing)})",
            )
        )
        return problems
    extra = [d for d in ds.ids if d not in (*REQUIRED_DIMENSIONS, "Land")]
    if extra:
        problems.append(
            Problem(
                ds.file,
                None,
                "id",
                f"unexpected dimension(s) {', '.join(extra)} for a trade table: "
                "figures would be ambiguous",
            )
        )
    contents = ds.dimension("ContentsCode")
    if VALUE_CONTENT not in contents.codes:
        problems.append(
            Problem(
                ds.file,
                None,
                "dimension.ContentsCode",
                f"has {', '.join(contents.codes)} but not {VALUE_CONTENT} (value in kroner): "
                f"include {VALUE_CONTENT} in the query",
            )
        )
    return problems


def _unit_factor(
    ds: JsonStatDataset, content: str, table: Mapping[str, float], problems: list[Problem]
) -> float:
    unit = ds.dimension("ContentsCode").units.get(content)
    base = unit.get("base") if isinstance(unit, Mapping) else None
    if base is None:
        return 1.0
    factor = table.get(str(base).strip().lower())
    if factor is None:
        problems.append(
            Problem(
                ds.file,
                None,
                f"dimension.ContentsCode.category.unit.{content}.base",
                f"unit {base!r} is not understood (expected one of {', '.join(sorted(table))})",
            )
        )
        return 1.0
    return factor


def trade_rows(ds: JsonStatDataset, source: str | None = None) -> TradeImport:
    """Map a validated trade table to ``trade.csv`` rows; raise ImportRejected if it is not one."""
    problems = _structure_problems(ds)
    if problems:
        raise ImportRejected(problems, f"Statistics Norway import of {ds.file}")
    table = ds.table_id
    source = source or (f"SSB {table}" if table else "SSB")
    value_factor = _unit_factor(ds, VALUE_CONTENT, _VALUE_UNITS, problems)
    weight_factor = 1.0
    has_weight = WEIGHT_CONTENT in ds.dimension("ContentsCode").codes
    if has_weight:
        weight_factor = _unit_factor(ds, WEIGHT_CONTENT, _WEIGHT_UNITS, problems)

    hs_of = _map_codes(ds, "Varekoder", _hs_code, problems)
    flow_of = _map_codes(ds, "ImpEks", _flow, problems)
    period_of = _map_codes(ds, "Tid", _period, problems)
    has_land = "Land" in ds.ids
    partner_of = _map_codes(ds, "Land", _country, problems) if has_land else {}
    if problems:
        raise ImportRejected(problems, f"Statistics Norway import of {ds.file}")

    frame = ds.codes_frame()
    frame["value"] = ds.values
    frame["cell"] = np.arange(ds.n_cells)
    keys = ["Varekoder", "ImpEks", "Land", "Tid"] if has_land else ["Varekoder", "ImpEks", "Tid"]
    values = frame[frame["ContentsCode"] == VALUE_CONTENT]
    missing = values[values["value"].isna()]
    missing_by_status = Counter(ds.status.get(int(c), "(none)") for c in missing["cell"])
    present = values[values["value"].notna()][[*keys, "value"]]
    negative = present[present["value"] < 0]
    for _, bad_row in negative.head(20).iterrows():
        coords = ", ".join(f"{k}={bad_row[k]}" for k in keys)
        problems.append(
            Problem(
                ds.file,
                None,
                f"value[{coords}, ContentsCode=Verdi]",
                f"{bad_row['value']:g} is negative: trade values are ≥ 0",
            )
        )
    if problems:
        raise ImportRejected(problems, f"Statistics Norway import of {ds.file}")
    if has_weight:
        weights = frame[frame["ContentsCode"] == WEIGHT_CONTENT][[*keys, "value"]]
        present = present.merge(
            weights.rename(columns={"value": "kg"}), on=keys, how="left", validate="one_to_one"
        )
    else:
        present = present.assign(kg=np.nan)

    out = pd.DataFrame(
        {
            "period": present["Tid"].astype(str).map(period_of),
            "hs_code": present["Varekoder"].astype(str).map(hs_of),
            "flow": present["ImpEks"].astype(str).map(flow_of),
            "partner_country": (
                present["Land"].astype(str).map(partner_of) if has_land else ALL_COUNTRIES
            ),
            "value": present["value"].to_numpy(dtype=float) * value_factor,
            "kg": present["kg"].to_numpy(dtype=float) * weight_factor,
        }
    )
    key = ["period", "hs_code", "flow", "partner_country"]
    n_before = len(out)
    # Versions of one code (``…_2012``, ``…_2017``) cover different years; summing them gives the
    # code's figure. Weight stays missing only when every version lacks it.
    out = out.groupby(key, as_index=False, sort=True, observed=True).agg(
        value=("value", "sum"), kg=("kg", "sum"), kg_n=("kg", "count")
    )
    out.loc[out["kg_n"] == 0, "kg"] = np.nan
    out = out.drop(columns="kg_n")
    merged = n_before - len(out)
    is_zero = (out["value"] == 0) & (out["kg"].fillna(0) == 0)
    drop = is_zero & (out["partner_country"] != ALL_COUNTRIES)
    dropped = int(drop.sum())
    out = out[~drop]

    # Values are non-negative here (negatives were refused) and finite (the reader refuses
    # anything else), so the column constraints of TradeFigure hold; weights are checked too.
    negative_kg = out["kg"] < 0
    if negative_kg.any():
        first = out[negative_kg].iloc[0]
        raise ImportRejected(
            [
                Problem(
                    ds.file,
                    None,
                    f"value[Varekoder={first['hs_code']}, Tid={first['period']}, "
                    "ContentsCode=Mengde1]",
                    f"{first['kg']:g} kg is negative: weights are ≥ 0",
                )
            ],
            f"Statistics Norway import of {ds.file}",
        )
    kg_values = [None if math.isnan(k) else k for k in out["kg"].astype(float).tolist()]
    columns = zip(
        out["period"].astype(str).tolist(),
        out["hs_code"].astype(str).tolist(),
        out["flow"].tolist(),
        out["partner_country"].astype(str).tolist(),
        out["value"].astype(float).tolist(),
        kg_values,
        strict=True,
    )
    rows: list[Row] = [
        {
            "period": period,
            "hs_code": hs,
            # back to the enum: with pyarrow installed pandas stores the column as plain strings
            "flow": TradeFlow(flow),
            "partner_country": partner,
            "value": value,
            "quantity_kg": kg,
            "source": source,
        }
        for period, hs, flow, partner, value, kg in columns
    ]
    return TradeImport(
        rows=rows,
        file=ds.file,
        table_id=table,
        source=source,
        cells=ds.n_cells,
        missing_by_status=dict(sorted(missing_by_status.items())),
        zero_rows_dropped=dropped,
        code_versions_merged=merged,
        periods=tuple(sorted(out["period"].unique())),
        n_codes=int(out["hs_code"].nunique()),
        n_partners=int(out["partner_country"].nunique()),
    )


def read_trade_file(path: str | Path, source: str | None = None) -> TradeImport:
    """Read a saved Statistics Norway JSON-stat 2.0 trade response into trade figures."""
    return trade_rows(read_jsonstat(path), source)


def _map_codes(
    ds: JsonStatDataset, dim_id: str, fn: Any, problems: list[Problem]
) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for code in ds.dimension(dim_id).codes:
        try:
            mapping[code] = fn(code)
        except ValueError as exc:
            problems.append(Problem(ds.file, None, f"dimension.{dim_id}.category", str(exc)))
    return mapping


def _hs_code(code: str) -> str:
    m = _VAREKODE.match(code)
    if not m:
        raise ValueError(
            f"Varekoder {code!r} is not a commodity code (digits with an optional _YYYY "
            "validity suffix, e.g. 30049000_2017)"
        )
    return m.group(1)


def _flow(code: str) -> TradeFlow:
    try:
        return FLOW_CODES[code]
    except KeyError:
        raise ValueError(f"ImpEks {code!r} is not 1 (import) or 2 (export)") from None


def _period(code: str) -> str:
    if m := _YEAR.match(code):
        return m.group(1)
    if m := _MONTH.match(code):
        return f"{m.group(1)}-{m.group(2)}"
    raise ValueError(f"Tid {code!r} is not a year (2023) or a month (2023M01)")


def _country(code: str) -> str:
    if not _COUNTRY.match(code):
        raise ValueError(f"Land {code!r} is not a two-letter country code (ISO 3166-1 alpha-2)")
    return code
