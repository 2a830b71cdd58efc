"""``beredt respond`` and ``beredt shortages`` end to end on a SQLite store holding the small bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beredt.cli import get_app
from beredt.cli.respond import parse_floor


@pytest.fixture(scope="module")
def env(tmp_path_factory, small_bundle_path: Path) -> dict[str, str]:
    db = tmp_path_factory.mktemp("respond") / "t.db"
    env = {"BEREDT_DATABASE_URL": f"sqlite:///{db}"}
    result = CliRunner().invoke(get_app(), ["import", "bundle", str(small_bundle_path)], env=env)
    assert result.exit_code == 0, result.output
    return env


def _run(env: dict[str, str], *args: str):
    return CliRunner().invoke(get_app(), list(args), env=env)


#: The bundle's as-of date: its stock ledger holds a movement dated later, which would move the
#: commands' default as-of date there (tests/test_cli_as_of.py).
AS_OF = ("--as-of", "2026-11-01")


def test_respond_notice_json_to_stdout(env) -> None:
    result = _run(
        env,
        "respond",
        "--notice",
        "DMP-2026-0001",
        "--preparedness-floor",
        "50%",
        "--samples",
        "300",
        "--json",
        "-",
        *AS_OF,
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["notice"]["notice_id"] == "DMP-2026-0001"
    assert doc["params"]["preparedness_floor_share"] == 0.5
    assert doc["uncovered_ddd"] == 0
    used = {a["action_id"]: a for a in doc["actions"] if a["status"] == "used"}
    assert set(used) == {"redistribution:400001", "preparedness:400001", "exemption_import"}
    assert used["preparedness:400001"]["quantity_ddd"] == 90_000
    for row in doc["daily"]:
        total = sum(row[a["action_id"]] for a in doc["actions"]) + row["uncovered_ddd"]
        assert total == pytest.approx(row["gap_ddd"], rel=1e-12)


@pytest.mark.slow
def test_respond_adhoc_writes_files_and_saves(env, tmp_path: Path) -> None:
    md, html, png = tmp_path / "p.md", tmp_path / "p.html", tmp_path / "p.png"
    result = _run(
        env,
        "respond",
        "--atc",
        "N02BE01",
        "--from",
        "2026-11-01",
        "--duration-days",
        "100",
        "--lang",
        "nb",
        "--samples",
        "300",
        "--md",
        str(md),
        "--html",
        str(html),
        "--png",
        str(png),
        "--save",
        "--who",
        "tester",
    )
    assert result.exit_code == 0, result.output
    assert "Aktiver avtale AG-1" in result.output
    assert "saved as response_plan adhoc-N02BE01-2026-11-01" in result.output
    assert md.read_text(encoding="utf-8").startswith("# Responsplan: paracetamol (N02BE01)")
    assert '<html lang="nb">' in html.read_text(encoding="utf-8")
    assert png.read_bytes().startswith(b"\x89PNG")
    plans = _run(env, "shortages", "--plans", "--json", "-")
    assert plans.exit_code == 0, plans.output
    saved = {d["key"]: d for d in json.loads(plans.stdout)}
    assert saved["adhoc-N02BE01-2026-11-01"]["saved_by"] == "tester"


def test_shortages_lists_days_of_supply_and_saved_plans(env) -> None:
    assert (
        _run(env, "respond", "--notice", "DMP-2026-0002", "--samples", "100", "--save").exit_code
        == 0
    )
    result = _run(env, "shortages", "--json", "-", *AS_OF)
    assert result.exit_code == 0, result.output
    rows = {r["notice_id"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {"DMP-2024-0003", "DMP-2025-0014", "DMP-2026-0001", "DMP-2026-0002"}
    # Morphine: starts 9 days after the as-of date, 140,000 DDD of stock at 2,000 a day = 70 days.
    assert rows["DMP-2026-0002"]["days_of_supply_left"] == 79
    assert rows["DMP-2026-0002"]["plan_saved"] is True
    assert rows["DMP-2024-0003"]["days_of_supply_left"] is None  # resolved
    open_ = _run(env, "shortages", "--status", "open", "--atc", "N02", "--json", "-")
    assert [r["notice_id"] for r in json.loads(open_.stdout)] == ["DMP-2026-0002"]
    since = _run(env, "shortages", "--since", "2025-01-01", "--json", "-")
    assert {r["notice_id"] for r in json.loads(since.stdout)} == {
        "DMP-2025-0014",
        "DMP-2026-0001",
        "DMP-2026-0002",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["respond"], "exactly one of --notice"),
        (["respond", "--product", "100001"], "need --from"),
        (["respond", "--notice", "NOPE"], "no shortage notice 'NOPE'"),
        (["respond", "--notice", "DMP-2026-0001", "--from", "2026-11-01"], "--from applies"),
        (
            ["respond", "--atc", "N02BE01", "--from", "2026-11-01", "--until", "2026-10-01"],
            "before the start",
        ),
        (["respond", "--notice", "DMP-2026-0001", "--preparedness-floor", "lots"], "a share"),
        (["respond", "--notice", "DMP-2026-0001", "--lang", "de"], "--lang must be"),
        (["shortages", "--status", "maybe"], "--status must be"),
    ],
)
def test_bad_input_fails_with_a_clear_message(env, args: list[str], message: str) -> None:
    result = _run(env, *args)
    assert result.exit_code == 1
    assert message in result.output


def test_parse_floor() -> None:
    assert parse_floor("0.3") == {"preparedness_floor_share": 0.3}
    assert parse_floor("30%") == {"preparedness_floor_share": 0.3}
    assert parse_floor("14d") == {"preparedness_floor_share": 0.0, "preparedness_floor_days": 14.0}
