"""``beredt simulate`` end to end on the small bundle in a throwaway SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beredt.cli import get_app


@pytest.fixture
def env(tmp_path: Path, small_bundle_path: Path) -> dict[str, str]:
    environment = {"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "COLUMNS": "160"}
    done = CliRunner().invoke(
        get_app(), ["import", "bundle", str(small_bundle_path)], env=environment
    )
    assert done.exit_code == 0, done.output
    return environment


def test_simulate_library_scenario_json_and_figures(env: dict[str, str], tmp_path: Path) -> None:
    png, html = tmp_path / "fig.png", tmp_path / "fig.html"
    done = CliRunner().invoke(
        get_app(),
        [
            "simulate",
            "export-ban-analgesics-api",
            "--scenarios",
            "256",
            "--seed",
            "3",
            "--json",
            "-",
            "--plot",
            str(png),
            "--plot",
            str(html),
        ],
        env=env,
    )
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["n_scenarios"] == 256
    assert data["provenance"]["seed"] == 3
    option = data["options"][0]
    assert option["label"] == "today"
    worst = option["substances"][0]
    assert worst["atc_code"] in {"N02BE01", "M01AE01", "J01CA04"}
    assert 0 <= option["national"]["prob_any_vital_shortage"] <= 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = html.read_text(encoding="utf-8")
    assert "Plotly.newPlot" in text
    assert "<script src=" not in text  # plotly.js inlined, no CDN
    # same seed, same numbers
    again = CliRunner().invoke(
        get_app(),
        ["simulate", "export-ban-analgesics-api", "-n", "256", "--seed", "3", "--json", "-"],
        env=env,
    )
    assert json.loads(again.stdout)["options"][0]["national"] == option["national"]


def test_simulate_table_and_list(env: dict[str, str]) -> None:
    listed = CliRunner().invoke(get_app(), ["simulate", "--list"], env=env)
    assert listed.exit_code == 0
    assert "pandemic-icu-surge" in listed.output
    done = CliRunner().invoke(get_app(), ["simulate", "background", "-n", "128"], env=env)
    assert done.exit_code == 0, done.output
    assert "weighted unmet DDD" in done.output
    assert "P(a vital shortage)" in done.output


def test_simulate_rejects_bad_input(env: dict[str, str], tmp_path: Path) -> None:
    unknown = CliRunner().invoke(get_app(), ["simulate", "no-such-scenario"], env=env)
    assert unknown.exit_code == 2
    assert "library" in unknown.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[[event]]\nkind = "site_outage"\nsites = ["atlantis-1"]\nduration = 5\n')
    rejected = CliRunner().invoke(get_app(), ["simulate", str(bad)], env=env)
    assert rejected.exit_code == 2
    assert "bad.toml:1: sites: unknown site 'atlantis-1'" in rejected.output
    plot = CliRunner().invoke(get_app(), ["simulate", "background", "--plot", "x.pdf"], env=env)
    assert plot.exit_code == 2
