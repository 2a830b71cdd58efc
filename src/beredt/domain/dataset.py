"""The immutable in-memory snapshot the analytics work on (DESIGN.md §1).

A :class:`Dataset` is built from a :class:`~beredt.domain.bundle.Bundle` (read from a bundle folder
or from the store) for one ``as_of`` date. Its tables are pandas DataFrames in canonical order;
substances are indexed 0..S−1 and every other table that concerns a substance carries
``substance_idx``, so analytics can work on NumPy arrays keyed by substance index.
Treat the frames as read-only; use :meth:`Dataset.replace` for what-if variants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from beredt.domain.atc import atc4_group
from beredt.domain.bundle import Bundle, Row, canonical_rows, fingerprint
from beredt.domain.enums import (
    DEFAULT_CRITICALITY_WEIGHTS,
    Criticality,
    ShortageStatus,
    StockEntryKind,
    StockTier,
)
from beredt.domain.schema import ENTITIES

#: Stock tiers in supply-chain order, the column order of :meth:`Dataset.stock_ddd_by_tier`.
TIERS: tuple[str, ...] = tuple(t.value for t in StockTier)
_STOCK_KEY = ["product_id", "holder", "tier"]


def _frame(stem: str, rows: Sequence[Row]) -> pd.DataFrame:
    spec = next(s for s in ENTITIES if s.stem == stem)
    plain = [
        {k: (v.value if isinstance(v, StrEnum) else v) for k, v in row.items()}
        for row in canonical_rows(spec, rows)
    ]
    return pd.DataFrame(plain, columns=list(spec.column_names))


def stock_positions(entries: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Packs held per (product, holder, tier) on `as_of`: the last count plus later movements.

    A count and movements on the same date: the count is taken first, the day's movements follow.
    """
    columns = [*_STOCK_KEY, "packs"]
    if entries.empty:
        return pd.DataFrame(columns=columns)
    e = entries[entries["date"] <= as_of]
    if e.empty:
        return pd.DataFrame(columns=columns)
    is_count = e["kind"] == StockEntryKind.COUNT.value
    counts = e[is_count].sort_values("date").groupby(_STOCK_KEY, as_index=False).last()
    counts = counts[[*_STOCK_KEY, "date", "packs"]].rename(
        columns={"date": "count_date", "packs": "count_packs"}
    )
    moves = e[~is_count].merge(counts[[*_STOCK_KEY, "count_date"]], on=_STOCK_KEY, how="left")
    after_count = moves["count_date"].isna() | (moves["date"] >= moves["count_date"])
    moved = (
        moves[after_count]
        .groupby(_STOCK_KEY, as_index=False)
        .agg(moved_packs=("packs", "sum"), move_date=("date", "max"))
    )
    pos = counts.merge(moved, on=_STOCK_KEY, how="outer")
    pos["packs"] = pos["count_packs"].fillna(0).astype("int64") + pos["moved_packs"].fillna(
        0
    ).astype("int64")
    return pos[columns].sort_values(_STOCK_KEY, ignore_index=True)


