"""The simulator against closed forms and hand-computed examples (issue 5, DESIGN.md §4).

Statistical comparisons use tolerances derived from the sample size: z standard errors with z
from the normal quantile of a small family-wise error rate, Bonferroni-divided by the number
of comparisons the test makes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm
from sim_worlds import one_substance, world

from beredt.sim import Background, Event, Fixed, Geometric, ModelParameters, Scenario, simulate

QUIET = Background(site_outages=False, export_restrictions=False)
EXACT = ModelParameters(demand_noise=False, open_shortages=False)


def z_bonferroni(comparisons: int, alpha: float = 1e-3) -> float:
    """Two-sided normal quantile for a family-wise error `alpha` over `comparisons` tests."""
    return float(norm.ppf(1.0 - alpha / (2.0 * comparisons)))


def outage(days: int | None = None, mean: float | None = None, start: int = 0) -> Scenario:
    """One forced outage of site S1 from `start` (fixed or geometric duration), nothing else."""
    duration = Fixed(days) if days is not None else Geometric(float(mean or 1))
    return Scenario(
        events=(Event("site_outage", start, duration, sites=("S1",)),),
        background=QUIET,
        model=EXACT,
    )


CASES = [(100.0, 20, 15.0, 120), (40.0, 5, 30.0, 365), (10.0, 0, 8.0, 60)]


def test_geometric_outage_closed_form() -> None:
    """E[unmet] = d·m·(1 − 1/m)^s·(1 − (1 − 1/m)^(T − s)) for stock s days, mean outage m."""
    z = z_bonferroni(len(CASES))
    for d, s, m, horizon in CASES:
        dataset = one_substance(demand_ddd_per_day=d, stock_ddd=d * s)
        result = simulate(dataset, outage(mean=m), n_scenarios=20_000, horizon_days=horizon, seed=3)
        q = 1.0 - 1.0 / m
        expected = d * m * q**s * (1.0 - q ** (horizon - s))
        mean, se = result.unmet_ddd.mean[0, 0], result.unmet_ddd.se[0, 0]
        assert abs(mean - expected) <= z * se, (d, s, m, horizon, mean, expected, se)
        # the long-horizon limit d·m·q^s is within the same band when T ≫ m
        if horizon > 10 * m:
            assert abs(mean - d * m * q**s) <= z * se + d * m * q**horizon


def test_markov_availability_stationary_and_not() -> None:
    """Daily outage start α = 0.1, recovery β = 0.3: stationary P(up) = β/(α+β) = 0.75; a run
    started with the site up is down less, by the transient of the two-state chain."""
    alpha, beta, horizon = 0.1, 0.3, 30
    dataset = one_substance(
        demand_ddd_per_day=10.0,
        stock_ddd=0.0,
        site_hazard_per_year=-365.0 * math.log(1.0 - alpha),
        site_mean_days=1.0 / beta,
    )
    z = z_bonferroni(2)
    down = alpha / (alpha + beta)
    lam = 1.0 - alpha - beta
    for stationary, expected in (
        (True, down),
        (False, down * (1.0 - (1.0 - lam**horizon) / (horizon * (1.0 - lam)))),
    ):
        scenario = Scenario(
            background=Background(export_restrictions=False, stationary_start=stationary),
            model=EXACT,
        )
        result = simulate(dataset, scenario, n_scenarios=20_000, horizon_days=horizon, seed=9)
        frac = result.shortage_days.mean[0, 0] / horizon
        se = result.shortage_days.se[0, 0] / horizon
        assert abs(frac - expected) <= z * se, (stationary, frac, expected, se)
    # the two expectations differ by far more than the tolerance: the test can tell them apart
    assert abs(down - expected) > 6 * se


def test_fixed_outage_is_exact() -> None:
    """Deterministic demand and outage: unmet = d · max(0, min(D, T) − s) exactly."""
    for d, s, outage_days, horizon in ((7.0, 3, 10, 30), (5.0, 12, 10, 30), (3.0, 2, 50, 30)):
        dataset = one_substance(demand_ddd_per_day=d, stock_ddd=d * s)
        result = simulate(dataset, outage(days=outage_days), n_scenarios=64, horizon_days=horizon)
        expected = d * max(0, min(outage_days, horizon) - s)
        np.testing.assert_array_equal(result.unmet_per_scenario[0, :, 0], expected)
        assert result.shortage_days.mean[0, 0] == max(0, min(outage_days, horizon) - s)
        if expected:
            assert result.first_shortage_day.mean[0, 0] == s
            assert result.first_stockout_day.mean[0, 0] == s


def test_preparedness_stock_after_commercial_stock() -> None:
    dataset = one_substance(demand_ddd_per_day=10.0, stock_ddd=50.0, preparedness_ddd=30.0)
    result = simulate(dataset, outage(days=20), n_scenarios=64, horizon_days=40)
    # 5 days from commercial stock, 3 from preparedness, 12 days short
    assert result.unmet_ddd.mean[0, 0] == 120.0
    assert result.preparedness_used_ddd_mean[0, 0] == 30.0
    assert result.first_stockout_day.mean[0, 0] == 8


def _with_agreement(reserved: float, response: int, ramp: int, **cap: object) -> object:
    return one_substance(
        demand_ddd_per_day=10.0,
        stock_ddd=20.0,
        lines=[{"line_id": "L1", "response_days": response, "ramp_days": ramp}],
        capabilities=[
            {"line_id": "L1", "atc_code": "J01CA04", "capacity_ddd_per_day": 100.0, **cap}
        ],
        agreements=[
            {
                "agreement_id": "A1",
                "line_id": "L1",
                "atc_code": "J01CA04",
                "reserved_ddd_per_day": reserved,
                "response_days": response,
            }
        ],
    )


def test_surge_production_response_and_ramp_by_hand() -> None:
    """Outage days 0–29, stock 2 days. Agreement 6 DDD/day from day 5 (response 5), ramp 2:
    day 5 → 2, day 6 → 4, days ≥ 7 → 6 DDD. Gap per day 10; stock covers days 0–1."""
    dataset = _with_agreement(6.0, 5, 2)
    result = simulate(dataset, outage(days=30), n_scenarios=64, horizon_days=40)
    # days 2–4: 10 short each; day 5: 8; day 6: 6; days 7–29: 4 each (23 days)
    expected = 3 * 10 + 8 + 6 + 23 * 4
    assert result.unmet_ddd.mean[0, 0] == pytest.approx(expected, rel=1e-12)
    assert result.surge_ddd_mean[0, 0] == pytest.approx(2 + 4 + 23 * 6, rel=1e-12)


def test_api_on_hand_limits_output_while_the_source_is_restricted() -> None:
    """API from XB, restricted days 0–29: output is capped by 30 DDD of API on hand."""
    dataset = world(
        countries=[{"country": "XA", "name": "A"}, {"country": "XB", "name": "B"}],
        sites=[{"site_id": "S1"}],
        substances=[{"atc_code": "J01CA04"}],
        products=[{"product_id": "P1", "atc_code": "J01CA04"}],
        supply=[("P1", "S1")],
        demand=[{"atc_code": "J01CA04", "ddd_per_day": 10.0}],
        lines=[{"line_id": "L1", "response_days": 0, "ramp_days": 0}],
        capabilities=[
            {
                "line_id": "L1",
                "atc_code": "J01CA04",
                "capacity_ddd_per_day": 100.0,
                "api_on_hand_ddd": 30.0,
                "api_source_country": "XB",
            }
        ],
        agreements=[
            {
                "agreement_id": "A1",
                "line_id": "L1",
                "atc_code": "J01CA04",
                "reserved_ddd_per_day": 10.0,
                "response_days": 0,
            }
        ],
    )
    events = (Event("site_outage", 0, Fixed(20), sites=("S1",)),)
    restricted = (*events, Event("export_restriction", 0, Fixed(30), country="XB"))
    free = simulate(
        dataset,
        Scenario(events=events, background=QUIET, model=EXACT),
        n_scenarios=64,
        horizon_days=40,
    )
    capped = simulate(
        dataset,
        Scenario(events=restricted, background=QUIET, model=EXACT),
        n_scenarios=64,
        horizon_days=40,
    )
    assert free.unmet_ddd.mean[0, 0] == 0.0
    assert capped.surge_ddd_mean[0, 0] == pytest.approx(30.0)
    assert capped.unmet_ddd.mean[0, 0] == pytest.approx(20 * 10 - 30.0)


def test_shared_line_split_pro_rata_when_over_committed() -> None:
    """Two substances on one line: reservations 80 and 60 of capacity 100 each (load 1.4).
    Both short: each gets what it asks for divided by 1.4 in joint mode, all of it decomposed."""
    dataset = world(
        sites=[{"site_id": "S1"}],
        substances=[{"atc_code": "J01CA04"}, {"atc_code": "N02BE01"}],
        products=[
            {"product_id": "P1", "atc_code": "J01CA04"},
            {"product_id": "P2", "atc_code": "N02BE01"},
        ],
        supply=[("P1", "S1"), ("P2", "S1")],
        demand=[
            {"atc_code": "J01CA04", "ddd_per_day": 100.0},
            {"atc_code": "N02BE01", "ddd_per_day": 100.0},
        ],
        lines=[{"line_id": "L1", "response_days": 0, "ramp_days": 0}],
        capabilities=[
            {"line_id": "L1", "atc_code": a, "capacity_ddd_per_day": 100.0}
            for a in ("J01CA04", "N02BE01")
        ],
        agreements=[
            {
                "agreement_id": "A1",
                "line_id": "L1",
                "atc_code": "J01CA04",
                "reserved_ddd_per_day": 80.0,
                "response_days": 0,
            },
            {
                "agreement_id": "A2",
                "line_id": "L1",
                "atc_code": "N02BE01",
                "reserved_ddd_per_day": 60.0,
                "response_days": 0,
            },
        ],
    )
    scenario = outage(days=10)
    joint = simulate(dataset, scenario, n_scenarios=64, horizon_days=20, mode="joint")
    alone = simulate(dataset, scenario, n_scenarios=64, horizon_days=20, mode="decomposed")
    np.testing.assert_allclose(joint.surge_ddd_mean[0], [10 * 80 / 1.4, 10 * 60 / 1.4])
    np.testing.assert_allclose(alone.surge_ddd_mean[0], [800.0, 600.0])


def test_therapeutic_alternatives_capped_and_drawn_from_their_stock() -> None:
    """J01CA04 out for 10 days with no stock; J01CA08 (same ATC4) holds 1000 DDD. At most 30 % of
    J01CA04's demand (100/day) is switched: 30 DDD a day from J01CA08's stock (joint only)."""
    dataset = world(
        sites=[{"site_id": "S1"}, {"site_id": "S2"}],
        substances=[{"atc_code": "J01CA04"}, {"atc_code": "J01CA08"}],
        products=[
            {"product_id": "P1", "atc_code": "J01CA04"},
            {"product_id": "P2", "atc_code": "J01CA08"},
        ],
        supply=[("P1", "S1"), ("P2", "S2")],
        demand=[
            {"atc_code": "J01CA04", "ddd_per_day": 100.0},
            {"atc_code": "J01CA08", "ddd_per_day": 10.0},
        ],
        stock=[{"product_id": "P2", "packs": 1000}],
    )
    scenario = outage(days=10)
    joint = simulate(dataset, scenario, n_scenarios=64, horizon_days=10, mode="joint")
    alone = simulate(dataset, scenario, n_scenarios=64, horizon_days=10, mode="decomposed")
    assert joint.alternatives_ddd_mean[0, 0] == pytest.approx(300.0)
    assert joint.unmet_ddd.mean[0, 0] == pytest.approx(700.0)
    assert alone.unmet_ddd.mean[0, 0] == pytest.approx(1000.0)
    assert alone.alternatives_ddd_mean[0, 0] == 0.0
    # J01CA08 itself is never short: its supply is up and only its stock was drawn
    assert joint.unmet_ddd.mean[0, 1] == 0.0


def test_spare_capacity_after_its_lead_time() -> None:
    """Two products 50/50; P1 down 20 days without stock; P2 adds 20 % of demand from day 5."""
    dataset = world(
        sites=[{"site_id": "S1"}, {"site_id": "S2"}],
        substances=[{"atc_code": "J01CA04"}],
        products=[
            {"product_id": "P1", "atc_code": "J01CA04", "market_share": 0.5},
            {
                "product_id": "P2",
                "atc_code": "J01CA04",
                "market_share": 0.5,
                "spare_capacity_share": 0.2,
                "spare_lead_time_days": 5,
            },
        ],
        supply=[("P1", "S1"), ("P2", "S2")],
        demand=[{"atc_code": "J01CA04", "ddd_per_day": 100.0}],
    )
    result = simulate(dataset, outage(days=20), n_scenarios=64, horizon_days=30)
    assert result.unmet_ddd.mean[0, 0] == pytest.approx(5 * 50 + 15 * 30)


def test_stock_loss_of_a_wholesaler_then_outage() -> None:
    """Losing the wholesaler's 40 DDD on day 0 shortens the cover of a day-5 outage by 4 days."""
    base = one_substance(demand_ddd_per_day=10.0, stock_ddd=60.0)
    dataset = base.replace(
        stock=[
            {
                "date": base.as_of,
                "product_id": "P1",
                "holder": "W",
                "tier": "wholesale",
                "packs": 40,
            },
            {
                "date": base.as_of,
                "product_id": "P1",
                "holder": "H",
                "tier": "pharmacy",
                "packs": 20,
            },
        ]
    )
    events = (Event("site_outage", 1, Fixed(10), sites=("S1",)),)
    loss = (*events, Event("stock_loss", 0, None, holder="W"))
    model = ModelParameters(demand_noise=False, supply_headroom=0.0)
    kept = simulate(
        dataset,
        Scenario(events=events, background=QUIET, model=model),
        n_scenarios=64,
        horizon_days=30,
    )
    lost = simulate(
        dataset,
        Scenario(events=loss, background=QUIET, model=model),
        n_scenarios=64,
        horizon_days=30,
    )
    assert kept.unmet_ddd.mean[0, 0] == pytest.approx(40.0)
    assert lost.unmet_ddd.mean[0, 0] == pytest.approx(80.0)


