"""The investment case (beredt.plan.invest, beredt.plan.cashflow): the cash-flow model against
hand-computed cases to the krone, the IRR against SciPy's root finder, line specifications,
and the break-even fee against fresh futures within the standard error of P(NPV > 0).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.optimize import brentq

from beredt.domain.dataset import Dataset
from beredt.plan.cashflow import FinanceParameters, irr, npv, operating_fractions
from beredt.plan.invest import (
    AgreementTerms,
    InvestParameters,
    LineProduct,
    LineSpec,
    SpecError,
    break_even_fee,
    case_npv,
    draw_futures,
    invest,
    line_flows,
    parse_line_spec,
    simulate_years,
    value_case,
)
from beredt.sim import Scenario


def _deterministic(spec: LineSpec, fee: float, finance: FinanceParameters) -> float:
    """The NPV of `spec` with no surge and no market risk (every multiplier 1)."""
    ones = np.ones(1)
    flows = line_flows(spec, None, None, ones, ones)
    value, _ = case_npv(spec, flows.ebitda_market, fee, flows.agreement_fractions, finance)
    return float(value[0])


def test_npv_of_a_straight_line_case_equals_the_hand_computation_to_the_krone() -> None:
    spec = LineSpec(
        investment_id="hand-1",
        name="hand case",
        capex=1_000_000,
        build_days=0,
        life_years=3,
        fixed_cost_per_year=100_000,
        products=(
            LineProduct(
                "J01CA04",
                capacity_ddd_per_day=1_000,
                price_per_ddd=4.0,
                unit_cost_per_ddd=1.0,
                domestic_ddd_per_day=500,
                export_ddd_per_day=200,
                export_price_per_ddd=3.0,
            ),
        ),
        agreement=AgreementTerms("J01CA04", 300, 30, annual_fee=50_000),
    )
    finance = FinanceParameters(
        discount_rate=0.08, tax_rate=0.22, depreciation="straight_line", tax_losses="offset"
    )
    # By hand: a year's EBITDA = 500·365·4 + 200·365·3 + 50,000 fee − 700·365·1 − 100,000
    # = 730,000 + 219,000 + 50,000 − 255,500 − 100,000 = 643,500; depreciation 1,000,000 / 3;
    # tax 0.22 × (643,500 − 333,333.33) = 68,236.67; cash flow 575,263.33 a year;
    # NPV = −1,000,000 + 575,263.33 × (1/1.08 + 1/1.08² + 1/1.08³) = 482,509.40.
    ones = np.ones(1)
    flows = line_flows(spec, None, None, ones, ones)
    value, cash = case_npv(spec, flows.ebitda_market, 50_000, flows.agreement_fractions, finance)
    assert round(float(value[0])) == 482_509
    assert cash[0].tolist() == pytest.approx([-1_000_000, 575_263.33, 575_263.33, 575_263.33])


def test_npv_with_declining_balance_salvage_and_losses_equals_the_hand_computation() -> None:
    spec = LineSpec(
        investment_id="hand-2",
        name="saldo case",
        capex=500_000,
        build_days=0,
        life_years=2,
        fixed_cost_per_year=65_000,
        salvage_value=50_000,
        products=(LineProduct("J01CA04", 2_000, 1.0, domestic_ddd_per_day=1_000),),
    )
    # EBITDA 365,000 − 65,000 = 300,000 a year. Saldo 20 %: D1 = 100,000, D2 = 80,000, tax
    # value left 320,000, deducted less the salvage of 50,000 in year 2 (−270,000).
    # Year 1: tax 0.22 × 200,000 = 44,000, cash 256,000.
    # Year 2: taxable 300,000 − 80,000 − 270,000 = −50,000.
    #   offset: tax −11,000, cash 300,000 + 11,000 + 50,000 = 361,000;
    #   NPV = −500,000 + 256,000/1.1 + 361,000/1.21 = 31,074.38.
    #   carried forward: no refund, cash 350,000; NPV = −500,000 + 256,000/1.1 + 350,000/1.21
    #   = 21,983.47.
    offset = FinanceParameters(discount_rate=0.10, depreciation="declining", tax_losses="offset")
    carried = FinanceParameters(
        discount_rate=0.10, depreciation="declining", tax_losses="carry_forward"
    )
    assert round(_deterministic(spec, 0.0, offset)) == 31_074
    assert round(_deterministic(spec, 0.0, carried)) == 21_983


def test_a_build_period_delays_operation_and_is_counted_by_days() -> None:
    # 73 days of building: 80 % of year 1 operates, and the life ends 20 % into year 4.
    assert operating_fractions(73, 3).tolist() == pytest.approx([0.8, 1.0, 1.0, 0.2])
    assert operating_fractions(365, 1).tolist() == pytest.approx([0.0, 1.0])
    with pytest.raises(ValueError, match="life_years"):
        operating_fractions(0, 0)


def test_the_fee_adds_its_after_tax_annuity_to_the_npv() -> None:
    spec = LineSpec(
        "fee",
        "fee case",
        capex=2e6,
        build_days=100,
        life_years=5,
        products=(LineProduct("J01CA04", 5_000, 2.0, 0.5, domestic_ddd_per_day=2_000),),
        agreement=AgreementTerms("J01CA04", 1_000, 14, annual_fee=0.0, years=3),
    )
    finance = FinanceParameters(discount_rate=0.07, tax_rate=0.22)
    ones = np.ones(1)
    flows = line_flows(spec, None, None, ones, ones)
    frac = flows.agreement_fractions
    # the agreement runs for three years from the first day of operation (day 100)
    assert frac.tolist() == pytest.approx([265 / 365, 1.0, 1.0, 100 / 365, 0.0, 0.0])
    annuity = (1 - 0.22) * sum(f / 1.07 ** (t + 1) for t, f in enumerate(frac))
    base, _ = case_npv(spec, flows.ebitda_market, 0.0, frac, finance)
    more, _ = case_npv(spec, flows.ebitda_market, 1e6, frac, finance)
    assert float(more[0] - base[0]) == pytest.approx(1e6 * annuity, rel=1e-12)


def test_irr_agrees_with_scipy_brentq_and_is_nan_without_a_root() -> None:
    flows = np.array(
        [
            [-1_000_000, 300_000, 400_000, 500_000, 200_000],
            [-100.0, 10.0, 10.0, 10.0, 10.0],  # never paid back: IRR −… still has a root
            [-100.0, -5.0, -5.0, -5.0, -5.0],  # never positive: no root in the bracket
        ]
    )
    rates = irr(flows)
    for row, rate in zip(flows[:2], rates[:2], strict=True):
        expected = brentq(lambda r, row=row: float(npv(row, r)), -0.99, 10.0, xtol=1e-14)
        assert rate == pytest.approx(expected, abs=1e-9)
        assert abs(float(npv(row, rate))) < 1e-4
    assert math.isnan(rates[2])


def test_a_spec_whose_normal_sales_exceed_the_line_is_refused() -> None:
    with pytest.raises(SpecError, match=r"load the line to 1\.2"):
        LineSpec(
            "x",
            "too much",
            capex=1.0,
            build_days=0,
            life_years=1,
            products=(
                LineProduct(
                    "J01CA04", 1_000, 1.0, domestic_ddd_per_day=700, export_ddd_per_day=500
                ),
            ),
        )
    with pytest.raises(SpecError, match="at most the line's capacity"):
        LineSpec(
            "y",
            "reserve too much",
            capex=1.0,
            build_days=0,
            life_years=1,
            products=(LineProduct("J01CA04", 1_000, 1.0),),
            agreement=AgreementTerms("J01CA04", 2_000, 7, 1.0),
        )


def test_inline_specs_and_their_errors(small_dataset: Dataset) -> None:
    spec = parse_line_spec(
        "id=T1,capex=40M,fixed=3M,build_days=365,life_years=12,atc=J01CA04,capacity=20000,"
        "unit_cost=1.5,domestic=5000,export=6000,fee=1.5M,reserved=6000,response_days=30",
        small_dataset,
    )
    assert spec.capex == 40e6
    assert spec.fixed_cost_per_year == 3e6
    assert spec.agreement == AgreementTerms("J01CA04", 6_000, 30, 1.5e6)
    # the price defaults to the substance's pharmacy purchase price per DDD
    products = small_dataset.products[small_dataset.products["atc_code"] == "J01CA04"]
    per_ddd = products["price_per_pack"] / products["ddd_per_pack"]
    expected = float((per_ddd * products["market_share"]).sum() / products["market_share"].sum())
    assert spec.products[0].price_per_ddd == pytest.approx(expected)
    with pytest.raises(SpecError, match="'speed=3': expected key=value"):
        parse_line_spec("capex=1M,speed=3", small_dataset)
    with pytest.raises(SpecError, match="'X99' is no investment or offer id"):
        parse_line_spec("X99", small_dataset)
    with pytest.raises(SpecError, match="'ZZ9' is not in the dataset"):
        parse_line_spec("capex=1,build_days=0,life_years=1,atc=ZZ9,capacity=1", small_dataset)
    with pytest.raises(SpecError, match="not an amount"):
        parse_line_spec("capex=lots,atc=J01CA04,capacity=1", small_dataset)


def _small_case() -> LineSpec:
    return LineSpec(
        investment_id="T1",
        name="amoxicillin line",
        capex=40e6,
        build_days=365,
        life_years=12,
        fixed_cost_per_year=3e6,
        products=(
            LineProduct(
                "J01CA04",
                capacity_ddd_per_day=20_000,
                price_per_ddd=4.0,
                unit_cost_per_ddd=1.5,
                domestic_ddd_per_day=5_000,
                export_ddd_per_day=6_000,
            ),
        ),
        agreement=AgreementTerms("J01CA04", 6_000, 30, annual_fee=1.5e6),
    )


def test_surge_sales_and_the_state_side_come_from_the_simulated_years(
    small_dataset: Dataset,
) -> None:
    params = InvestParameters(paths=400, pool_years=128)
    result = invest(small_dataset, [_small_case()], params, seed=3)
    case = result.cases[0]
    market, no_fee, agreed = (case.cases[k] for k in ("market", "agreement_no_fee", "agreement"))
    # surge sales only add (the line keeps its days for them; lost exports cost less than
    # the surge price pays here), and the fee adds its annuity in every future
    assert case.surge_ddd_per_year > 0
    assert no_fee.npv_mean > market.npv_mean
    assert agreed.npv_mean > no_fee.npv_mean
    assert agreed.p_npv_positive >= no_fee.p_npv_positive
    state = case.state_at_offer
    assert state is not None
    assert state.loss_avoided_pv_mean > 0
    assert state.fees_pv == pytest.approx(1.5e6 * sum(1.04**-t for t in range(2, 14)), rel=1e-12)
    # the mean cash-flow table adds up to the mean NPV
    flows = case.cash_flows
    assert float(flows["discounted_cash_flow"].sum()) == pytest.approx(agreed.npv_mean, rel=1e-9)
    assert result.pool_years == {"background": 128}


def test_at_the_break_even_fee_p_npv_positive_equals_the_level_on_fresh_futures(
    small_dataset: Dataset,
) -> None:
    """The break-even fee from one set of futures gives P(NPV > 0) = level on another set.

    Both estimates are proportions over N futures: each has a standard error of
    √(level (1 − level) / N), so their difference has √2 times that; the check allows three of
    those (a 0.27 % chance of a false alarm for a correct fee). Both sets draw from the same
    simulated years (the simulation's own noise is a separate matter, fixed here).
    """
    spec = _small_case()
    params = InvestParameters(paths=4000, pool_years=256, level=0.8)
    pool = simulate_years(small_dataset, [spec], [(Scenario(), 1.0)], [256], seed=11)
    n_years = len(operating_fractions(spec.build_days, spec.life_years))

    def valued(seed: int, fee: float | None = None) -> tuple[float, float]:
        futures = draw_futures(pool, params.paths, n_years, params.sales_cv, seed)
        surge = pool.surge_ddd[0][futures.year, 0]
        avoided = pool.avoided_weighted_ddd[0][futures.year, 0]
        case_spec = spec
        if fee is not None:
            assert spec.agreement is not None
            case_spec = replace(spec, agreement=replace(spec.agreement, annual_fee=fee))
        case = value_case(case_spec, surge, avoided, futures, params)
        return case.break_even_fee, case.cases["agreement"].p_npv_positive

    fee, _ = valued(seed=1)
    assert 0 < fee < math.inf
    _, p_fresh = valued(seed=2, fee=fee)
    n = params.paths
    tolerance = 3 * math.sqrt(2 * params.level * (1 - params.level) / n)
    assert abs(p_fresh - params.level) <= tolerance, (p_fresh, tolerance)
    # on its own futures the fee hits the level to within one future
    _, p_same = valued(seed=1, fee=fee)
    assert params.level <= p_same <= params.level + 1 / n + 1e-12


def test_break_even_is_zero_when_the_market_suffices_and_infinite_without_agreement_years() -> None:
    spec = LineSpec(
        "rich",
        "profitable",
        capex=1e5,
        build_days=0,
        life_years=3,
        products=(LineProduct("J01CA04", 2_000, 10.0, 1.0, domestic_ddd_per_day=1_000),),
        agreement=AgreementTerms("J01CA04", 500, 7, annual_fee=1e5),
    )
    finance = FinanceParameters()
    ones = np.ones(50)
    flows = line_flows(spec, None, None, ones, ones)
    assert break_even_fee(spec, flows.ebitda_surge, flows.agreement_fractions, finance, 0.9) == 0
    none = np.zeros_like(flows.agreement_fractions)
    assert break_even_fee(spec, flows.ebitda_surge, none, finance, 0.9) == math.inf
