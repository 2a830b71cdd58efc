"""``beredt plan`` and ``beredt frontier`` end to end on the small bundle."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from beredt.cli import get_app
from beredt.cli.plan import parse_amount, parse_budgets

pytestmark = pytest.mark.slow  # runs the simulator


@pytest.fixture
def env(tmp_path: Path, small_bundle_path: Path) -> dict[str, str]:
    env = {"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"}
    result = CliRunner().invoke(get_app(), ["import", "bundle", str(small_bundle_path)], env=env)
    assert result.exit_code == 0, result.output
    return env


def test_plan_command_writes_json_workbook_and_plot(tmp_path: Path, env: dict[str, str]) -> None:
    out = tmp_path / "plan.json"
    args = ["plan", "--budget", "20M", "--scenarios", "128", "--seed", "4", "--json", str(out)]
    args += ["--xlsx", str(tmp_path / "plan.xlsx"), "--png", str(tmp_path / "plan.png")]
    args += ["--min-cover", "vital:2", "--save", "test-plan"]
    result = CliRunner().invoke(get_app(), args, env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["budget"] == 20e6
    assert data["chosen"]["annual_cost"] <= 20e6 * (1 + 1e-9)
    assert data["provenance"]["seed"] == 4
    vital_rules = [
        r for r in data["provenance"]["parameters"]["cover_rules"] if r["criticality"] == "vital"
    ]
    assert [r["min_weeks"] for r in vital_rules] == [2]  # --min-cover overrides the policy's
    vital = [s for s in data["substances"] if s["criticality"] == "vital"]
    assert all(s["chosen_weeks"] >= 2 or s["chosen_reservations"] for s in vital)
    assert {o["reservation_id"] for o in data["offer_values"]} >= {"OF-1", "OF-4", "AG-1"}
    assert data["reevaluation"]["joint_loss_per_year"] >= 0
    assert "Preparedness plan" in result.output
    assert (tmp_path / "plan.png").stat().st_size > 10_000
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "plan.xlsx", read_only=True)
    assert {"Summary", "Substances", "Offer values", "Options", "Provenance"} <= set(
        book.sheetnames
    )
    from beredt.store import Store

    saved = Store(env["BEREDT_DATABASE_URL"]).get_document("plan", "test-plan")
    assert saved is not None
    assert saved["budget"] == 20e6


def test_frontier_command(tmp_path: Path, env: dict[str, str]) -> None:
    args = ["frontier", "--budgets", "0:40M:4", "--scenarios", "128", "--json", "-"]
    args += ["--png", str(tmp_path / "f.png"), "--html", str(tmp_path / "f.html")]
    result = CliRunner().invoke(get_app(), args, env=env)
    assert result.exit_code == 0, result.output
    # --json - puts JSON alone on stdout; the tables go to stderr.
    data = json.loads(result.stdout)
    budgets = [p["budget"] for p in data["points"]]
    assert budgets == pytest.approx([0, 40e6 / 3, 80e6 / 3, 40e6])
    feasible = [p for p in data["points"] if p["feasible"]]
    assert len(feasible) >= 2
    losses = np.array([p["expected_loss_per_year"] for p in feasible])
    assert (np.diff(losses) <= 1e-6).all()
    assert data["today"]["annual_cost"] > 0
    html = (tmp_path / "f.html").read_text()
    assert not re.search(r"<script[^>]*src=\"https?://", html)  # plotly.js inlined, no CDN
    assert len(html) > 1_000_000
    assert "today's plan" in html


def test_plan_command_reports_an_impossible_budget(env: dict[str, str]) -> None:
    args = ["plan", "--budget", "1M", "--scenarios", "64", "--min-cover", "vital:52:stock"]
    result = CliRunner().invoke(get_app(), args, env=env)
    assert result.exit_code == 1
    assert "budget" in result.output


def test_plan_command_reports_a_bad_scenario(tmp_path: Path, env: dict[str, str]) -> None:
    scenario = tmp_path / "bad.toml"
    scenario.write_text(
        'name = "bad"\n\n[[event]]\nkind = "site_outage"\nsites = ["nowhere"]\nduration = 30\n',
        encoding="utf-8",
    )
    args = ["plan", "--budget", "10M", "--scenarios", "64", "--scenario", str(scenario)]
    result = CliRunner().invoke(get_app(), args, env=env)
    assert result.exit_code == 2, result.output
    assert "bad.toml" in result.output
    assert "nowhere" in result.output


def test_amount_and_budget_parsing() -> None:
    assert parse_amount("150M") == 150e6
    assert parse_amount("1.5G") == 1.5e9
    assert parse_amount("2.5e6") == 2.5e6
    assert parse_budgets("0:500e6:3") == [0.0, 250e6, 500e6]
    with pytest.raises(typer.BadParameter, match="START:STOP:COUNT"):
        parse_budgets("0:500e6")
    with pytest.raises(typer.BadParameter, match="not an amount"):
        parse_amount("lots")
    with pytest.raises(typer.BadParameter, match="STOP must be"):
        parse_budgets("5:1:3")
