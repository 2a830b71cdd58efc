"""Monte-Carlo disruption simulation (DESIGN.md §4, docs/simulation.md, docs/scenarios.md).

Main entry: :func:`simulate` (dataset, scenario, options) → :class:`SimResult`. Scenario files:
:func:`load_scenario`. Preparedness options for the optimiser: :class:`Policies`. Duration
distributions (also used by the shortage-response planner): :mod:`beredt.sim.durations`.
"""

from beredt.sim.distributed import scenario_chunks
from beredt.sim.durations import (
    Duration,
    DurationError,
    Empirical,
    Fixed,
    Geometric,
    Lognormal,
    ShortageHistory,
    empirical_from_shortages,
    parse_duration,
)
from beredt.sim.engine import SimResult, Stat, run_scenarios, simulate
from beredt.sim.model import (
    CompiledModel,
    Policies,
    agreements_from_dataset,
    compile_model,
    country_index,
    line_index,
)
from beredt.sim.scenario import (
    Background,
    Event,
    ModelParameters,
    Scenario,
    check_scenario,
    load_scenario,
    parse_scenario,
)

__all__ = [
    "Background",
    "CompiledModel",
    "Duration",
    "DurationError",
    "Empirical",
    "Event",
    "Fixed",
    "Geometric",
    "Lognormal",
    "ModelParameters",
    "Policies",
    "Scenario",
    "ShortageHistory",
    "SimResult",
    "Stat",
    "agreements_from_dataset",
    "check_scenario",
    "compile_model",
    "country_index",
    "empirical_from_shortages",
    "line_index",
    "load_scenario",
    "parse_duration",
    "parse_scenario",
    "run_scenarios",
    "scenario_chunks",
    "simulate",
]
