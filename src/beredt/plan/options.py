"""The option menu: per substance, a stockpile target × none or one domestic capacity reservation.

A *reservation* is a valid offer of a domestic line that can make the substance, or an active
agreement (which may be kept). Today's plan — the current preparedness stock and the active
agreements — is one more option of every substance, so the optimiser can always keep it.
Costs follow :mod:`beredt.plan.costs`; line loads are reserved DDD/day ÷ the line's capacity for
that substance (capabilities.csv), the measure of DESIGN.md §2 (Σ load ≤ 1 per line).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from beredt.domain.dataset import Dataset
from beredt.domain.enums import StockTier
from beredt.plan.costs import (
    holding_cost_per_year,
    substance_economics,
    write_off_cost_per_year,
)
from beredt.plan.parameters import PlanParameters

_RES_COLUMNS = [
    "reservation_id",
    "kind",
    "substance_idx",
    "line_id",
    "reserved_ddd_per_day",
    "response_days",
    "ramp_days",
    "api_on_hand_ddd",
    "api_source_country",
    "capacity_ddd_per_day",
    "line_load",
    "annual_fee",
    "qualified",
]


@dataclass(frozen=True, eq=False)
class OptionMenu:
    """All options of all substances, with their costs, reservations and line loads.

    ``options``: one row per option (``option_idx`` = row position), grouped by substance in
    index order. ``reservations``: (option_idx, reservation) pairs with the line load each
    puts on its line. ``candidates``: every usable offer/agreement. ``excluded``: offers left
    out and why. ``economics``: value per DDD and shelf life per substance. ``lines``: the
    capacity rows (line ids) of the MILP.
    """

    options: pd.DataFrame
    reservations: pd.DataFrame
    candidates: pd.DataFrame
    excluded: pd.DataFrame
    economics: pd.DataFrame
    lines: tuple[str, ...]
    n_substances: int

    @cached_property
    def group(self) -> np.ndarray:
        """Substance index of every option."""
        return self.options["substance_idx"].to_numpy(dtype=np.int64)

    @cached_property
    def annual_cost(self) -> np.ndarray:
        """Annual cost of every option (currency/year)."""
        return self.options["annual_cost"].to_numpy(dtype=float)

    @cached_property
    def today(self) -> np.ndarray:
        """Option index of today's plan, per substance."""
        idx = np.full(self.n_substances, -1, dtype=np.int64)
        rows = self.options[self.options["is_today"]]
        idx[rows["substance_idx"].to_numpy()] = rows["option_idx"].to_numpy()
        return idx

    @property
    def today_cost(self) -> float:
        """Annual cost of today's plan (currency/year)."""
        return float(self.annual_cost[self.today].sum())

    @cached_property
    def position(self) -> np.ndarray:
        """Position of every option within its substance's options (0, 1, …)."""
        starts = np.searchsorted(self.group, self.group, side="left")
        return np.arange(len(self.group)) - starts

    @cached_property
    def options_per_substance(self) -> np.ndarray:
        """Number of options of each substance."""
        return np.bincount(self.group, minlength=self.n_substances)

    def line_load_triplets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(line row, option index, load) of every reservation, for the capacity rows."""
        row_of = {line: i for i, line in enumerate(self.lines)}
        res = self.reservations
        rows = res["line_id"].map(row_of).to_numpy(dtype=np.int64)
        return rows, res["option_idx"].to_numpy(dtype=np.int64), res["line_load"].to_numpy(float)


def _candidates(dataset: Dataset, parameters: PlanParameters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Offers and agreements that can back an option, and the offers excluded with a reason."""
    caps = dataset.capabilities.set_index(["line_id", "substance_idx"])
    lines = dataset.lines.set_index("line_id")
    agreed_offers = set(dataset.active_agreements["offer_id"].dropna())
    rows: list[dict[str, object]] = []
    excluded: list[dict[str, object]] = []
    sources = [
        ("offer", "offer_id", dataset.valid_offers),
        ("agreement", "agreement_id", dataset.active_agreements),
    ]
    for kind, id_column, frame in sources:
        for rec in frame.to_dict(orient="records"):
            rid = str(rec[id_column])
            key = (rec["line_id"], int(rec["substance_idx"]))
            reason = None
            if kind == "offer" and rid in agreed_offers:
                reason = "already agreed (an active agreement came from this offer)"
            elif key not in caps.index:
                reason = f"line {rec['line_id']} has no capability for {rec['atc_code']}"
            elif (
                kind == "offer"
                and not parameters.include_unqualified
                and not bool(caps.loc[key, "qualified"])
            ):
                reason = f"line {rec['line_id']} is not qualified for {rec['atc_code']}"
            if reason is not None and kind == "offer":
                excluded.append(
                    {"reservation_id": rid, "atc_code": rec["atc_code"], "reason": reason}
                )
                continue
            cap = caps.loc[key] if key in caps.index else None
            capacity = float(cap["capacity_ddd_per_day"]) if cap is not None else np.nan
            reserved = float(rec["reserved_ddd_per_day"])
            api_source = cap["api_source_country"] if cap is not None else None
            rows.append(
                {
                    "reservation_id": rid,
                    "kind": kind,
                    "substance_idx": int(rec["substance_idx"]),
                    "line_id": rec["line_id"],
                    "reserved_ddd_per_day": reserved,
                    "response_days": int(rec["response_days"]),
                    "ramp_days": int(lines.loc[rec["line_id"], "ramp_days"]),
                    "api_on_hand_ddd": float(cap["api_on_hand_ddd"]) if cap is not None else 0.0,
                    "api_source_country": api_source if isinstance(api_source, str) else None,
                    "capacity_ddd_per_day": capacity,
                    # An agreement on a line without a capability row still binds the producer;
                    # its load is unknown, counted as 0 (reported in `excluded`).
                    "line_load": reserved / capacity if cap is not None else 0.0,
                    "annual_fee": float(rec["annual_fee"]),
                    "qualified": bool(cap["qualified"]) if cap is not None else False,
                }
            )
            if reason is not None:
                excluded.append(
                    {"reservation_id": rid, "atc_code": rec["atc_code"], "reason": reason}
                )
    candidates = pd.DataFrame(rows, columns=_RES_COLUMNS)
    return candidates, pd.DataFrame(excluded, columns=["reservation_id", "atc_code", "reason"])