@dataclass(frozen=True, eq=False)
class Dataset:
    """An immutable analytic snapshot of a bundle on one date."""

    bundle: Bundle
    as_of: dt.date
    fingerprint: str
    substances: pd.DataFrame
    products: pd.DataFrame
    companies: pd.DataFrame
    countries: pd.DataFrame
    sites: pd.DataFrame
    supply: pd.DataFrame
    stock: pd.DataFrame
    shortages: pd.DataFrame
    lines: pd.DataFrame
    capabilities: pd.DataFrame
    offers: pd.DataFrame
    agreements: pd.DataFrame
    trade: pd.DataFrame
    industry: pd.DataFrame
    levers: pd.DataFrame = field(default_factory=pd.DataFrame)
    trials: pd.DataFrame = field(default_factory=pd.DataFrame)
    procurement: pd.DataFrame = field(default_factory=pd.DataFrame)
    investments: pd.DataFrame = field(default_factory=pd.DataFrame)
    investment_substances: pd.DataFrame = field(default_factory=pd.DataFrame)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # --- identity -------------------------------------------------------------------------
    @property
    def currency(self) -> str:
        """Currency of every money figure (from bundle.toml)."""
        return self.bundle.meta.currency

    @property
    def country(self) -> str:
        """Country the bundle describes."""
        return self.bundle.meta.country

    @property
    def n_substances(self) -> int:
        """Number of substances S; substance arrays have this length."""
        return len(self.substances)

    @cached_property
    def substance_index(self) -> dict[str, int]:
        """ATC code → substance index."""
        return {code: i for i, code in enumerate(self.substances["atc_code"])}

    def substance_idx(self, atc_code: str) -> int:
        """Index of the substance with this ATC level-5 code (KeyError if unknown)."""
        return self.substance_index[atc_code]

    # --- arrays keyed by substance index ---------------------------------------------------
    @property
    def demand_ddd_per_day(self) -> np.ndarray:
        """Mean national demand per substance (DDD/day); 0 where the bundle has no demand row."""
        return self.substances["demand_ddd_per_day"].to_numpy(dtype=float)

    def criticality_weights(self, weights: Mapping[str, float] | None = None) -> np.ndarray:
        """Loss weight per substance from its criticality (default vital 10, essential 3, other 1)."""
        table = {c.value: w for c, w in DEFAULT_CRITICALITY_WEIGHTS.items()}
        if weights:
            table.update({str(Criticality(k)): float(v) for k, v in weights.items()})
        return self.substances["criticality"].map(table).to_numpy(dtype=float)

    def stock_ddd_by_tier(self) -> pd.DataFrame:
        """Stock on hand per substance (rows, by index) and tier (columns, supply-chain order), in DDD."""
        if "stock_by_tier" not in self._cache:
            table = (
                self.stock.groupby(["substance_idx", "tier"])["ddd"].sum().unstack(fill_value=0)
                if not self.stock.empty
                else pd.DataFrame()
            )
            table = table.reindex(
                index=range(self.n_substances), columns=list(TIERS), fill_value=0.0
            )
            self._cache["stock_by_tier"] = table.fillna(0.0).astype(float)
        frame: pd.DataFrame = self._cache["stock_by_tier"]
        return frame

    def days_of_supply(self, tiers: Sequence[str] | None = None) -> np.ndarray:
        """Stock across `tiers` (default all) divided by mean demand, per substance (days).

        Infinite where there is stock and no demand; 0 where there is neither.
        """
        stock = self.stock_ddd_by_tier()
        held = stock[list(tiers)].sum(axis=1) if tiers else stock.sum(axis=1)
        held_ddd = np.maximum(held.to_numpy(dtype=float), 0.0)
        demand = self.demand_ddd_per_day
        with np.errstate(divide="ignore", invalid="ignore"):
            days = np.where(demand > 0, held_ddd / np.where(demand > 0, demand, 1.0), np.inf)
        return np.where((demand <= 0) & (held_ddd <= 0), 0.0, days)

    def exemption_import(self) -> pd.DataFrame:
        """Exemption import per substance (rows by index) from levers.csv, the most specific
        scope winning: ``share`` of mean demand a day (0: none), ``lead_days``,
        ``price_premium`` and the ``scope`` that applied (None where no row does)."""
        if "exemption_import" not in self._cache:
            rows = self.levers.to_dict("records") if len(self.levers) else []
            share = np.zeros(self.n_substances)
            lead = np.zeros(self.n_substances, dtype=np.int64)
            premium = np.zeros(self.n_substances)
            scope: list[str | None] = [None] * self.n_substances
            for s, code in enumerate(self.substances["atc_code"]):
                best = None
                for r in rows:
                    sc = str(r["scope"])
                    if (sc == "*" or str(code).startswith(sc)) and (
                        best is None or (0 if sc == "*" else len(sc)) > best[0]
                    ):
                        best = (0 if sc == "*" else len(sc), r)
                if best is not None:
                    r = best[1]
                    share[s] = float(r["exemption_import_share"])
                    lead[s] = int(r["exemption_import_lead_days"])
                    premium[s] = float(r["exemption_import_price_premium"])
                    scope[s] = str(r["scope"])
            self._cache["exemption_import"] = pd.DataFrame(
                {"share": share, "lead_days": lead, "price_premium": premium, "scope": scope}
            )
        frame: pd.DataFrame = self._cache["exemption_import"]
        return frame

    # --- filtered views --------------------------------------------------------------------
    @property
    def active_agreements(self) -> pd.DataFrame:
        """Agreements valid on the as-of date."""
        return self.agreements[self.agreements["active"]]

    @property
    def valid_offers(self) -> pd.DataFrame:
        """Offers valid on the as-of date."""
        return self.offers[self.offers["valid"]]

    @property
    def open_shortages(self) -> pd.DataFrame:
        """Shortage notices still open on the as-of date."""
        return self.shortages[self.shortages["is_open"]]

    def replace(self, as_of: dt.date | None = None, **tables: Sequence[Row]) -> Dataset:
        """A new dataset with some entity tables (by file stem) replaced: for what-if analyses."""
        unknown = set(tables) - {s.stem for s in ENTITIES}
        if unknown:
            raise KeyError(f"unknown tables: {', '.join(sorted(unknown))}")
        merged = {**self.bundle.tables, **tables}
        return build_dataset(Bundle(self.bundle.meta, merged), as_of or self.as_of)


