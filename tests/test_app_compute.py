"""The command line and the server run the same use cases: same checks, same numbers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beredt.app import compute
from beredt.app.context import open_store
from beredt.cli import get_app
from beredt.errors import InvalidInput

pytestmark = pytest.mark.slow  # simulates


@pytest.fixture
def db(tmp_path: Path, small_bundle_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/t.db"
    result = CliRunner().invoke(
        get_app(), ["import", "bundle", str(small_bundle_path), "--db", url]
    )
    assert result.exit_code == 0, result.output
    return url


def test_plan_parameters_refuse_what_the_cli_refuses(db: str) -> None:
    policy = compute.plan_policy()
    with pytest.raises(InvalidInput, match="objective"):
        compute.plan_parameters(policy=policy, objective="cheapest")
    with pytest.raises(InvalidInput):
        compute.plan_parameters(policy=policy, min_cover=["vital=-3"])
    cli = CliRunner().invoke(
        get_app(), ["plan", "--db", db, "--budget", "1M", "--objective", "cheapest"]
    )
    assert cli.exit_code == 2
    assert "objective: one of" in cli.output
    # the whole run refuses the same parameters before it writes anything
    store = open_store(db)
    with pytest.raises(InvalidInput, match="policy: default or none"):
        compute.run(store, policy="my-file.toml")
    with pytest.raises(InvalidInput, match="objective"):
        compute.run(store, objective="cheapest")
    with pytest.raises(InvalidInput):
        compute.run(store, min_cover=["vital=-3"])


def test_backtest_cuts_after_the_record_are_refused_alike(db: str) -> None:
    store = open_store(db)
    with pytest.raises(InvalidInput, match="not before the record's end"):
        compute.backtest(store, cuts=[dt.date(2099, 1, 1)], scenarios=10)


def test_the_plan_of_the_cli_equals_the_servers_use_case(db: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    args = ["plan", "--db", db, "--budget", "20M", "--scenarios", "128", "--seed", "4"]
    cli = CliRunner().invoke(get_app(), [*args, "--json", str(out)])
    assert cli.exit_code == 0, cli.output
    from_cli = json.loads(out.read_text(encoding="utf-8"))
    from_app = compute.plan(open_store(db), 20e6, scenarios=128, seed=4)
    assert from_app["budget"] == from_cli["budget"]
    # same draws, same solver: the chosen plan, today's and every substance's choice agree
    assert from_app["chosen"] == from_cli["chosen"]
    assert from_app["today"] == from_cli["today"]
    assert from_app["substances"] == from_cli["substances"]


def test_the_simulation_of_the_cli_equals_the_servers_use_case(db: str, tmp_path: Path) -> None:
    out = tmp_path / "sim.json"
    args = ["simulate", "background", "--db", db, "-n", "64", "--seed", "3", "--json", str(out)]
    cli = CliRunner().invoke(get_app(), args)
    assert cli.exit_code == 0, cli.output
    from_cli = json.loads(out.read_text(encoding="utf-8"))
    from_app = compute.simulate(open_store(db), "background", scenarios=64, seed=3)
    assert from_app["n_scenarios"] == from_cli["n_scenarios"] == 64
    assert from_app["options"] == from_cli["options"]  # national and per substance, same draws
    with pytest.raises(InvalidInput, match="mode"):
        compute.simulate(open_store(db), "background", scenarios=64, mode="sideways")
