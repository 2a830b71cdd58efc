"""The shortage response planner on the small test bundle: worked examples computed by hand from
the CSVs, and properties on generated integer variants of the bundle (conservation, limits,
ordering, floors, capacities)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beredt.domain.dataset import Dataset
from beredt.respond import (
    ActionKind,
    ActionStatus,
    NoticeError,
    ResponseNotice,
    ResponseParams,
    days_of_supply_left,
    plan_response,
)
from beredt.results import dumps

D = dt.date
FLAT = {"seasonal_demand": False, "duration_samples": 2_000}


def _day(plan, date: dt.date) -> int:
    return (date - plan.start_date).days


# ----------------------------------------------------------------------------------------------
# Worked example 1: paracetamol, the domestic agreement AG-1 closes the gap
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def paracetamol(small_dataset: Dataset):
    notice = ResponseNotice(
        atc_code="N02BE01", start_date=D(2026, 11, 1), expected_end_date=D(2027, 2, 8)
    )
    return plan_response(
        small_dataset, notice, ResponseParams(preparedness_floor_share=0.5, **FLAT)
    )


def test_paracetamol_agreement_closes_the_gap(paracetamol) -> None:
    """All paracetamol packs out for 100 days (1 Nov 2026 – 8 Feb 2027), flat demand.

    demand.csv: 120,000 DDD/day, whole substance lost → gap 120,000 × 100 = 12,000,000 DDD.
    stock.csv on 1 Nov (products.csv: 16 DDD/pack for both packs):
      100001 wholesale 300,000 − 75,000 = 225,000 packs = 3,600,000 DDD (the −50,000 is 15 Nov)
      100002 wholesale 150,000 packs = 2,400,000 DDD; pharmacy 60,000 packs = 960,000 DDD
      → chain stock 6,960,000 DDD (58 days of gap)
      100001 preparedness 225,000 packs = 3,600,000 DDD, floor 50 % → 1,800,000 to release
    Without activation: 12,000,000 − 6,960,000 − 1,800,000 = 3,240,000 DDD uncovered.
    AG-1 (agreements.csv): 60,000 DDD/day, response 30 days → first output 1 Dec (day 30);
      lines.csv ramp 14 days → 60,000 × j/15 = 4,000·j on days 30..43 (Σ 4,000 × 105 = 420,000),
      then 60,000/day. API on hand 2,000,000 DDD (CN), resupply after 60 days: output before
      day 60 is 420,000 + 16 × 60,000 = 1,380,000 ≤ 2,000,000, so the API never binds.
      Running to day 99 it could give 420,000 + 56 × 60,000 = 3,780,000 ≥ 3,240,000: it closes
      the gap. Sized to need: 3,240,000 = 420,000 + 47 × 60,000 → days 30..90 (1 Dec – 30 Jan).
    Stock, drawn after AG-1's output, in priority order:
      100001 chain: days 0..29 at 120,000 = 3,600,000 → empty on 30 Nov.
      100002 chain (3,360,000): days 30..43 take 120,000 − 4,000·j, Σ 1,680,000 − 420,000 =
        1,260,000; the remaining 2,100,000 / 60,000 = 35 days → days 44..78 (to 18 Jan).
      preparedness: days 79..90 at 60,000 (720,000) + days 91..99 at 120,000 (1,080,000) =
        1,800,000 → down exactly to its floor on 8 Feb.
    """
    plan = paracetamol
    assert plan.horizon_days == 100
    assert plan.gap_ddd == 12_000_000
    assert plan.uncovered_ddd == 0
    assert plan.rationing is None
    ag = plan.action("agreement:AG-1")
    assert ag.status is ActionStatus.USED
    assert ag.eta_date == D(2026, 12, 1)
    assert ag.trigger_date == D(2026, 11, 1)
    assert (ag.start_date, ag.end_date) == (D(2026, 12, 1), D(2027, 1, 30))
    assert ag.quantity_ddd == 3_240_000
    daily = plan.daily.set_index("day")["agreement:AG-1"]
    assert daily[30] == 4_000
    assert daily[43] == 56_000
    assert daily[44] == 60_000
    assert daily[90] == 60_000
    assert daily[91] == 0
    step = next(s for s in plan.escalation if s.action_id == "agreement:AG-1")
    assert step.uncovered_before_ddd == 3_240_000
    assert step.uncovered_after_ddd == 0

    r1 = plan.action("redistribution:100001")
    assert (r1.quantity_ddd, r1.start_date, r1.end_date) == (
        3_600_000,
        D(2026, 11, 1),
        D(2026, 11, 30),
    )
    assert r1.packs == 225_000
    r2 = plan.action("redistribution:100002")
    assert (r2.quantity_ddd, r2.start_date, r2.end_date) == (
        3_360_000,
        D(2026, 12, 1),
        D(2027, 1, 18),
    )
    prep = plan.action("preparedness:100001")
    assert (prep.quantity_ddd, prep.start_date, prep.end_date) == (
        1_800_000,
        D(2027, 1, 19),
        D(2027, 2, 8),
    )
    assert prep.stock_ddd - prep.quantity_ddd == prep.floor_ddd == 1_800_000
    assert plan.action("exemption_import").status is ActionStatus.NOT_NEEDED

    # Cost: AG-1 at 0.5 NOK/DDD (capabilities.csv) = 1,620,000. Normal price of the lost packs,
    # market-share weighted: 0.6 × 60/16 + 0.4 × 55/16 = 3.625 NOK/DDD.
    assert ag.cost == pytest.approx(1_620_000)
    assert plan.baseline_price_per_ddd == pytest.approx(3.625)
    assert ag.extra_cost == pytest.approx(1_620_000 - 3_240_000 * 3.625)


def test_paracetamol_without_agreement_leaves_the_rest_to_slower_actions(
    small_dataset: Dataset,
) -> None:
    """Without AG-1 the same 3,240,000 DDD are open after stock, and the line without an agreement
    (response 30 + 30 days, half its 200,000 DDD/day) and exemption import must fill them."""
    rows = [r for r in small_dataset.bundle.tables["agreements"] if r["agreement_id"] != "AG-1"]
    dataset = small_dataset.replace(agreements=rows)
    notice = ResponseNotice(
        atc_code="N02BE01", start_date=D(2026, 11, 1), expected_end_date=D(2027, 2, 8)
    )
    plan = plan_response(dataset, notice, ResponseParams(preparedness_floor_share=0.5, **FLAT))
    first = plan.escalation[0]
    assert first.action_id == "domestic_unreserved:nordpharma-tab-1"
    assert first.uncovered_before_ddd == 3_240_000
    line = plan.action("domestic_unreserved:nordpharma-tab-1")
    assert line.eta_date == D(2026, 12, 31)  # 30 + 30 days after 1 Nov
    assert "no_agreement" in line.flags
    assert plan.uncovered_ddd == pytest.approx(0, abs=1e-6)


# ----------------------------------------------------------------------------------------------
# Worked example 2: amoxicillin DMP-2026-0001, domestic production cannot come in time
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def amoxicillin(small_dataset: Dataset):
    return plan_response(
        small_dataset, "DMP-2026-0001", ResponseParams(preparedness_floor_share=0.5, **FLAT)
    )


def test_amoxicillin_domestic_too_late_import_fills(amoxicillin) -> None:
    """DMP-2026-0001: Amoxi caps (400001, the only amoxicillin pack, share 1) out since 20 Oct,
    expected until 31 Dec; plan from the as-of date 1 Nov: 61 days × 3,000 DDD = 183,000 DDD.

    Stock (10 DDD/pack): wholesale 9,000 − 3,000 = 6,000 packs = 60,000 DDD; preparedness
    18,000 packs = 180,000 DDD, floor 50 % → 90,000 to release. Rest: 183,000 − 150,000 = 33,000.
    No agreement for J01CA04. nordpharma-tab-1 is qualified (5,000 DDD/day; offer OF-1 unsigned):
    without an agreement it starts 30 + 30 days after activation = 31 Dec, half capacity 2,500
    ramping over 14 days → 2,500/15 ≈ 167 DDD on the last day: less than one day of gap (3,000),
    so not activated. Exemption import (cause manufacturing, not global): 0.5 × 3,000 =
    1,500 DDD/day from 15 Nov (day 14); 33,000 / 1,500 = 22 days → 15 Nov – 6 Dec.
    Stock after the import's share: chain 14 × 3,000 + 12 × 1,500 = 60,000 → empty on 26 Nov;
    preparedness 10 × 1,500 + 25 × 3,000 = 90,000 from 27 Nov to 31 Dec, down to its floor.
    Import cost: 70 NOK / 10 DDD × 1.5 = 10.5 NOK/DDD × 33,000 = 346,500 NOK, 115,500 extra.
    """
    plan = amoxicillin
    assert (plan.start_date, plan.end_date, plan.horizon_days) == (
        D(2026, 11, 1),
        D(2026, 12, 31),
        61,
    )
    assert plan.gap_ddd == 183_000
    assert plan.uncovered_ddd == 0
    dom = plan.action("domestic_unreserved:nordpharma-tab-1")
    assert dom.status is ActionStatus.TOO_SMALL
    assert dom.eta_date == D(2026, 12, 31)
    assert dom.detail["offers"] == ["OF-1"]
    assert plan.available.set_index("day").loc[60, dom.action_id] == pytest.approx(2_500 / 15)
    imp = plan.action("exemption_import")
    assert (imp.quantity_ddd, imp.start_date, imp.end_date) == (
        33_000,
        D(2026, 11, 15),
        D(2026, 12, 6),
    )
    assert imp.packs == 3_300
    assert imp.cost == pytest.approx(346_500)
    assert imp.extra_cost == pytest.approx(115_500)
    red = plan.action("redistribution:400001")
    assert (red.quantity_ddd, red.end_date) == (60_000, D(2026, 11, 26))
    prep = plan.action("preparedness:400001")
    assert (prep.quantity_ddd, prep.start_date, prep.end_date) == (
        90_000,
        D(2026, 11, 27),
        D(2026, 12, 31),
    )
    assert plan.action("therapeutic_alternative:J01CA08").status is ActionStatus.NOT_NEEDED


def test_amoxicillin_alternative_only_after_same_substance(small_dataset: Dataset) -> None:
    """Without exemption import, 33,000 DDD stay open after stock; before switching patients to
    pivmecillinam (J01CA08) the small late domestic output is taken after all (167 DDD on
    31 Dec), then the alternative: its wholesale stock 24,000 packs × 10 = 240,000 DDD minus 30
    days × 4,000 reserved = 120,000 available, at most 0.3 × 3,000 = 900 DDD/day."""
    plan = plan_response(
        small_dataset,
        "DMP-2026-0001",
        ResponseParams(preparedness_floor_share=0.5, exemption_import_share=0.0, **FLAT),
    )
    dom = plan.action("domestic_unreserved:nordpharma-tab-1")
    assert dom.status is ActionStatus.USED
    assert dom.quantity_ddd == pytest.approx(2_500 / 15)
    alt = plan.action("therapeutic_alternative:J01CA08")
    assert alt.status is ActionStatus.USED
    assert "clinical_review" in alt.flags
    daily = plan.daily.set_index("day")
    # Stock lasts while the alternative is off: 150,000 / 3,000 = 50 days (1 Nov – 20 Dec);
    # from 21 Dec (day 50) 900/day switch, the rest is uncovered.
    assert (daily.loc[:49, alt.action_id] == 0).all()
    assert (daily.loc[50:59, alt.action_id] == 900).all()
    assert daily.loc[60, alt.action_id] == 900
    assert plan.uncovered_ddd == pytest.approx(33_000 - 11 * 900 - 2_500 / 15)
    assert plan.rationing is not None
    assert plan.rationing.first_uncovered_date == D(2026, 12, 21)


# ----------------------------------------------------------------------------------------------
# Worked example 3: morphine DMP-2026-0002 lasting longer than announced, rationing
# ----------------------------------------------------------------------------------------------


def test_morphine_long_shortage_rationing(small_dataset: Dataset) -> None:
    """DMP-2026-0002 (Morfin tab 500001, the only morphine pack) from 10 Nov, here until 9 Mar
    2027 (120 days) with no exemption import: gap 2,000 × 120 = 240,000 DDD. Chain stock
    (12,000 wholesale + 2,000 hospital packs) × 10 = 140,000 DDD = 70 days → 10 Nov – 18 Jan.
    No preparedness stock, no line can make morphine, N02AA has no other substance: 100,000 DDD
    uncovered from 19 Jan over 50 days; cut needed 100,000 / 240,000 = 41.7 % from the start."""
    notice = ResponseNotice.from_dataset(small_dataset, "DMP-2026-0002").with_end(D(2027, 3, 9))
    plan = plan_response(small_dataset, notice, ResponseParams(exemption_import_share=0.0, **FLAT))
    assert (plan.start_date, plan.horizon_days, plan.gap_ddd) == (D(2026, 11, 10), 120, 240_000)
    red = plan.action("redistribution:500001")
    assert (red.quantity_ddd, red.end_date) == (140_000, D(2027, 1, 18))
    assert plan.action("exemption_import").status is ActionStatus.NO_CAPACITY
    assert plan.uncovered_ddd == 100_000
    r = plan.rationing
    assert r is not None
    assert (r.first_uncovered_date, r.last_uncovered_date) == (D(2027, 1, 19), D(2027, 3, 9))
    assert r.uncovered_days == 50
    assert r.cut_share_from_first_uncovered == 1.0
    assert r.cut_share_from_start == pytest.approx(100_000 / 240_000)
    assert r.weeks_per_patient == 2

    # With the default exemption import (0.5 × 2,000 = 1,000 DDD/day from 15 Nov, day 5) the
    # 100,000 are ordered from abroad: 100 days, 15 Nov – 22 Feb.
    plan = plan_response(small_dataset, notice, ResponseParams(**FLAT))
    imp = plan.action("exemption_import")
    assert (imp.quantity_ddd, imp.start_date, imp.end_date) == (
        100_000,
        D(2026, 11, 15),
        D(2027, 2, 22),
    )
    assert plan.uncovered_ddd == 0


def test_days_of_supply_left_by_hand(small_dataset: Dataset) -> None:
    # Morphine starts 10 Nov (9 days after 1 Nov) and the chain stock lasts 70 days.
    assert days_of_supply_left(small_dataset, "DMP-2026-0002", ResponseParams(**FLAT)) == 79
    # Amoxicillin: 60,000 + (180,000 − 25 % floor = 135,000) = 195,000 DDD / 3,000 = 65 days.
    assert days_of_supply_left(small_dataset, "DMP-2026-0001", ResponseParams(**FLAT)) == 65


def test_seasonal_demand_follows_the_bundle_formula(small_dataset: Dataset) -> None:
    # J01CA04: 3,000 × (1 + 0.3 cos(2π (day − 30) / 365)); 30 Jan is day 30 of the year (peak).
    notice = ResponseNotice(
        atc_code="J01CA04", start_date=D(2027, 1, 30), expected_end_date=D(2027, 1, 31)
    )
    plan = plan_response(small_dataset, notice, ResponseParams(duration_samples=100))
    demand = plan.daily["demand_ddd"].to_numpy()
    assert demand[0] == pytest.approx(3_900)
    assert demand[1] == pytest.approx(3_000 * (1 + 0.3 * math.cos(2 * math.pi / 365)))


def test_bad_notices_are_refused(small_dataset: Dataset) -> None:
    with pytest.raises(NoticeError, match="no shortage notice 'NOPE'"):
        plan_response(small_dataset, "NOPE")
    with pytest.raises(NoticeError, match="product 100001 is N02BE01"):
        plan_response(
            small_dataset,
            ResponseNotice(atc_code="J01CA04", start_date=D(2026, 11, 1), product_id="100001"),
        )
    with pytest.raises(NoticeError, match=r"DMP-2024-0003 is resolved \(ended on 2024-05-20\)"):
        plan_response(small_dataset, "DMP-2024-0003")
    with pytest.raises(NoticeError, match="unknown substance"):
        plan_response(small_dataset, ResponseNotice(atc_code="X99XX99", start_date=D(2026, 11, 1)))


def test_plan_serialises_to_json_with_provenance(amoxicillin) -> None:
    import json

    doc = json.loads(dumps(amoxicillin))
    assert doc["provenance"]["fingerprint"] == amoxicillin.provenance.fingerprint
    assert doc["provenance"]["parameters"]["notice"] == "DMP-2026-0001"
    assert doc["uncovered_ddd"] == 0
    assert len(doc["daily"]) == 61


# ----------------------------------------------------------------------------------------------
# Properties on generated integer variants of the bundle
# ----------------------------------------------------------------------------------------------


def _stock_row(product: str, holder: str, tier: str, packs: int) -> dict:
    return {
        "date": D(2026, 10, 1),
        "product_id": product,
        "holder": holder,
        "tier": tier,
        "packs": packs,
        "kind": "count",
        "source": "test",
    }


@st.composite
def variants(draw: st.DrawFn, small_dataset: Dataset):
    atc = draw(st.sampled_from(["N02BE01", "J01CA04"]))
    tables = small_dataset.bundle.tables
    demand_per_day = 60 * draw(st.integers(1, 50))
    demand = [
        {**r, "ddd_per_day": float(demand_per_day), "seasonal_amplitude": 0.0}
        if r["atc_code"] == atc
        else r
        for r in tables["demand"]
    ]
    products = [p["product_id"] for p in tables["products"] if p["atc_code"] == atc]
    alt_products = ["400101"] if atc == "J01CA04" else []
    stock = [r for r in tables["stock"] if r["product_id"] not in products + alt_products]
    for pid in products + alt_products:
        for holder, tier in (("W", "wholesale"), ("H", "hospital"), ("B", "preparedness")):
            packs = draw(st.integers(0, 3_000))
            if packs:
                stock.append(_stock_row(pid, holder, tier, packs))
    agreements = [r for r in tables["agreements"] if r["atc_code"] != atc]
    if draw(st.booleans()):
        agreements.append(
            {
                "agreement_id": "AG-T",
                "line_id": "nordpharma-tab-1",
                "atc_code": atc,
                "reserved_ddd_per_day": float(15 * draw(st.integers(1, 20))),
                "response_days": draw(st.integers(0, 60)),
                "annual_fee": 1.0,
                "valid_from": None,
                "valid_until": None,
                "offer_id": None,
            }
        )
    capabilities = [
        {**r, "api_on_hand_ddd": float(draw(st.integers(0, 3_000)))} if r["atc_code"] == atc else r
        for r in tables["capabilities"]
    ]
    dataset = small_dataset.replace(
        demand=demand, stock=stock, agreements=agreements, capabilities=capabilities
    )
    scope = draw(st.sampled_from([None, *products]))
    start = D(2026, 11, 1) + dt.timedelta(days=draw(st.integers(-10, 20)))
    end = max(start, D(2026, 11, 1)) + dt.timedelta(days=draw(st.integers(0, 90)))
    notice = ResponseNotice(
        atc_code=atc,
        start_date=start,
        product_id=scope,
        expected_end_date=end,
        cause=draw(st.sampled_from(["manufacturing", "api_supply"])),
    )
    params = ResponseParams(
        seasonal_demand=False,
        duration_samples=50,
        preparedness_floor_share=draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])),
        exemption_import_share=draw(st.sampled_from([0.0, 0.5, 1.0])),
        size_to_need=draw(st.booleans()),
        min_activation_days=draw(st.sampled_from([0.0, 1.0])),
        alternative_cap_share=draw(st.sampled_from([0.25, 0.5])),
        alternative_reserve_days=draw(st.sampled_from([0.0, 1.0])),
    )
    return dataset, notice, params


@pytest.mark.slow
@settings(max_examples=40)
@given(data=st.data())
def test_plan_invariants_on_variants(small_dataset: Dataset, data) -> None:
    dataset, notice, params = data.draw(variants(small_dataset))
    plan = plan_response(dataset, notice, params)
    daily = plan.daily
    ids = [a.action_id for a in plan.actions]
    delivered = daily[ids].to_numpy().T if ids else np.zeros((0, len(daily)))
    gap = daily["gap_ddd"].to_numpy()
    uncovered = daily["uncovered_ddd"].to_numpy()
    # Conservation, exactly: integer demand, packs, DDD per pack and capacities.
    np.testing.assert_array_equal(delivered.sum(axis=0) + uncovered, gap)
    assert (uncovered >= 0).all()
    assert (delivered >= 0).all()

    as_of = dataset.as_of
    offset = (plan.start_date - as_of).days
    days = np.arange(plan.horizon_days)
    prods = dataset.products.set_index("product_id")
    stock = dataset.stock
    mean = float(
        dataset.substances.set_index("atc_code").loc[notice.atc_code, "demand_ddd_per_day"]
    )
    alt_days = np.zeros(plan.horizon_days, dtype=bool)
    for a, x in zip(plan.actions, delivered, strict=True):
        # No action before its ETA; each action within what its source can give.
        assert (x[days < a.eta_day] == 0).all(), a.action_id
        if a.kind is ActionKind.AGREEMENT:
            ag = dataset.agreements.set_index("agreement_id").loc["AG-T"]
            k = days + offset  # days since activation on the as-of date
            first = int(ag["response_days"])
            ramp = 14  # lines.csv: nordpharma-tab-1
            limit = np.where(
                k >= first,
                np.minimum(1.0, (k - first + 1) / (ramp + 1)) * ag["reserved_ddd_per_day"],
                0.0,
            )
            assert (x <= limit + 1e-9).all()
            cap = dataset.capabilities.set_index(["line_id", "atc_code"]).loc[
                ("nordpharma-tab-1", notice.atc_code)
            ]
            resupply = 60 - offset if notice.cause == "manufacturing" else plan.horizon_days
            assert x[: max(0, resupply)].sum() <= cap["api_on_hand_ddd"] + 1e-9
        if a.kind is ActionKind.EXEMPTION_IMPORT:
            factor = 0.25 if notice.cause == "api_supply" else 1.0
            assert (x <= params.exemption_import_share * factor * mean).all()
            assert (x[days + offset < 14] == 0).all()
        is_stock = a.kind in (ActionKind.REDISTRIBUTION, ActionKind.PREPAREDNESS) or (
            a.action_id.endswith(":stock")
        )
        if is_stock:
            pid = a.product_id
            tiers = (
                ["preparedness"]
                if a.kind is ActionKind.PREPAREDNESS
                else ["wholesale", "hospital", "pharmacy", "producer"]
            )
            held = float(
                (stock[(stock["product_id"] == pid) & stock["tier"].isin(tiers)]["packs"]).sum()
                * prods.loc[pid, "ddd_per_pack"]
            )
            assert a.stock_ddd == held
            if a.kind is ActionKind.PREPAREDNESS:
                prep_all = stock[stock["tier"] == "preparedness"]
                prep_all = prep_all[
                    prep_all["substance_idx"] == dataset.substance_idx(notice.atc_code)
                ]
                total = float(prep_all["ddd"].sum())
                floor = params.preparedness_floor_share * total * held / total
                assert a.floor_ddd == pytest.approx(floor)
            # No stock goes below its floor, on any day.
            level = held - np.cumsum(x)
            assert (level >= a.floor_ddd - 1e-9).all(), a.action_id
        if a.kind is ActionKind.THERAPEUTIC_ALTERNATIVE:
            assert (x <= params.alternative_cap_share * gap).all()
            alt_days |= x > 0
    # Capacities: no line above its capacity.
    for line in plan.line_load.columns[2:]:
        assert (plan.line_load[line] <= 1 + 1e-12).all()
    # Therapeutic alternatives only on days when every same-substance option gives all it can.
    available = plan.available
    for a in plan.actions:
        if a.kind.same_substance and alt_days.any():
            got = daily[a.action_id].to_numpy()[alt_days]
            can = available[a.action_id].to_numpy()[alt_days]
            np.testing.assert_allclose(got, can, err_msg=a.action_id)
