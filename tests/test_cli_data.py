"""The store commands through the real CLI: init, import, export, status, ledger entries."""

from __future__ import annotations

import filecmp
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from beredt.cli import get_app


@pytest.fixture
def cli(sqlite_url: str) -> Callable[..., Result]:
    """Invoke ``beredt`` against a fresh SQLite store."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(get_app(), list(args), env={"BEREDT_DATABASE_URL": sqlite_url})

    return invoke


def test_init_import_status_export_round_trip(cli, small_bundle_path: Path, tmp_path: Path) -> None:
    assert cli("init").exit_code == 0
    imported = cli("import", "bundle", str(small_bundle_path), "--json", "-")
    assert imported.exit_code == 0, imported.output
    status = cli("status", "--json", "-")
    assert status.exit_code == 0, status.output
    payload = json.loads(status.stdout)
    assert payload["counts"]["substances"] == 11
    days = [s["days_of_supply"] for s in payload["substances"]]
    assert days == sorted(days)
    lamotrigine = payload["substances"][0]
    assert lamotrigine["atc_code"] == "N03AX09"
    # 15,000 packs × 20 DDD / 10,000 DDD a day = 30 days, all at the wholesaler
    assert lamotrigine["days_of_supply"] == pytest.approx(30.0)
    assert lamotrigine["days_of_supply_by_tier"]["wholesale"] == pytest.approx(30.0)
    assert payload["open_shortages"] == 2
    out = tmp_path / "out"
    assert cli("export", "bundle", str(out)).exit_code == 0
    for file in small_bundle_path.iterdir():
        assert filecmp.cmp(file, out / file.name, shallow=False), file.name


def test_status_on_an_empty_store_explains_what_to_do(cli) -> None:
    result = cli("status")
    assert result.exit_code == 1
    assert "beredt import bundle" in result.output


def test_second_import_needs_replace(cli, small_bundle_path: Path) -> None:
    assert cli("import", "bundle", str(small_bundle_path)).exit_code == 0
    again = cli("import", "bundle", str(small_bundle_path))
    assert again.exit_code == 3
    assert "--replace" in again.output
    assert cli("import", "bundle", "--replace", str(small_bundle_path)).exit_code == 0


def test_stock_add_moves_days_of_supply(cli, small_bundle_path: Path) -> None:
    cli("import", "bundle", str(small_bundle_path))
    added = cli(
        "stock", "add", "--product", "800001", "--holder", "Apotek 1", "--tier", "pharmacy",
        "--packs", "5000", "--date", "2026-10-20", "--json", "-",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["packs"] == 5000
    status = json.loads(cli("status", "--json", "-").stdout)
    row = next(s for s in status["substances"] if s["atc_code"] == "N03AX09")
    # (15,000 + 5,000) packs × 20 DDD / 10,000 DDD a day
    assert row["days_of_supply"] == pytest.approx(40.0)
    bad = cli(
        "stock", "add", "--product", "nope", "--holder", "X", "--tier", "pharmacy", "--packs", "1"
    )
    assert bad.exit_code == 2
    assert "stock entry: product_id: unknown product 'nope'" in bad.output


def test_shortage_add_records_and_updates(cli, small_bundle_path: Path) -> None:
    cli("import", "bundle", str(small_bundle_path))
    args = ["shortage", "add", "--id", "MAN-1", "--atc", "N03AX09", "--start", "2026-10-25"]
    first = cli(*args, "--status", "announced", "--cause", "quality")
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    second = cli(*args, "--status", "ongoing", "--cause", "quality")
    assert "updated" in second.output
    status = json.loads(cli("status", "--json", "-").stdout)
    assert status["open_shortages"] == 3
    wrong = cli("shortage", "add", "--id", "MAN-2", "--atc", "N03AX09", "--start", "2026-10-25",
                "--status", "ongoing", "--product", "100001")  # fmt: skip
    assert wrong.exit_code == 2
    assert "100001 is a pack of N02BE01, not N03AX09" in wrong.output


def test_audit_lists_writes(cli, small_bundle_path: Path) -> None:
    cli("import", "bundle", str(small_bundle_path))
    events = json.loads(cli("audit", "--json", "-").stdout)
    assert events[0]["action"] == "import bundle"
    assert events[0]["detail"]["counts"]["substances"] == 11