def build_options(dataset: Dataset, parameters: PlanParameters | None = None) -> OptionMenu:
    """The option menu of every substance: weeks menu × (no reservation | each candidate) + today.

    Options with the same stock and the same reservations as today's plan are merged into it.
    """
    parameters = parameters or PlanParameters()
    economics = substance_economics(dataset, parameters.costs)
    candidates, excluded = _candidates(dataset, parameters)
    demand = dataset.demand_ddd_per_day
    n = dataset.n_substances
    subs = np.arange(n)
    weeks = np.asarray(parameters.weeks_menu, dtype=float)

    # Menu options: weeks × (none + every candidate of the substance).
    plain = pd.DataFrame(
        {
            "substance_idx": np.repeat(subs, len(weeks)),
            "weeks": np.tile(weeks, n),
            "reservation_key": "",
        }
    )
    with_res = candidates[["substance_idx", "reservation_id"]].merge(
        pd.DataFrame({"weeks": weeks}), how="cross"
    )
    with_res = with_res.rename(columns={"reservation_id": "reservation_key"})
    menu = pd.concat([plain, with_res], ignore_index=True)
    menu["stock_ddd"] = menu["weeks"].to_numpy() * 7.0 * demand[menu["substance_idx"].to_numpy()]
    menu["is_today"] = False

    # Today's plan: the preparedness stock on the as-of date and the active agreements.
    prep = dataset.stock_ddd_by_tier()[StockTier.PREPAREDNESS.value].to_numpy(dtype=float)
    prep = np.maximum(prep, 0.0)
    agreements = candidates[candidates["kind"] == "agreement"]
    today_keys = agreements.groupby("substance_idx")["reservation_id"].agg(
        lambda ids: "+".join(sorted(ids))
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        today_weeks = np.where(demand > 0, prep / (7.0 * np.where(demand > 0, demand, 1)), 0.0)
    today = pd.DataFrame(
        {
            "substance_idx": subs,
            "weeks": today_weeks,
            "reservation_key": today_keys.reindex(subs).fillna("").to_numpy(),
            "stock_ddd": prep,
            "is_today": True,
        }
    )
    # Merge menu options identical to today's (same stock, same reservations) into today's.
    menu_key = list(
        zip(menu["substance_idx"], menu["stock_ddd"].round(6), menu["reservation_key"], strict=True)
    )
    today_key = set(
        zip(
            today["substance_idx"],
            today["stock_ddd"].round(6),
            today["reservation_key"],
            strict=True,
        )
    )
    menu["is_today"] = [k in today_key for k in menu_key]
    covered = set(
        zip(
            menu.loc[menu["is_today"], "substance_idx"],
            menu.loc[menu["is_today"], "reservation_key"],
            strict=True,
        )
    )
    today = today[
        [
            (s, r) not in covered
            for s, r in zip(today["substance_idx"], today["reservation_key"], strict=True)
        ]
    ]
    options = pd.concat([menu, today], ignore_index=True)
    # Several menu weeks may coincide (a substance without demand): keep one of each.
    options["_key_stock"] = options["stock_ddd"].round(6)
    options = options.sort_values(
        ["substance_idx", "is_today"], ascending=[True, False], kind="stable"
    )
    options = options.drop_duplicates(["substance_idx", "_key_stock", "reservation_key"])
    options["_has_res"] = options["reservation_key"] != ""
    options = options.sort_values(
        ["substance_idx", "_has_res", "reservation_key", "stock_ddd"], kind="stable"
    ).reset_index(drop=True)
    options["option_idx"] = np.arange(len(options), dtype=np.int64)

    # Reservations of each option (today's may hold several agreements).
    pairs = options.loc[options["_has_res"], ["option_idx", "reservation_key"]].copy()
    pairs["reservation_id"] = pairs["reservation_key"].str.split("+")
    pairs = pairs.explode("reservation_id")
    cand = candidates.copy()
    reservations = pairs[["option_idx", "reservation_id"]].merge(
        cand.drop(columns=["substance_idx"]), on="reservation_id", how="left"
    )
    # Aggregate per option for the simulator: capacities add up; the fastest response counts.
    agg = reservations.groupby("option_idx").agg(
        reserved_ddd_per_day=("reserved_ddd_per_day", "sum"),
        response_days=("response_days", "min"),
        ramp_days=("ramp_days", "min"),
        api_on_hand_ddd=("api_on_hand_ddd", "sum"),
        api_source_country=("api_source_country", "first"),
        annual_fee=("annual_fee", "sum"),
        line_id=("line_id", lambda s: "+".join(sorted(set(s)))),
        max_line_load=("line_load", "max"),
        qualified=("qualified", "all"),
        kinds=("kind", lambda s: "+".join(sorted(set(s)))),
    )
    options = options.join(agg, on="option_idx")
    options["reserved_ddd_per_day"] = options["reserved_ddd_per_day"].fillna(0.0)
    options["response_days"] = options["response_days"].fillna(0).astype("int64")
    options["ramp_days"] = options["ramp_days"].fillna(0).astype("int64")
    options["api_on_hand_ddd"] = options["api_on_hand_ddd"].fillna(0.0)
    options["annual_fee"] = options["annual_fee"].fillna(0.0)
    options["max_line_load"] = options["max_line_load"].fillna(0.0)
    options["qualified"] = options["qualified"].fillna(True).astype(bool)

    s_idx = options["substance_idx"].to_numpy()
    value = economics["value_per_ddd"].to_numpy()[s_idx]
    stock = options["stock_ddd"].to_numpy(dtype=float)
    options["holding_cost"] = holding_cost_per_year(stock, value, parameters.costs)
    options["write_off_cost"] = write_off_cost_per_year(
        stock,
        demand[s_idx],
        economics["usable_days"].to_numpy()[s_idx],
        value,
        parameters.costs,
    )
    options["stock_value"] = stock * value
    options["annual_cost"] = (
        options["holding_cost"] + options["write_off_cost"] + options["annual_fee"]
    )
    options["atc_code"] = dataset.substances["atc_code"].to_numpy()[s_idx]
    options["criticality"] = dataset.substances["criticality"].to_numpy()[s_idx]
    options["label"] = [
        _label(w, key, t)
        for w, key, t in zip(
            options["weeks"], options["reservation_key"], options["is_today"], strict=True
        )
    ]
    options = options.rename(columns={"reservation_key": "reservations"})
    columns = [
        "option_idx",
        "substance_idx",
        "atc_code",
        "criticality",
        "label",
        "is_today",
        "weeks",
        "stock_ddd",
        "stock_value",
        "reservations",
        "kinds",
        "line_id",
        "reserved_ddd_per_day",
        "response_days",
        "ramp_days",
        "api_on_hand_ddd",
        "api_source_country",
        "max_line_load",
        "qualified",
        "holding_cost",
        "write_off_cost",
        "annual_fee",
        "annual_cost",
    ]
    used_lines = [line for line in dataset.lines["line_id"] if line in set(reservations["line_id"])]
    return OptionMenu(
        options=options[columns].reset_index(drop=True),
        reservations=reservations[
            ["option_idx", "reservation_id", "kind", "line_id", "reserved_ddd_per_day", "line_load"]
        ].reset_index(drop=True),
        candidates=candidates,
        excluded=excluded,
        economics=economics,
        lines=tuple(used_lines),
        n_substances=n,
    )


def _label(weeks: float, reservations: str, is_today: bool) -> str:
    stock = f"{weeks:g} w" if weeks == round(weeks, 1) else f"{weeks:.1f} w"
    text = f"{stock} + {reservations}" if reservations else stock
    return f"today ({text})" if is_today else text
