"""Report building blocks: texts, number formats, seeds, timing split, errors."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beredt.app.pipeline import (
    STAGES,
    MissingBundle,
    check_bundle_folder,
    default_bundle_path,
    derive_seed,
)
from beredt.cli import get_app
from beredt.domain.dataset import Dataset
from beredt.report.document import split_timings
from beredt.views.build import SECTION_ORDER
from beredt.views.fmt import NBSP, Num, format_money, format_value
from beredt.views.i18n import COLUMNS, MESSAGES, SECTIONS, SHEETS, sheet_name, t
from beredt.views.model import Column, Figure, Table, clean_cell


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_section_has_titles_and_sheet_names_in_both_languages() -> None:
    assert tuple(SECTIONS) == SECTION_ORDER
    assert set(SHEETS) == set(SECTIONS)
    for key in SECTION_ORDER:
        for lang in ("nb", "en"):
            name = sheet_name(key, lang)
            assert 0 < len(name) <= 31, (key, lang)
            assert not re.search(r"[\[\]:*?/\\]", name), name
        assert len({sheet_name(k, "nb") for k in SECTION_ORDER}) == len(SECTION_ORDER)
        assert len({sheet_name(k, "en") for k in SECTION_ORDER}) == len(SECTION_ORDER)


def test_messages_have_the_same_placeholders_in_both_languages() -> None:
    for key, (nb, en) in MESSAGES.items():
        assert nb.strip(), key
        assert en.strip(), key
        assert _fields(nb) == _fields(en), key
    for key, (nb, en) in {**COLUMNS, **SECTIONS}.items():
        assert nb.strip(), key
        assert en.strip(), key
    assert set(STAGES) >= {"store", "risk", "scenarios", "plan", "respond", "report"}


def test_numbers_are_written_the_way_each_language_writes_them() -> None:
    assert format_value(1234567.8, "float1", "en") == "1,234,567.8"
    assert format_value(1234567.8, "float1", "nb") == f"1{NBSP}234{NBSP}567,8"
    assert format_value(-1234.0, "int", "nb") == f"\u22121{NBSP}234"
    assert format_value(0.123, "pct", "en") == "12%"
    assert format_value(0.0456, "pct", "nb") == f"4,6{NBSP}%"
    assert format_value(None, "money", "en") == "–"
    assert format_value(float("inf"), "days", "en") == "∞"
    assert format_value(-6e-12, "ddd", "nb") == "0"
    assert format_value(2025, "year", "nb") == "2025"
    assert format_value(True, "bool", "nb") == "ja"
    # CLDR's compact forms (Babel): the same words a Norwegian or British reader expects
    assert format_money(12_345_678, "en", "NOK") == "NOK12.3m"
    assert format_money(12_345_678, "nb", "NOK") == f"12,3{NBSP}mill.{NBSP}kr"
    assert format_money(2.5e9, "en", "NOK") == "NOK2.5bn"
    assert format_money(-950, "nb", "NOK") == f"\u2212950{NBSP}kr"
    text = t("kpi_low_cover", days=Num(30, "days"))
    assert text == {
        "nb": "Vitale virkestoff under 30 dagers dekning",
        "en": "Vital substances under 30 days of supply",
    }


def test_cells_are_cleaned_to_plain_json_values() -> None:
    import numpy as np

    assert clean_cell(np.float64(2.5), "float") == 2.5
    assert clean_cell(float("nan"), "ddd") is None
    assert clean_cell(float("inf"), "days") is None
    assert clean_cell(np.int64(7), "int") == 7
    assert clean_cell(3.6, "int") == 4
    assert clean_cell("", "text") is None
    table = Table("x", t("empty_table"), [Column("a"), Column("b", "int")], [{"a": 1, "b": None}])
    assert table.rows == [{"a": "1", "b": None}]
    with pytest.raises(ValueError, match="duplicate"):
        Table("x", t("empty_table"), [Column("a"), Column("a")], [])
    with pytest.raises(ValueError, match="unknown kind"):
        Column("a", "percent")
    with pytest.raises(ValueError, match="exactly one"):
        Figure("f", t("empty_table"))


def test_derived_seeds_are_stable_distinct_and_in_range() -> None:
    a = derive_seed(1, "scenario", "background")
    assert a == derive_seed(1, "scenario", "background")
    assert a != derive_seed(2, "scenario", "background")
    assert a != derive_seed(1, "scenario", "pandemic")
    seeds = [derive_seed(s, "plan") for s in range(200)]
    assert all(0 <= s < 2**31 for s in seeds)
    assert len(set(seeds)) == 200


def test_split_timings_moves_clock_values_out_and_keeps_the_rest() -> None:
    doc = {
        "plan": {"solve": {"status": "optimal", "solve_s": 0.12, "build_s": 0.01}, "gap": 0.0},
        "scenarios": [{"wall_seconds": 3.2, "n": 10}],
        "seed": 1,
    }
    kept, removed = split_timings(doc)
    assert kept == {
        "plan": {"solve": {"status": "optimal"}, "gap": 0.0},
        "scenarios": [{"n": 10}],
        "seed": 1,
    }
    assert removed == {
        "plan.solve.solve_s": 0.12,
        "plan.solve.build_s": 0.01,
        "scenarios[0].wall_seconds": 3.2,
    }


def test_the_default_bundle_is_the_packaged_sample() -> None:
    path = default_bundle_path()
    assert path.parts[-3:] == ("beredt", "data", "sample-no")
    assert (path / "bundle.toml").is_file()


def test_a_missing_bundle_folder_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(MissingBundle, match="nowhere"):
        check_bundle_folder(missing)
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingBundle, match=r"empty has no bundle\.toml"):
        check_bundle_folder(tmp_path / "empty")
    result = CliRunner().invoke(
        get_app(),
        ["run", "--bundle", str(missing), "--out", str(tmp_path / "out")],
        env={"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"},
    )
    assert result.exit_code == 1
    assert str(missing) in result.output
    assert not (tmp_path / "out").exists()


def test_run_rejects_an_unknown_language(tmp_path: Path, small_bundle_path: Path) -> None:
    result = CliRunner().invoke(
        get_app(),
        ["run", "--bundle", str(small_bundle_path), "--lang", "de", "--out", str(tmp_path)],
        env={"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"},
    )
    assert result.exit_code == 1
    assert "--lang" in result.output


def test_a_dataset_without_notices_trade_or_offers_still_gives_a_whole_report(
    tmp_path: Path, small_dataset: Dataset
) -> None:
    import json

    from openpyxl import load_workbook

    from beredt import industry, respond, risk
    from beredt.app.analyses import Analyses, RunParameters
    from beredt.report.document import results_document
    from beredt.report.html import render_report
    from beredt.report.xlsx import write_workbook
    from beredt.views.build import build_report, raw_results

    bare = small_dataset.replace(shortages=[], trade=[], offers=[], industry=[])
    analyses = Analyses(bare, RunParameters(), absent={"plan": "left out", "scenarios": "left out"})
    analyses.risk = risk.score(bare)
    analyses.responses = [
        respond.plan_response(bare, str(n)) for n in bare.open_shortages["notice_id"]
    ]
    analyses.industry = industry.industry_indicators(bare)
    report = build_report(analyses)
    shortages = report.section("shortages")
    assert shortages.available
    assert shortages.paragraphs == [t("short_none")]
    assert shortages.table("notices").rows == []
    assert shortages.figures == []
    assert report.section("industry").table("trade_by_group").rows == []
    page = render_report(report, "nb")
    assert 'data-table="shortages.notices" data-rows="0"' in page
    write_workbook(report, tmp_path / "r.xlsx", "nb")
    names = load_workbook(tmp_path / "r.xlsx").sheetnames
    sections = [n for n in names if n in {sheet_name(s.key, "nb") for s in report.sections}]
    assert sections[-1] == sheet_name("methods", "nb")
    document, _ = results_document(report, raw_results(analyses))
    assert json.loads(json.dumps(document))["sections"]["shortages"]["tables"]["notices"] == {
        "columns": document["sections"]["shortages"]["tables"]["notices"]["columns"],
        "rows": [],
    }


@pytest.mark.slow
def test_a_library_baseline_file_replaces_the_built_in_background(
    tmp_path: Path, small_dataset: Dataset
) -> None:
    from beredt.app.analyses import Analyses, RunParameters
    from beredt.app.stages import run_scenarios

    (tmp_path / "z-baseline.toml").write_text('name = "Our baseline"\n', encoding="utf-8")
    (tmp_path / "a-surge.toml").write_text(
        'name = "Surge"\n[[event]]\nkind = "demand_surge"\natc = ["N02"]\nmultiplier = 2.0\n'
        "duration = 30\n",
        encoding="utf-8",
    )

    class Clock:
        note = ""

        def progress(self) -> object:
            return lambda done, total: None

    analyses = Analyses(small_dataset, RunParameters(scenarios=20))
    run_scenarios(analyses, tmp_path, Clock())
    assert analyses.scenarios is not None
    assert [o.key for o in analyses.scenarios] == ["z-baseline", "a-surge"]
    assert analyses.scenarios[0].path == "z-baseline.toml"
    # Without a baseline file the background is added in front.
    (tmp_path / "z-baseline.toml").unlink()
    analyses = Analyses(small_dataset, RunParameters(scenarios=20))
    run_scenarios(analyses, tmp_path, Clock())
    assert analyses.scenarios is not None
    assert [o.key for o in analyses.scenarios] == ["background", "a-surge"]


def test_day_axes_tick_whole_days_at_most_twelve_times() -> None:
    from beredt.views.sections.shortages import day_step

    for days in (1, 4, 12, 13, 60, 90, 180, 365, 720, 2000):
        step = day_step(days)
        assert isinstance(step, int)
        assert step >= 1
        assert days / step <= 12 or step == 90
    assert day_step(4) == 1
    assert day_step(180) == 30
