"""``beredt risk`` end to end on the small bundle in a throwaway SQLite store."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from beredt.cli import get_app


@pytest.fixture
def cli(sqlite_url: str, small_bundle_path: Path) -> Callable[..., Result]:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(get_app(), list(args), env={"BEREDT_DATABASE_URL": sqlite_url})

    loaded = invoke("import", "bundle", str(small_bundle_path))
    assert loaded.exit_code == 0, loaded.output
    return invoke


def test_table_json_csv_and_heatmaps(cli: Callable[..., Result], tmp_path: Path) -> None:
    png, html, table = tmp_path / "h.png", tmp_path / "out" / "h.html", tmp_path / "r.csv"
    shown = cli("risk", "--top", "3", "--heatmap", str(png))
    assert shown.exit_code == 0, shown.output
    assert "morphine" in shown.stdout
    assert "vital medicine" in shown.stdout
    assert "paracetamol" not in shown.stdout  # ranked last of 11
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # on the bundle's as-of date (a later stock movement would move the default as-of date)
    result = cli(
        "risk", "--atc", "J01", "--json", "-", "--csv", str(table), "--heatmap", str(html),
        "--as-of", "2026-11-01",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    codes = [s["atc_code"] for s in data["substances"]]
    assert codes == ["J01CA04", "J01CA08", "J01CE02"]
    amox = data["substances"][0]
    assert amox["score"] == pytest.approx(65.817848, abs=1e-6)
    assert amox["drivers"][1] == "100 % of demand depends on API from China"
    assert data["provenance"]["as_of"] == "2026-11-01"
    with table.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["atc_code"] for r in rows] == codes
    assert float(rows[0]["stock_cover_raw"]) == pytest.approx(80.0)
    text = html.read_text(encoding="utf-8")
    assert "<script src=" not in text  # plotly.js inlined, no CDN
    assert "J01 (3)" in text


def test_top_limits_exports_and_as_of_moves_the_state(cli: Callable[..., Result]) -> None:
    top = json.loads(cli("risk", "--top", "2", "--json", "-").stdout)
    assert len(top["substances"]) == 2
    everything = json.loads(cli("risk", "--json", "-").stdout)
    assert len(everything["substances"]) == 11
    later = json.loads(cli("risk", "--as-of", "2028-06-01", "--json", "-").stdout)
    by_code = {s["atc_code"]: s for s in later["substances"]}
    # Agreements end 2027-12-31: paracetamol keeps only half-credited qualified capacity.
    assert by_code["N02BE01"]["factors"]["domestic_coverage"]["raw"] == pytest.approx(
        0.5 * 200_000 / 120_000
    )
    assert later["provenance"]["as_of"] == "2028-06-01"


def test_explain_and_weights_file(cli: Callable[..., Result], tmp_path: Path) -> None:
    explained = cli("risk", "--explain", "j01ca04")
    assert explained.exit_code == 0, explained.output
    assert "Stock cover" in explained.stdout
    assert "80 d" in explained.stdout
    weights = tmp_path / "w.toml"
    weights.write_text("[factors.criticality]\nweight = 0\n", encoding="utf-8")
    data = json.loads(cli("risk", "--weights", str(weights), "--json", "-").stdout)
    assert data["weights"]["factors"]["criticality"]["points"] == 0
    assert data["weights"]["origin"] == str(weights)


def test_errors_are_clear(cli: Callable[..., Result], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[factors.stock_cover]\nanchors = [[0, 0.0], [90, 1.0]]\n", encoding="utf-8")
    result = cli("risk", "--weights", str(bad))
    assert result.exit_code == 2
    assert "factors.stock_cover.anchors" in result.output
    assert "bad.toml:2" in result.output
    assert cli("risk", "--atc", "Q99").exit_code == 1
    assert cli("risk", "--heatmap", str(tmp_path / "h.svg")).exit_code == 1
    assert cli("risk", "--explain", "N05BA01").exit_code == 1
    empty = cli("risk", "--atc", "S01")
    assert empty.exit_code == 0
    assert "no substance under S01" in empty.output


def test_empty_store_gives_a_hint(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        get_app(), ["risk"], env={"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path}/e.db"}
    )
    assert result.exit_code != 0
    assert "beredt import bundle" in result.output
