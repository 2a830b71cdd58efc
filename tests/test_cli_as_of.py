"""The commands' default as-of date: the bundle's, or the newest ledger entry's when later."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from beredt.app.context import default_as_of
from beredt.cli import get_app
from beredt.ingest.bundle import read_bundle

SAMPLE_BUNDLE = Path(__file__).resolve().parents[1] / "data" / "sample-no"


@pytest.fixture
def cli(sqlite_url: str, small_bundle_path: Path) -> Callable[..., Result]:
    """``beredt`` on a fresh SQLite store holding the small bundle."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(get_app(), list(args), env={"BEREDT_DATABASE_URL": sqlite_url})

    assert invoke("import", "bundle", str(small_bundle_path)).exit_code == 0
    return invoke


def _json(result: Result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_bundle_without_later_entries_keeps_its_own_as_of_date() -> None:
    # the sample's ledgers end on its as-of date: `beredt run` and the commands agree on it
    bundle = read_bundle(SAMPLE_BUNDLE)
    assert default_as_of(bundle) == bundle.meta.as_of == dt.date(2026, 11, 1)


def test_the_small_bundle_moves_to_its_later_stock_movement(small_bundle_path: Path) -> None:
    # tests/data/small/stock.csv holds a movement on 2026-11-15, after as_of = 2026-11-01
    assert default_as_of(read_bundle(small_bundle_path)) == dt.date(2026, 11, 15)


def test_a_notice_added_by_hand_shows_without_as_of_in_every_command(cli) -> None:
    added = cli(
        "shortage", "add", "--id", "MAN-2026-0042", "--atc", "J01CA04", "--status", "announced",
        "--start", "2026-12-01",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    status = _json(cli("status", "--json", "-"))
    assert status["as_of"] == "2026-12-01"
    listed = {r["notice_id"]: r for r in _json(cli("shortages", "--json", "-"))}
    assert listed["MAN-2026-0042"]["is_open"] is True
    open_ids = [r["notice_id"] for r in _json(cli("shortages", "--status", "open", "--json", "-"))]
    assert "MAN-2026-0042" in open_ids
    assert status["open_shortages"] == len(open_ids)
    # every command takes the same day
    assert _json(cli("risk", "--json", "-"))["provenance"]["as_of"] == "2026-12-01"
    assert _json(cli("calibrate", "--json", "-"))["as_of"] == "2026-12-01"
    assert _json(cli("industry", "--json", "-"))["provenance"]["as_of"] == "2026-12-01"
    plan = _json(cli("respond", "--notice", "MAN-2026-0042", "--samples", "50", "--json", "-"))
    assert plan["notice"]["notice_id"] == "MAN-2026-0042"
    # the human view says why its date is not the bundle's
    shown = " ".join(cli("status").stdout.split())  # as read, whatever the line breaks
    assert (
        "as of the newest ledger entry, 2026-12-01; the bundle's as-of date is 2026-11-01" in shown
    )
    # an explicit --as-of still wins, and the notice was not yet known then
    before = [
        r["notice_id"] for r in _json(cli("shortages", "--as-of", "2026-11-01", "--json", "-"))
    ]
    assert "MAN-2026-0042" not in before
    refused = cli("respond", "--notice", "MAN-2026-0042", "--as-of", "2026-11-01")
    assert refused.exit_code == 1
    assert "is not known on 2026-11-01" in refused.output
    assert "give --as-of 2026-12-01 or later" in refused.output


def test_a_stock_movement_recorded_later_counts_by_default(cli) -> None:
    before = _json(cli("status", "--json", "-"))
    row = next(s for s in before["substances"] if s["atc_code"] == "N03AX09")
    added = cli(
        "stock", "add", "--product", "800001", "--holder", "Apotek 1", "--tier", "pharmacy",
        "--packs", "5000", "--date", "2026-11-20",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    after = _json(cli("status", "--json", "-"))
    assert after["as_of"] == "2026-11-20"
    moved = next(s for s in after["substances"] if s["atc_code"] == "N03AX09")
    # 5,000 packs × 20 DDD / 10,000 DDD a day = 10 more days
    assert moved["days_of_supply"] == pytest.approx(row["days_of_supply"] + 10.0)
