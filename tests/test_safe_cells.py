"""No formula from data in any spreadsheet or CSV we write (issue 19, item 3; OWASP CSV injection).

Supplier and product names come from public files. Each free-text cell of the small bundle is
given a formula-like prefix (a DDE payload among them); every workbook and CSV must then hold no
formula cell at all, the text exactly as written (quoted for CSV, a quote-prefixed string for
xlsx), and its numbers still numbers.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from beredt.cli import get_app
from beredt.domain.dataset import build_dataset
from beredt.domain.schema import ENTITIES
from beredt.ingest.bundle import read_bundle
from beredt.views.safe_cells import csv_cell, harden_workbook, is_formula_like, safe_frame

DDE = "=cmd|' /C calc'!A0"
PAYLOADS = [DDE + " ", "+", "-", "@", "=1+", "\t=", "\r="]


def hostile_bundle(small: Path, target: Path) -> Path:
    """The small bundle with every free-text cell (names, holders, sources, titles) prefixed."""
    folder = target / "hostile"
    shutil.copytree(small, folder)
    n = 0
    for spec in ENTITIES:
        path = folder / spec.file
        if not path.exists():
            continue
        text = [
            c.name
            for c in spec.columns
            if c.py_type is str and c.kind is None and not c.ref and c.name not in spec.key
        ]
        rows = list(csv.reader(path.open(encoding="utf-8")))
        for row in rows[1:]:
            for name in text:
                j = rows[0].index(name) if name in rows[0] else None
                if j is not None and row[j] and name != "ddd_unit":
                    row[j] = PAYLOADS[n % len(PAYLOADS)] + row[j]
                    n += 1
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)  # \r\n line ends: cells holding \r are quoted
    assert n > 50
    return folder


def _formula_cells(path: Path) -> tuple[int, int, int]:
    """(formula cells, formula-like text cells, of those with the quote prefix)."""
    book = load_workbook(path)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    formulas = sum(1 for c in cells if c.data_type == "f")
    texts = [c for c in cells if c.data_type == "s" and is_formula_like(c.value)]
    return formulas, len(texts), sum(1 for c in texts if c.quotePrefix)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", DDE])
def test_formula_like_text_is_quoted_for_csv(text: str) -> None:
    assert is_formula_like(text)
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["paracetamol", "", "a=b", " =1", 5, -5, -2.5, None])
def test_other_values_are_unchanged(value: object) -> None:
    assert not is_formula_like(value)
    assert csv_cell(value) == value


def test_safe_frame_quotes_text_and_keeps_numbers() -> None:
    frame = pd.DataFrame({"name": [DDE, "ok", "-3"], "score": [-1.5, 2.0, -3.0], "n": [-1, 0, 1]})
    safe = safe_frame(frame)
    assert list(safe["name"]) == ["'" + DDE, "ok", "'-3"]
    assert list(safe["score"]) == [-1.5, 2.0, -3.0]
    assert list(safe["n"]) == [-1, 0, 1]
    assert list(frame["name"]) == [DDE, "ok", "-3"]  # a copy: the caller's frame is untouched


def test_harden_workbook_turns_formulas_into_quoted_text(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([DDE, "+1", -5, 2.5, "plain"])
    assert sheet["A1"].data_type == "f"  # what openpyxl makes of it
    assert harden_workbook(book) == 2
    book.save(tmp_path / "b.xlsx")
    row = next(load_workbook(tmp_path / "b.xlsx").active.iter_rows())  # type: ignore[union-attr]
    assert [(c.value, c.data_type, c.quotePrefix) for c in row] == [
        (DDE, "s", True),
        ("+1", "s", True),
        (-5, "n", False),
        (2.5, "n", False),
        ("plain", "s", False),
    ]


def test_report_workbook_holds_no_formula(tmp_path: Path, small_bundle_path: Path) -> None:
    from beredt import industry, respond, risk
    from beredt.app.analyses import Analyses, RunParameters
    from beredt.report.xlsx import write_workbook
    from beredt.views.build import build_report

    dataset = build_dataset(read_bundle(hostile_bundle(small_bundle_path, tmp_path)))
    analyses = Analyses(dataset, RunParameters(), absent={"plan": "-", "scenarios": "-"})
    analyses.risk = risk.score(dataset)
    analyses.responses = [
        respond.plan_response(dataset, str(n)) for n in dataset.open_shortages["notice_id"]
    ]
    analyses.industry = industry.industry_indicators(dataset)
    write_workbook(build_report(analyses), tmp_path / "report.xlsx", "en")
    formulas, texts, quoted = _formula_cells(tmp_path / "report.xlsx")
    assert formulas == 0
    assert texts > 20
    assert quoted == texts
    book = load_workbook(tmp_path / "report.xlsx")
    values = [c.value for s in book.worksheets for row in s.iter_rows() for c in row]
    assert any(isinstance(v, str) and v.startswith(DDE) for v in values)
    assert any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


@pytest.fixture
def hostile_store(tmp_path: Path, small_bundle_path: Path) -> dict[str, str]:
    env = {"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}"}
    folder = hostile_bundle(small_bundle_path, tmp_path)
    result = CliRunner().invoke(get_app(), ["import", "bundle", str(folder)], env=env)
    assert result.exit_code == 0, result.output
    return env


def test_risk_csv_quotes_formula_like_text(tmp_path: Path, hostile_store: dict[str, str]) -> None:
    out = tmp_path / "risk.csv"
    result = CliRunner().invoke(get_app(), ["risk", "--csv", str(out)], env=hostile_store)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.open(encoding="utf-8")))
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if is_formula_like(c)]
    assert any(c.startswith("'" + DDE) for c in cells)
    frame = pd.read_csv(out)
    assert pd.api.types.is_float_dtype(frame["score"])


def test_industry_workbook_holds_no_formula(tmp_path: Path, hostile_store: dict[str, str]) -> None:
    out = tmp_path / "industry.xlsx"
    result = CliRunner().invoke(get_app(), ["industry", "--xlsx", str(out)], env=hostile_store)
    assert result.exit_code == 0, result.output
    formulas, texts, quoted = _formula_cells(out)
    assert (formulas, quoted) == (0, texts)
    assert texts > 0


@pytest.mark.slow
def test_plan_workbook_holds_no_formula(tmp_path: Path, hostile_store: dict[str, str]) -> None:
    out = tmp_path / "plan.xlsx"
    args = ["plan", "--budget", "20M", "--scenarios", "64", "--no-reevaluate", "--xlsx", str(out)]
    result = CliRunner().invoke(get_app(), args, env=hostile_store)
    assert result.exit_code == 0, result.output
    formulas, texts, quoted = _formula_cells(out)
    assert (formulas, quoted) == (0, texts)
    assert texts > 0
