"""End to end: ``beredt run`` on the small bundle; page, workbook and results.json agree.

The run happens once per test session (shared between xdist workers through a lock file): the
same seed twice, once in English and once in bokmål, so the language cannot leak into
results.json and the two files must be byte-identical. The browser test opens the page in
headless Chromium with every non-``file:`` request aborted and counted.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import itertools
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lxml import html as lxml_html
from openpyxl import load_workbook
from typer.testing import CliRunner

import beredt
from beredt.app.pipeline import STAGES
from beredt.cli import get_app
from beredt.domain.dataset import TIERS, Dataset
from beredt.report.xlsx import table_name
from beredt.views.build import SECTION_ORDER
from beredt.views.i18n import sheet_name

SEED = 7
DRAWS = 60
REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


#: A scenario library written for the small bundle: a Chinese API export ban, an antibiotic demand
#: surge, and a file naming a site the bundle lacks (skipped and listed, not fatal).
SCENARIOS = {
    "china_api_ban.toml": """
name = "China API export ban"
description = "China stops exporting active ingredients for about four months."
[[event]]
kind = "export_restriction"
country = "CN"
stages = ["api"]
start_day = 0
duration = {dist = "geometric", mean_days = 120}
""",
    "antibiotic_surge.toml": """
name = "Antibiotic demand surge"
description = "Demand for J01 antibacterials doubles for three months."
[[event]]
kind = "demand_surge"
atc = ["J01"]
multiplier = 2.0
start_day = 30
duration = 90
""",
    "elsewhere.toml": """
name = "A site in another dataset"
[[event]]
kind = "site_outage"
sites = ["xx-no-such-site"]
duration = 30
""",
}


def _run(bundle: Path, out: Path, lang: str, db: Path, scenario_dir: Path) -> str:
    result = CliRunner().invoke(
        get_app(),
        [
            "run",
            "--bundle",
            str(bundle),
            "--scenarios",
            str(DRAWS),
            "--seed",
            str(SEED),
            "--out",
            str(out),
            "--lang",
            lang,
            "--scenario-dir",
            str(scenario_dir),
        ],
        env={"BEREDT_DATABASE_URL": f"sqlite:///{db}"},
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory, small_bundle_path: Path) -> dict[str, Path]:
    """Output folders of two runs with the same seed: ``en`` and ``nb`` (computed once)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by every worker of this session
    shared = base / "beredt-report-e2e"
    with _locked(base / "beredt-report-e2e.lock"):
        if not (shared / "done").exists():
            shutil.rmtree(shared, ignore_errors=True)
            shared.mkdir(parents=True)
            library = shared / "scenarios"
            library.mkdir()
            for name, text in SCENARIOS.items():
                (library / name).write_text(text, encoding="utf-8")
            for lang in ("en", "nb"):
                output = _run(small_bundle_path, shared / lang, lang, shared / "store.db", library)
                (shared / f"{lang}.log").write_text(output, encoding="utf-8")
            (shared / "done").write_text("ok")
    return {"en": shared / "en", "nb": shared / "nb"}


@pytest.fixture(scope="session")
def results(runs: dict[str, Path]) -> dict[str, Any]:
    """results.json of the English run."""
    data: dict[str, Any] = json.loads((runs["en"] / "results.json").read_text("utf-8"))
    return data