def test_demand_surge_beyond_headroom() -> None:
    """A 3× surge with 10 % headroom: suppliers deliver 1.1× normal, the rest comes from stock."""
    dataset = one_substance(demand_ddd_per_day=10.0, stock_ddd=95.0)
    scenario = Scenario(
        events=(Event("demand_surge", 0, Fixed(10), atc=("J01",), multiplier=3.0),),
        background=QUIET,
        model=EXACT,
    )
    result = simulate(dataset, scenario, n_scenarios=64, horizon_days=20)
    # gap 19 a day: stock lasts 5 days (95), then 19 short for 5 days
    assert result.unmet_ddd.mean[0, 0] == pytest.approx(5 * 19.0)


@pytest.mark.parametrize("source", ["pack", "substance", "lognormal pack"])
def test_pack_and_substance_hazards_give_the_markov_availability(source: str) -> None:
    """A pack's own hazard (or its substance's common cause) is a two-state process like a
    site's: stationary P(down) = α/(α + β); the lognormal family (row σ) keeps the mean, so
    P(down) = E[D]/(1/α + E[D]) (renewal theory: the share of time in down spells)."""
    alpha, mean_days, horizon = 0.02, 10.0, 60
    hazard = -365.0 * math.log(1.0 - alpha)
    row = {"outage_hazard_per_year": hazard, "outage_mean_days": mean_days}
    if source == "lognormal pack":
        row["outage_duration_sigma"] = 0.7
    dataset = world(
        sites=[{"site_id": "S1"}],
        substances=[{"atc_code": "J01CA04", **(row if source == "substance" else {})}],
        products=[
            {"product_id": "P1", "atc_code": "J01CA04", **(row if source != "substance" else {})}
        ],
        supply=[("P1", "S1")],
        demand=[{"atc_code": "J01CA04", "ddd_per_day": 10.0}],
    )
    scenario = Scenario(background=Background(stationary_start=True), model=EXACT)
    result = simulate(dataset, scenario, n_scenarios=20_000, horizon_days=horizon, seed=11)
    frac = result.shortage_days.mean[0, 0] / horizon
    se = result.shortage_days.se[0, 0] / horizon
    if source == "lognormal pack":
        from beredt.sim.durations import Lognormal

        law = Lognormal.from_mean(mean_days, 0.7)
        expected_mean = float(np.sum(law.survival(np.arange(0, 2000))))  # E[max(1, round X)]
    else:
        expected_mean = mean_days
    expected = expected_mean / (1.0 / alpha + expected_mean)
    assert abs(frac - expected) <= z_bonferroni(3) * se, (source, frac, expected, se)
    # switching the packs' own outages off leaves nothing down
    off = Scenario(background=Background(product_outages=False), model=EXACT)
    quiet = simulate(dataset, off, n_scenarios=200, horizon_days=horizon, seed=11)
    assert quiet.shortage_days.mean[0, 0] == 0.0