def _in_validity(frame: pd.DataFrame, as_of: dt.date) -> pd.Series:
    start_ok = frame["valid_from"].map(lambda d: d is None or pd.isna(d) or d <= as_of)
    end_ok = frame["valid_until"].map(lambda d: d is None or pd.isna(d) or d >= as_of)
    return (start_ok & end_ok).astype(bool)


def build_dataset(bundle: Bundle, as_of: dt.date | None = None) -> Dataset:
    """Build the analytic snapshot of `bundle` on `as_of` (default: the bundle's as-of date)."""
    as_of = as_of or bundle.meta.as_of
    frames = {spec.stem: _frame(spec.stem, bundle.rows(spec.stem)) for spec in ENTITIES}

    subs = frames["substances"].reset_index(drop=True)
    index = {code: i for i, code in enumerate(subs["atc_code"])}
    demand = frames["demand"].set_index("atc_code")
    subs["substance_idx"] = np.arange(len(subs), dtype=np.int64)
    subs["atc4"] = [atc4_group(c) for c in subs["atc_code"]]
    subs["has_demand"] = subs["atc_code"].isin(demand.index)
    for column, default in (
        ("ddd_per_day", 0.0),
        ("seasonal_amplitude", 0.0),
        ("seasonal_peak_day", 15),
        ("daily_cv", 0.0),
    ):
        name = "demand_ddd_per_day" if column == "ddd_per_day" else column
        subs[name] = (
            subs["atc_code"].map(demand[column]).fillna(default) if len(demand) else default
        )

    def with_idx(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame["substance_idx"] = frame["atc_code"].map(index).astype("int64")
        return frame

    products = with_idx(frames["products"])
    ddd_per_pack = products.set_index("product_id")["ddd_per_pack"]
    product_substance = products.set_index("product_id")["substance_idx"]

    stock = stock_positions(frames["stock"], as_of)
    stock["substance_idx"] = stock["product_id"].map(product_substance).astype("int64")
    stock["ddd"] = stock["packs"].astype(float) * stock["product_id"].map(ddd_per_pack).astype(
        float
    )

    shortages = with_idx(frames["shortages"])
    known_from = [
        announced if isinstance(announced, dt.date) else start
        for announced, start in zip(
            shortages["announced_date"], shortages["start_date"], strict=True
        )
    ]
    # A boolean array, not a list: an empty list would select columns, not rows.
    known = np.array([d <= as_of for d in known_from], dtype=bool)
    shortages = shortages[known].reset_index(drop=True)
    open_status = {s.value for s in ShortageStatus if s.is_open}
    shortages["is_open"] = [
        st in open_status and (not isinstance(end, dt.date) or end > as_of)
        for st, end in zip(shortages["status"], shortages["end_date"], strict=True)
    ]
    shortages["is_open"] = shortages["is_open"].astype(bool)

    agreements = with_idx(frames["agreements"])
    agreements["active"] = (
        _in_validity(agreements, as_of) if len(agreements) else pd.Series(dtype=bool)
    )
    offers = with_idx(frames["offers"])
    offers["valid"] = _in_validity(offers, as_of) if len(offers) else pd.Series(dtype=bool)

    return Dataset(
        bundle=bundle,
        as_of=as_of,
        fingerprint=fingerprint(bundle),
        substances=subs,
        products=products,
        companies=frames["companies"],
        countries=frames["countries"],
        sites=frames["sites"],
        supply=frames["supply"],
        stock=stock,
        shortages=shortages,
        lines=frames["lines"],
        capabilities=with_idx(frames["capabilities"]),
        offers=offers,
        agreements=agreements,
        trade=frames["trade"],
        industry=frames["industry"],
        levers=frames["levers"],
        trials=frames["trials"],
        procurement=frames["procurement"],
        investments=frames["investments"],
        investment_substances=with_idx(frames["investment_substances"]),
    )