def _tables(results: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for section in results["section_order"]:
        for key, table in results["sections"][section]["tables"].items():
            yield section, key, table


# --- results.json ------------------------------------------------------------------------------
def test_same_seed_gives_byte_identical_results_whatever_the_language(
    runs: dict[str, Path],
) -> None:
    en = (runs["en"] / "results.json").read_bytes()
    nb = (runs["nb"] / "results.json").read_bytes()
    assert en == nb
    assert b'"wall_seconds"' not in en
    assert b'"solve_s"' not in en


def test_results_record_seed_parameters_fingerprint_and_version(
    results: dict[str, Any], small_dataset: Dataset
) -> None:
    assert results["seed"] == SEED
    assert results["software_version"] == beredt.__version__
    assert results["parameters"]["scenarios"] == DRAWS
    assert results["parameters"]["seed"] == SEED
    assert results["dataset"]["fingerprint"] == small_dataset.fingerprint
    assert results["dataset"]["as_of"] == "2026-11-01"
    assert results["section_order"] == list(SECTION_ORDER)


def test_every_section_is_real(results: dict[str, Any]) -> None:
    absent = results["results"]["absent"]
    assert absent == {}, f"capabilities not present: {absent}"
    for key in SECTION_ORDER:
        section = results["sections"][key]
        assert section["available"], key
        assert section["reason"] is None
        assert section["tables"] or section["kpis"], key


def test_run_json_has_every_stage_with_its_time(runs: dict[str, Path]) -> None:
    run = json.loads((runs["nb"] / "run.json").read_text("utf-8"))
    assert [s["stage"] for s in run["stages"]] == list(STAGES)
    assert all(s["seconds"] >= 0 for s in run["stages"])
    assert run["total_seconds"] == pytest.approx(sum(s["seconds"] for s in run["stages"]))
    assert run["lang"] == "nb"
    assert run["started_at"] <= run["finished_at"]


def test_cli_prints_stage_times_and_the_report_path(runs: dict[str, Path]) -> None:
    log = (runs["en"].parent / "en.log").read_text("utf-8")
    assert f"report: {runs['en'] / 'report.html'}" in log
    for label in ("Vulnerability", "Scenario library", "Write the report", "total"):
        assert label in log


def test_cli_shows_the_headline_section_as_the_page_does(
    runs: dict[str, Path], results: dict[str, Any]
) -> None:
    from beredt.views.model import Kpi

    log = " ".join((runs["en"].parent / "en.log").read_text("utf-8").split())
    currency = results["dataset"]["currency"]
    kpis = results["sections"]["headline"]["kpis"]
    assert kpis
    for key, kpi in kpis.items():
        shown = Kpi(key, {}, kpi["value"], kpi["kind"]).shown("en", currency)
        assert " ".join(shown.split()) in log, (key, shown)


# --- the numbers are the capabilities' numbers ---------------------------------------------------
def test_days_of_supply_table_matches_the_dataset(
    results: dict[str, Any], small_dataset: Dataset
) -> None:
    rows = results["sections"]["days_of_supply"]["tables"]["by_substance"]["rows"]
    assert len(rows) == small_dataset.n_substances
    stock = small_dataset.stock_ddd_by_tier()
    demand = small_dataset.demand_ddd_per_day
    total = small_dataset.days_of_supply()
    for row in rows:
        i = small_dataset.substance_idx(row["atc_code"])
        assert row["days_total"] == pytest.approx(total[i], rel=1e-12)
        for tier in TIERS:
            assert row[f"days_{tier}"] == pytest.approx(stock.iloc[i][tier] / demand[i], rel=1e-12)
    days = [r["days_total"] for r in rows]
    assert days == sorted(days)


def test_vulnerability_and_shortages_match_their_capabilities(
    results: dict[str, Any], small_dataset: Dataset
) -> None:
    from beredt.risk import score

    table = score(small_dataset).substances
    rows = results["sections"]["vulnerability"]["tables"]["all"]["rows"]
    assert [r["atc_code"] for r in rows] == table["atc_code"].tolist()
    np.testing.assert_allclose([r["score"] for r in rows], table["score"], rtol=1e-12)
    for row in rows:
        parts = sum(v for k, v in row.items() if k.startswith("f_"))
        assert parts == pytest.approx(row["score"], abs=1e-9)
    notices = results["sections"]["shortages"]["tables"]["notices"]["rows"]
    assert sorted(r["notice_id"] for r in notices) == sorted(
        small_dataset.open_shortages["notice_id"]
    )
    for notice in notices:
        assert notice["covered_ddd"] + notice["uncovered_ddd"] == pytest.approx(
            notice["gap_ddd"], abs=1e-6
        )


def test_plan_sections_agree_with_each_other_and_the_default_budget(
    results: dict[str, Any],
) -> None:
    params = results["parameters"]
    # Default budget: 100 % of today's annual preparedness cost (docs/report.md).
    assert params["budget"] is None
    assert params["budget_source"] == "default"
    assert params["budget_used"] == pytest.approx(params["today_annual_cost"])
    assert params["today_annual_cost"] > 0
    sections = results["sections"]
    summary = {r["plan"]: r for r in sections["recommendations"]["tables"]["summary"]["rows"]}
    by_substance = sections["recommendations"]["tables"]["by_substance"]["rows"]
    assert sum(r["cost_plan"] for r in by_substance) == pytest.approx(
        summary["recommended"]["annual_cost"], rel=1e-9
    )
    assert sum(r["cost_today"] for r in by_substance) == pytest.approx(
        params["today_annual_cost"], rel=1e-9
    )
    assert summary["recommended"]["annual_cost"] <= params["budget_used"] * (1 + 1e-9)
    # The optimum at today's cost is no worse than today's plan (issue 6).
    assert (
        summary["recommended"]["expected_loss_per_year"]
        <= summary["today"]["expected_loss_per_year"]
    )
    points = sections["frontier"]["tables"]["points"]["rows"]
    feasible = [p for p in points if p["feasible"]]
    losses = [p["expected_loss_per_year"] for p in sorted(feasible, key=lambda p: p["budget"])]
    assert all(b <= a + 1e-6 for a, b in itertools.pairwise(losses))
    (chosen,) = [p for p in points if p["is_chosen"]]
    assert chosen["expected_loss_per_year"] == pytest.approx(
        summary["recommended"]["expected_loss_per_year"], rel=1e-9
    )
    kpis = sections["headline"]["kpis"]
    assert kpis["cost_plan"]["value"] == summary["recommended"]["annual_cost"]
    # the headline figures all come from the headline simulation, rounded to their SE
    from beredt.views.fmt import round_to_uncertainty

    headline = sections["headline"]["data"]["headline"]
    loss = headline["today"]["weighted_loss"]
    assert kpis["loss_today"]["value"] == round_to_uncertainty(loss["mean"], loss["se"])
    assert summary["today, headline simulation"]["expected_loss_per_year"] == loss["mean"]
    assert loss["p5"] <= loss["mean"] <= loss["p95"]
    assert kpis["unmet_plan"]["value"] >= 0
    p7 = headline["today"]["p_vital_shortage_over_7_days"]
    assert kpis["p_vital_over_7_days"]["value"] == p7
    offers = sections["offers"]["tables"]["values"]["rows"]
    assert [o["rank"] for o in offers] == list(range(1, len(offers) + 1))


def test_scenario_library_runs_every_fitting_file_and_lists_the_rest(
    results: dict[str, Any],
) -> None:
    tables = results["sections"]["scenarios"]["tables"]
    outcomes = {r["scenario"]: r for r in tables["outcomes"]["rows"]}
    assert sorted(outcomes) == ["antibiotic_surge", "background", "china_api_ban"]
    assert all(r["n_scenarios"] == DRAWS for r in outcomes.values())
    (skipped,) = tables["skipped"]["rows"]
    assert skipped["key"] == "elsewhere"
    assert "xx-no-such-site" in skipped["reason"]
    # A forced four-month API ban from China comes on top of the background hazards.
    ban, background = outcomes["china_api_ban"], outcomes["background"]
    assert ban["weighted_unmet_mean"] > background["weighted_unmet_mean"]
    stress = {r["scenario"]: r for r in tables["plan_vs_today"]["rows"]}
    assert sorted(stress) == sorted(outcomes)
    for row in stress.values():
        assert row["loss_plan"] == pytest.approx(row["loss_today"] - row["loss_avoided_per_year"])
        assert row["loss_avoided_se"] >= 0


# --- the page ------------------------------------------------------------------------------------
def _page(runs: dict[str, Path], lang: str) -> Any:
    return lxml_html.fromstring((runs[lang] / "report.html").read_bytes())


def test_report_html_shows_every_section_table_and_figure_of_the_results(
    runs: dict[str, Path], results: dict[str, Any]
) -> None:
    doc = _page(runs, "en")
    assert doc.get("data-lang") == "en"
    sections = doc.xpath("//section[@data-section]")
    assert [s.get("data-section") for s in sections] == results["section_order"]
    for element in sections:
        key = element.get("data-section")
        data = results["sections"][key]
        assert element.get("data-available") == ("true" if data["available"] else "false")
        for kpi_key, kpi in data["kpis"].items():
            (tile,) = element.xpath(f".//div[@data-kpi='{kpi_key}']")
            assert json.loads(tile.get("data-v")) == kpi["value"]
        for figure in data["figures"]:
            (node,) = element.xpath(f".//figure[@data-figure='{key}.{figure['key']}']")
            assert node.get("data-kind") == figure["kind"]
            if figure["kind"] == "png":
                images = node.xpath(".//img")
                assert sorted(i.get("lang") for i in images) == ["en", "nb"]
                for image in images:
                    payload = image.get("src").split(",", 1)[1]
                    assert base64.b64decode(payload)[:8] == b"\x89PNG\r\n\x1a\n"
            else:
                for lang in ("en", "nb"):
                    (spec,) = node.xpath(
                        f".//script[@type='application/json'][contains(@id, '-{lang}')]"
                    )
                    assert json.loads(spec.text)["data"]
    for section, key, table in _tables(results):
        (node,) = doc.xpath(f"//table[@data-table='{section}.{key}']")
        assert int(node.get("data-rows")) == len(table["rows"])
        if not table["rows"]:
            continue
        columns = [c["key"] for c in table["columns"]]
        assert node.xpath(".//thead//th/@data-col") == columns
        body = node.xpath("./tbody/tr")
        assert len(body) == len(table["rows"])
        for tr, row in zip(body, table["rows"], strict=True):
            cells = [json.loads(v) for v in tr.xpath("./td/@data-v")]
            assert cells == [row[c] for c in columns], (section, key)


def test_report_html_needs_no_network(runs: dict[str, Path]) -> None:
    doc = _page(runs, "nb")
    assert not doc.xpath("//script[@src] | //link[@href] | //iframe")
    for src in doc.xpath("//img/@src"):
        assert src.startswith("data:image/png;base64,")
    if doc.xpath("//div[contains(@class, 'plotly-chart')]"):
        inline = "".join(doc.xpath("//script[not(@type)]/text()"))
        assert "Plotly" in inline
        assert len(inline) > 1_000_000


# --- the workbook ------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "nb"])
def test_workbook_has_a_sheet_per_section_with_the_same_tables(
    runs: dict[str, Path], results: dict[str, Any], lang: str
) -> None:
    from beredt.views.fmt import format_value

    workbook = load_workbook(runs[lang] / "report.xlsx")
    section_sheets = [sheet_name(k, lang) for k in results["section_order"]]
    assert [n for n in workbook.sheetnames if n in section_sheets] == section_sheets
    tables = {name: (ws, ws.tables[name]) for ws in workbook for name in ws.tables}
    for section, key, table in _tables(results):
        name = table_name(section, key)
        if not table["rows"]:
            assert name not in tables
            continue
        ws, xl = tables[name]
        assert ws.title.startswith(sheet_name(section, lang)[:26])
        grid = [[c.value for c in row] for row in ws[xl.ref]]
        header_row = ws[xl.ref.split(":")[0]].row
        assert ws.freeze_panes == f"A{header_row + 1}"  # the header row stays in view
        assert len(grid) == len(table["rows"]) + 1
        assert len(grid[0]) == len(table["columns"])
        for column, header in zip(table["columns"], grid[0], strict=True):
            if column["kind"] == "money":
                assert results["dataset"]["currency"] in header, header  # units in headers
        for values, row in zip(grid[1:], table["rows"], strict=True):
            expected = [
                format_value(row[c["key"]], c["kind"], lang)
                if c["kind"] in ("code", "i18n") and row[c["key"]] is not None
                else row[c["key"]]
                for c in table["columns"]
            ]
            got = [None if v == "" else v for v in values]
            # Excel keeps 15 significant digits (IEEE doubles written with %.15g by openpyxl).
            assert got == [
                pytest.approx(e, rel=1e-14) if isinstance(e, float) else e for e in expected
            ], (section, key)
    for key in results["section_order"]:
        ws = workbook[sheet_name(key, lang)]
        assert ws["A1"].value  # the section title
        kpis = results["sections"][key]["kpis"]
        if not kpis:
            continue
        grid = [[c.value for c in row] for row in ws[ws.tables[table_name(key, "kpis")].ref]]
        got = {k: (None if v == "" else v) for _, v, _, k in grid[1:]}
        assert got == {
            k: pytest.approx(v["value"], rel=1e-14) if isinstance(v["value"], float) else v["value"]
            for k, v in kpis.items()
        }
        labels = [label for label, _, _, _ in grid[1:]]
        assert all(label and label not in kpis for label in labels)  # labels, not keys


# --- the browser ---------------------------------------------------------------------------------
def _need_chromium() -> None:
    if not CHROMIUM.exists():
        message = f"headless Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.browser
def test_report_renders_in_headless_chromium_without_network(
    runs: dict[str, Path], results: dict[str, Any]
) -> None:
    _need_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("playwright is not installed")
    page_path = (runs["en"] / "report.html").resolve()
    blocked: list[str] = []
    requested: list[str] = []
    problems: list[str] = []
    artefacts = Path(os.environ.get("BEREDT_TEST_ARTIFACTS", REPO / "test-artifacts"))
    artefacts.mkdir(parents=True, exist_ok=True)

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.on("request", lambda req: requested.append(req.url))
            page.on(
                "console",
                lambda m: (
                    problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "assert")
                    else None
                ),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.route("**/*", route)
            page.goto(page_path.as_uri(), wait_until="load")
            n_plotly = sum(
                f["kind"] == "plotly" for s in results["sections"].values() for f in s["figures"]
            )
            page.wait_for_function(
                f"document.querySelectorAll('.plotly-chart[data-rendered=\"true\"]').length"
                f" === {n_plotly}",
                timeout=30_000,
            )
            assert page.locator("h1 [lang='en']").inner_text() == "National medicine preparedness"
            for key in results["section_order"]:
                section = page.locator(f"section[data-section='{key}']")
                assert section.is_visible(), key
                for figure in results["sections"][key]["figures"]:
                    node = page.locator(f"figure[data-figure='{key}.{figure['key']}']")
                    if figure["kind"] == "png":
                        ok = node.locator("img[lang='en']").evaluate(
                            "img => img.complete && img.naturalWidth > 0"
                        )
                        assert ok, figure
                    else:
                        svg = node.locator(".plotly-chart svg.main-svg").first
                        assert svg.count() == 1, figure
                        box = svg.bounding_box()
                        assert box is not None
                        assert box["width"] > 200
                        assert box["height"] > 200
                for table_key, table in results["sections"][key]["tables"].items():
                    rows = page.locator(f"table[data-table='{key}.{table_key}'] tbody tr")
                    assert rows.count() == len(table["rows"]), (key, table_key)
            page.screenshot(path=str(artefacts / "report-en.png"), full_page=True)

            # The language switch: titles, numbers and plotly labels change to bokmål.
            dos = page.locator("table[data-table='days_of_supply.by_substance'] tbody td.n").first
            english_number = dos.inner_text()
            page.click("button[data-set-lang='nb']")
            assert page.evaluate("document.documentElement.lang") == "nb"
            assert page.locator("h1 [lang='nb']").inner_text() == "Nasjonal legemiddelberedskap"
            assert not page.locator("h1 [lang='en']").is_visible()
            norwegian_number = dos.inner_text()
            if "," in english_number:
                assert norwegian_number != english_number
            page.wait_for_function(
                "[...document.querySelectorAll('.plotly-chart')]"
                ".every(el => el.dataset.renderedLang === 'nb')",
                timeout=30_000,
            )
            if n_plotly:
                assert "Eksponering" in page.locator(".plotly-chart").first.inner_html()
            page.screenshot(path=str(artefacts / "report-nb.png"), full_page=True)
        finally:
            browser.close()
    assert blocked == [], f"the page made network requests: {blocked}"
    assert [u for u in requested if not u.startswith(("file:", "data:"))] == []
    assert problems == []
