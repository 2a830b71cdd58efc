"""Option menu and annual cost model of the preparedness optimiser."""

from __future__ import annotations

import numpy as np
import pytest

from beredt.domain.dataset import Dataset
from beredt.plan.costs import substance_economics, write_off_ddd_per_day
from beredt.plan.options import build_options
from beredt.plan.parameters import (
    DAYS_PER_MONTH,
    CostParameters,
    CoverRule,
    PlanParameters,
)


def test_menu_has_weeks_times_reservations_plus_today(small_dataset: Dataset) -> None:
    menu = build_options(small_dataset)
    options = menu.options
    weeks = PlanParameters().weeks_menu
    # N02BE01: menu weeks × {none, AG-1, OF-4}; today (4.3 w + AG-1) is off the menu.
    n02 = options[options["atc_code"] == "N02BE01"]
    assert len(n02) == len(weeks) * 3 + 1
    assert set(n02["reservations"]) == {"", "AG-1", "OF-4"}
    # Exactly one today option per substance, and it is the preparedness stock.
    assert (options.groupby("substance_idx")["is_today"].sum() == 1).all()
    a10 = options[(options["atc_code"] == "A10AB01") & options["is_today"]].iloc[0]
    assert a10["stock_ddd"] == pytest.approx(12000 * 37.5)
    assert a10["reservations"] == ""
    # A substance with no preparedness stock and no agreement: today's plan is the 0-week option.
    c07 = options[(options["atc_code"] == "C07AB02") & options["is_today"]].iloc[0]
    assert c07["weeks"] == 0
    assert c07["label"] == "today (0 w)"
    assert len(options[options["atc_code"] == "C07AB02"]) == len(weeks)
    # Options are grouped by substance in index order with positions 0..k-1.
    assert (np.diff(menu.group) >= 0).all()
    assert menu.today_cost == pytest.approx(menu.annual_cost[menu.today].sum())


def test_costs_follow_the_documented_formulas(small_dataset: Dataset) -> None:
    params = PlanParameters()
    menu = build_options(small_dataset, params)
    econ = menu.economics.set_index("atc_code")
    # Paracetamol: 0.6 × 60/16 + 0.4 × 55/16 NOK per DDD.
    assert econ.loc["N02BE01", "value_per_ddd"] == pytest.approx(0.6 * 60 / 16 + 0.4 * 55 / 16)
    row = menu.options[menu.options["label"] == "8 w + OF-4"].iloc[0]
    stock = 8 * 7 * 120000
    assert row["stock_ddd"] == pytest.approx(stock)
    assert row["holding_cost"] == pytest.approx(0.10 * stock * 3.625)
    assert row["write_off_cost"] == 0  # 56 days of stock, 30 months usable: rotates in time
    assert row["annual_fee"] == 9_000_000
    assert row["annual_cost"] == pytest.approx(row["holding_cost"] + 9_000_000)
    assert row["max_line_load"] == pytest.approx(100000 / 200000)
    # Insulin, 24-month shelf life: 52 weeks exceeds what half the demand rotates in 18 months.
    ins = menu.options[menu.options["label"] == "52 w"]
    ins = ins[ins["atc_code"] == "A10AB01"].iloc[0]
    usable = 24 * DAYS_PER_MONTH - 6 * DAYS_PER_MONTH
    expected_rate = 52 * 7 * 5000 / usable - 0.5 * 5000
    assert ins["write_off_cost"] == pytest.approx(365 * expected_rate * 8.0)


def test_write_off_formula_matches_a_fifo_simulation() -> None:
    """Steady state of a FIFO stock topped up daily to S, q sold a day, packs of age A scrapped."""
    usable, rotation = 50, 3.0
    for stock in (100.0, 150.0, 400.0):
        ages = np.zeros(usable)  # units by age in days
        ages[0] = stock
        scrapped = []
        for _ in range(2000):
            ages = np.r_[0.0, ages]  # a day passes
            scrapped.append(ages[usable:].sum())
            ages = ages[:usable]
            sell = rotation
            for a in range(usable - 1, -1, -1):  # oldest first
                take = min(sell, ages[a])
                ages[a] -= take
                sell -= take
            ages[0] += stock - ages.sum()  # top up to S
        rate = float(np.mean(scrapped[-500:]))
        params = CostParameters(rotation_share_of_demand=1.0)
        formula = write_off_ddd_per_day(
            np.array([stock]), np.array([rotation]), np.array([float(usable)]), params
        )[0]
        # Discrete days: a unit enters at age 0 and leaves at age `usable`, one day of slack.
        assert rate == pytest.approx(formula, abs=stock / usable**2 + 1e-9)


def test_offer_filters(small_dataset: Dataset) -> None:
    rows = [dict(r) for r in small_dataset.bundle.tables["offers"]]
    rows.append({**rows[0], "offer_id": "OF-9", "atc_code": "C07AB02"})  # no capability
    agreements = [dict(r) for r in small_dataset.bundle.tables["agreements"]]
    agreements[0] = {**agreements[0], "offer_id": "OF-4"}
    ds = small_dataset.replace(offers=rows, agreements=agreements)
    menu = build_options(ds)
    reasons = dict(zip(menu.excluded["reservation_id"], menu.excluded["reason"], strict=True))
    assert "no capability" in reasons["OF-9"]
    assert "already agreed" in reasons["OF-4"]
    assert "OF-4" not in set(menu.reservations["reservation_id"])
    strict = build_options(small_dataset, PlanParameters(include_unqualified=False))
    assert "not qualified" in strict.excluded.set_index("reservation_id").loc["OF-3", "reason"]


def test_substance_without_products_uses_median_value(small_dataset: Dataset) -> None:
    products = [dict(r) for r in small_dataset.bundle.tables["products"]]
    keep = [p for p in products if p["atc_code"] != "N03AX09"]
    stock = [dict(r) for r in small_dataset.bundle.tables["stock"] if r["product_id"] != "800001"]
    supply = [dict(r) for r in small_dataset.bundle.tables["supply"] if r["product_id"] != "800001"]
    ds = small_dataset.replace(products=keep, stock=stock, supply=supply)
    econ = substance_economics(ds, CostParameters()).set_index("atc_code")
    others = econ.drop(index="N03AX09")
    assert econ.loc["N03AX09", "price_source"] == "median of other substances"
    assert econ.loc["N03AX09", "value_per_ddd"] == pytest.approx(others["value_per_ddd"].median())


def test_parameters_validate() -> None:
    with pytest.raises(ValueError, match="distinct"):
        PlanParameters(weeks_menu=(0, 2, 2))
    with pytest.raises(ValueError, match="rotation_share"):
        CostParameters(rotation_share_of_demand=1.5)
    rule = CoverRule.parse("vital:8")
    assert rule == CoverRule("vital", 8.0, agreement_suffices=True)
    assert not CoverRule.parse("essential:4:stock").agreement_suffices
    with pytest.raises(ValueError, match="CRITICALITY:WEEKS"):
        CoverRule.parse("vital")
    with pytest.raises(ValueError, match="'critical'"):
        CoverRule.parse("critical:8")
