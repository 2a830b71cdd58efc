"""Annual cost of holding a preparedness stockpile: holding cost and shelf-life write-off.

Model and sources: :class:`beredt.plan.parameters.CostParameters` (Tomlin 2006; Lücker &
Seifert 2017). Everything here works on arrays keyed by substance or by option.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from beredt.domain.dataset import Dataset
from beredt.plan.parameters import DAYS_PER_MONTH, CostParameters

DEFAULT_SHELF_LIFE_MONTHS = 36.0


def _weighted(values: pd.Series, weights: pd.Series, groups: pd.Series) -> pd.Series:
    """Weighted mean of `values` per group; the plain mean where a group's weights sum to 0."""
    frame = pd.DataFrame({"v": values, "w": weights, "g": groups})
    frame["vw"] = frame["v"] * frame["w"]
    sums = frame.groupby("g").agg(vw=("vw", "sum"), w=("w", "sum"), mean=("v", "mean"))
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted = sums["vw"] / sums["w"]
    return weighted.where(sums["w"] > 0, sums["mean"])


def substance_economics(dataset: Dataset, parameters: CostParameters) -> pd.DataFrame:
    """Per substance (rows by index): value per DDD, shelf life and usable life of stock.

    Value per DDD = Σ share × price per pack / DDD per pack over the substance's products
    (the plain mean where no product has a market share); shelf life the same weighted mean.
    A substance without products gets the median value per DDD of the others (``price_source``
    says so) and a 36-month shelf life. Usable life = shelf life − rotation allowance, at least
    ``min_usable_days``.
    """
    n = dataset.n_substances
    products = dataset.products
    value = pd.Series(np.nan, index=range(n), dtype=float)
    shelf_months = pd.Series(DEFAULT_SHELF_LIFE_MONTHS, index=range(n), dtype=float)
    if len(products):
        per_ddd = products["price_per_pack"].astype(float) / products["ddd_per_pack"].astype(float)
        share = products["market_share"].astype(float)
        group = products["substance_idx"]
        value.update(_weighted(per_ddd, share, group))
        shelf_months.update(_weighted(products["shelf_life_months"].astype(float), share, group))
    has_price = value.notna().to_numpy()
    fallback = float(np.nanmedian(value.to_numpy())) if has_price.any() else 0.0
    frame = pd.DataFrame(
        {
            "atc_code": dataset.substances["atc_code"].to_numpy(),
            "value_per_ddd": value.fillna(fallback).to_numpy(),
            "price_source": np.where(has_price, "products", "median of other substances"),
            "shelf_life_days": shelf_months.to_numpy() * DAYS_PER_MONTH,
        }
    )
    allowance_days = parameters.rotation_allowance_months * DAYS_PER_MONTH
    frame["usable_days"] = np.maximum(
        frame["shelf_life_days"] - allowance_days, parameters.min_usable_days
    )
    return frame


def holding_cost_per_year(
    stock_ddd: np.ndarray, value_per_ddd: np.ndarray, parameters: CostParameters
) -> np.ndarray:
    """Holding cost a year = rate × stock value (Tomlin 2006, linear holding cost)."""
    return parameters.holding_cost_rate_per_year * np.asarray(stock_ddd) * np.asarray(value_per_ddd)


def write_off_ddd_per_day(
    stock_ddd: np.ndarray,
    demand_ddd_per_day: np.ndarray,
    usable_days: np.ndarray,
    parameters: CostParameters,
) -> np.ndarray:
    """Steady-state FIFO write-off rate w = max(0, S / A − rotation_share × demand) (DDD/day).

    A stock of S fed at rate q + w turns over every S / (q + w) days; packs unsold by the usable
    age A are written off, so S / (q + w) = A whenever w > 0 (see CostParameters).
    """
    rotation = parameters.rotation_share_of_demand * np.asarray(demand_ddd_per_day, dtype=float)
    return np.maximum(0.0, np.asarray(stock_ddd, dtype=float) / np.asarray(usable_days) - rotation)


def write_off_cost_per_year(
    stock_ddd: np.ndarray,
    demand_ddd_per_day: np.ndarray,
    usable_days: np.ndarray,
    value_per_ddd: np.ndarray,
    parameters: CostParameters,
) -> np.ndarray:
    """Annual value written off: 365 × write-off rate (DDD/day) × value per DDD."""
    rate = write_off_ddd_per_day(stock_ddd, demand_ddd_per_day, usable_days, parameters)
    return 365.0 * rate * np.asarray(value_per_ddd)
