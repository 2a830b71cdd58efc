"""One compile serves every dataset: the kernel's inputs have the same types whatever they hold.

Numba compiles a function once per distinct tuple of argument types (dtype, rank, layout and
whether an array is read-only are all part of an array's type), and the compile is cached on
disk per signature (the issue saw four compiles in one afternoon: pandas hands some columns
out as read-only arrays, others as writeable copies). Datasets with and without preparedness stock, agreements, alternatives,
open notices, pack and substance hazards and exemption-import levers, in both modes and with
one or several options, must all reach the kernel with one signature per function — checked in
a fresh process, so that nothing else the test session ran can add or hide a signature.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from beredt.sim.kernel import KernelModel, canonical, field_type

_CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
from numba.core.registry import CPUDispatcher
from beredt.domain.dataset import build_dataset
from beredt.ingest.bundle import read_bundle
import beredt.sim.durations, beredt.sim.kernel, beredt.sim.reduce, beredt.sim.rng
from beredt.sim import Event, Fixed, ModelParameters, Policies, Scenario, simulate
from sim_worlds import one_substance, world

small = build_dataset(read_bundle(sys.argv[2]))
tables = small.bundle.tables
hazards = small.replace(
    products=[{**r, "outage_hazard_per_year": 0.5, "outage_mean_days": 9.0}
              for r in tables["products"]],
    substances=[{**r, "outage_hazard_per_year": 0.3, "outage_mean_days": 12.0}
                for r in tables["substances"]],
)
levers = world(
    sites=[{"site_id": "S1", "outage_hazard_per_year": 12.0}],
    substances=[{"atc_code": "J01CA04"}, {"atc_code": "J01CA08"}],
    products=[{"product_id": "P1", "atc_code": "J01CA04"},
              {"product_id": "P2", "atc_code": "J01CA08"}],
    supply=[("P1", "S1"), ("P2", "S1")],
    demand=[{"atc_code": "J01CA04", "ddd_per_day": 10.0},
            {"atc_code": "J01CA08", "ddd_per_day": 4.0, "daily_cv": 0.2}],
    stock=[{"product_id": "P1", "packs": 50}],
    levers=[{"scope": "J01", "exemption_import_share": 0.5, "exemption_import_lead_days": 3}],
)
bare = one_substance(demand_ddd_per_day=10.0, stock_ddd=0.0, site_hazard_per_year=8.0)
stocked = one_substance(demand_ddd_per_day=10.0, stock_ddd=100.0, site_hazard_per_year=8.0,
                        preparedness_ddd=300.0)
agreed = one_substance(
    demand_ddd_per_day=10.0, stock_ddd=50.0, site_hazard_per_year=8.0,
    lines=[{"line_id": "L1", "response_days": 3, "ramp_days": 2}],
    capabilities=[{"line_id": "L1", "atc_code": "J01CA04", "capacity_ddd_per_day": 20.0,
                   "api_on_hand_ddd": 100.0, "api_source_country": "XA"}],
    agreements=[{"agreement_id": "A1", "line_id": "L1", "atc_code": "J01CA04",
                 "reserved_ddd_per_day": 8.0, "response_days": 3}],
)
forced = Scenario(events=(
    Event("export_restriction", 5, Fixed(30), country="CN", stages=("api",), atc=("N02BE01",)),
    Event("demand_surge", 10, Fixed(20), atc=("J01",), multiplier=1.5),
    Event("stock_loss", 15, Fixed(10), holder="Alfa Grossist", share=0.5),
))
runs = [
    (bare, Scenario()), (stocked, Scenario()), (agreed, Scenario()), (levers, Scenario()),
    (small, Scenario()), (small, forced), (hazards, Scenario()),
    (small, Scenario(model=ModelParameters(open_shortages=True, demand_noise=False))),
    (small, Scenario(model=ModelParameters(exemption_import=False, surge_trigger="stock"))),
]
for dataset, scenario in runs:
    for mode in ("joint", "decomposed"):
        simulate(dataset, scenario, n_scenarios=64, horizon_days=120, seed=2, mode=mode)
today = Policies.today(small)
two = Policies(np.vstack([today.preparedness_ddd, 0 * today.preparedness_ddd]),
               today.agreements, ("today", "none"))
simulate(small, forced, n_scenarios=64, horizon_days=120, policies=two)
# the entry points the reference implementation calls from Python
from beredt.sim.kernel import draw_scenario, product_intervals
from beredt.sim.model import compile_model
for dataset, scenario in runs:
    m = compile_model(dataset, scenario, Policies.today(dataset), 60).kernel
    rec, count, *_ = draw_scenario(m, 1, 0)
    product_intervals(m, rec, count)
counts = {}
for module in (beredt.sim.kernel, beredt.sim.rng, beredt.sim.durations, beredt.sim.reduce):
    for name, obj in vars(module).items():
        if isinstance(obj, CPUDispatcher) and obj.__module__ == module.__name__:
            counts[f"{module.__name__}.{name}"] = len(obj.signatures)
print(json.dumps(counts))
"""


@pytest.mark.slow
def test_every_dataset_shape_runs_on_one_signature(small_bundle_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(Path(__file__).parent), str(small_bundle_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert len([k for k in counts if k.startswith("beredt.sim.kernel.")]) >= 15
    several = {name: n for name, n in counts.items() if n > 1}
    assert not several, f"compiled more than once: {several}"
    # The entry points hold one signature each; a signature of run_rows covers the type of
    # every field of the model, so one means one type for all. (Functions called only from
    # compiled code show none when the caller comes from the disk cache.)
    for entry in ("run_rows", "draw_scenario", "product_intervals"):
        assert counts[f"beredt.sim.kernel.{entry}"] == 1, entry


def test_canonical_gives_declared_types_and_copies_read_only_arrays() -> None:
    values: dict[str, object] = {}
    for name in KernelModel._fields:
        if name in ("horizon", "n_options", "notice_delay", "n_lines"):
            values[name] = np.int32(3)
        elif name in ("headroom", "alt_share", "stock_trigger_days"):
            values[name] = np.float32(0.5)
        elif name in ("joint", "trigger_stock", "noise_on", "bg_sites", "bg_countries"):
            values[name] = np.bool_(True)
        elif name == "stationary":
            values[name] = 1
        else:
            dtype, ndim = field_type(name)
            a = np.zeros((2,) * ndim, dtype=np.int32 if dtype.kind == "f" else float)
            if ndim == 2:
                a = np.asfortranarray(np.zeros((2, 3)))  # F order, not C
            a.flags.writeable = False
            values[name] = a
    model = canonical(KernelModel(**values))  # type: ignore[arg-type]
    for name in KernelModel._fields:
        value = getattr(model, name)
        if isinstance(value, np.ndarray):
            dtype, ndim = field_type(name)
            assert value.dtype == dtype, name
            assert value.ndim == ndim, name
            assert value.flags.c_contiguous, name
            assert value.flags.writeable, name
        else:
            assert type(value) in (int, float, bool), name
    assert model.stationary is True
    assert type(model.horizon) is int
    with pytest.raises(ValueError, match="dimensions"):
        canonical(model._replace(rate=np.zeros(3)))