def test_substance_hazard_stops_every_pack_at_once() -> None:
    """A substance-level common cause takes down both packs on the same days (no substitution)."""
    dataset = world(
        sites=[{"site_id": "S1"}, {"site_id": "S2"}],
        substances=[
            {"atc_code": "J01CA04", "outage_hazard_per_year": 20.0, "outage_mean_days": 5.0}
        ],
        products=[
            {"product_id": "P1", "atc_code": "J01CA04", "market_share": 0.5},
            {
                "product_id": "P2",
                "atc_code": "J01CA04",
                "market_share": 0.5,
                "spare_capacity_share": 1.0,
                "spare_lead_time_days": 0,
            },
        ],
        supply=[("P1", "S1"), ("P2", "S2")],
        demand=[{"atc_code": "J01CA04", "ddd_per_day": 10.0}],
    )
    result = simulate(dataset, Scenario(model=EXACT), n_scenarios=500, horizon_days=120, seed=2)
    # the spare capacity of the other pack never helps: both are down together
    assert result.shortage_days.mean[0, 0] > 0
    np.testing.assert_allclose(
        result.unmet_ddd.mean[0, 0], 10.0 * result.shortage_days.mean[0, 0], rtol=1e-12
    )


@pytest.mark.parametrize(("stock_days", "lead", "share"), [(3, 5, 0.5), (8, 2, 0.25), (0, 0, 1.0)])
def test_exemption_import_after_its_lead_time_is_exact(
    stock_days: int, lead: int, share: float
) -> None:
    """Outage of D days, stock s days, import share f from day L of the gap. Renewable supply
    is used before stock (the stock keeps), so imports deliver f·d on every day from L and the
    stock is used up before anyone goes without: unmet = d·max(0, D − s − f·(D − L))."""
    d, outage_days, horizon = 10.0, 20, 40
    dataset = one_substance(demand_ddd_per_day=d, stock_ddd=d * stock_days)
    dataset = dataset.replace(
        levers=[
            {"scope": "J01", "exemption_import_share": share, "exemption_import_lead_days": lead}
        ]
    )
    result = simulate(dataset, outage(days=outage_days), n_scenarios=64, horizon_days=horizon)
    expected = d * max(0.0, outage_days - stock_days - share * (outage_days - lead))
    np.testing.assert_allclose(result.unmet_per_scenario[0, :, 0], expected, rtol=1e-12)
    np.testing.assert_allclose(result.imports_ddd_mean[0, 0], d * share * (outage_days - lead))
    # the scenario's [model] switches it off or overrides it for every substance
    off = outage(days=outage_days)
    off = Scenario(
        events=off.events,
        background=off.background,
        model=ModelParameters(demand_noise=False, open_shortages=False, exemption_import=False),
    )
    none = simulate(dataset, off, n_scenarios=64, horizon_days=horizon)
    assert none.unmet_ddd.mean[0, 0] == d * (outage_days - stock_days)
