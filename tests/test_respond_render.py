"""Summaries (bokmål, English), Markdown, HTML and the timeline chart of a response plan."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from beredt.domain.dataset import Dataset
from beredt.respond import ResponseNotice, ResponseParams, plan_response
from beredt.views.respond import coverage_by_kind, timeline_png, to_html, to_markdown, weekly_table
from beredt.views.respond_text import date, money, number, percent, summary

D = dt.date
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def plan(small_dataset: Dataset):
    notice = ResponseNotice(
        atc_code="N02BE01", start_date=D(2026, 11, 1), expected_end_date=D(2027, 2, 8)
    )
    params = ResponseParams(
        preparedness_floor_share=0.5, seasonal_demand=False, duration_samples=500
    )
    return plan_response(small_dataset, notice, params)


@pytest.fixture(scope="module")
def short_plan(small_dataset: Dataset):
    notice = ResponseNotice.from_dataset(small_dataset, "DMP-2026-0002").with_end(D(2027, 3, 9))
    params = ResponseParams(exemption_import_share=0.0, seasonal_demand=False, duration_samples=500)
    return plan_response(small_dataset, notice, params)


def test_number_and_date_conventions() -> None:
    assert number(3_240_000, "en") == "3,240,000"
    assert number(3_240_000, "nb") == f"3{NBSP}240{NBSP}000"
    assert number(-0.5, "nb", 1) == "−0,5"
    assert percent(0.4167, "en") == "42%"
    assert percent(0.4167, "nb") == f"42{NBSP}%"
    assert date(D(2026, 12, 1), "en") == "1 Dec 2026"
    assert date(D(2026, 12, 1), "nb") == "1. des. 2026"
    assert money(115_500, "NOK", "nb") == f"115{NBSP}500{NBSP}kr"
    assert money(115_500, "NOK", "en") == f"NOK{NBSP}115,500"
    with pytest.raises(ValueError, match="language"):
        number(1, "de")


def test_summary_english_names_the_numbers(plan) -> None:
    text = summary(plan, "en")
    assert "paracetamol (N02BE01, essential): all packs are unavailable from 1 Nov 2026" in text
    assert "12,000,000 DDD" in text
    assert "Activate agreement AG-1: Oslo tablet line 1 (nordpharma): 3,240,000 DDD" in text
    assert "1 Dec 2026 – 30 Jan 2027" in text
    assert "order/activate 1 Nov 2026, first delivery 1 Dec 2026" in text
    assert "1,800,000 DDD stay (floor 1,800,000)" in text
    assert "covered in full" in text


def test_summary_bokmal(plan, short_plan) -> None:
    text = summary(plan, "nb")
    assert "alle pakninger er utilgjengelige fra 1. nov. 2026" in text
    assert f"Aktiver avtale AG-1: Oslo tablet line 1 (nordpharma): 3{NBSP}240{NBSP}000 DDD" in text
    assert "Resultat: gapet dekkes helt" in text
    text = summary(short_plan, "nb")
    assert f"100{NBSP}000 DDD (≈ pasientdøgn uten behandling) dekkes ikke, 50 dager" in text
    assert "begrens utlevering til 2 ukers forbruk per pasient" in text
    assert f"utleveringen må ned 42{NBSP}% om rasjoneringen starter nå" in text
    assert "Import på godkjenningsfritak" not in text.split("Tiltak")[1].split("Resultat")[0]


def test_coverage_and_weekly_tables_conserve_the_gap(plan, short_plan) -> None:
    for p in (plan, short_plan):
        cov = coverage_by_kind(p)
        np.testing.assert_array_equal(
            cov.drop(columns=["date"]).sum(axis=1).to_numpy(), p.daily["gap_ddd"].to_numpy()
        )
        weeks = weekly_table(p)
        assert weeks["gap"].sum() == p.gap_ddd
        assert weeks["uncovered"].sum() == p.uncovered_ddd
        assert len(weeks) == -(-p.horizon_days // 7)


def test_markdown_has_summary_tables_and_provenance(plan) -> None:
    md = to_markdown(plan, "en")
    assert md.startswith("# Response plan: paracetamol (N02BE01)")
    assert "| Priority | Action | Status | ETA |" in md
    assert "| 4 | Activate agreement AG-1" in md
    assert "## Week by week (DDD)" in md
    assert plan.provenance.fingerprint[:16] in md
    md_nb = to_markdown(plan, "nb")
    assert "## Uke for uke (DDD)" in md_nb


def test_html_is_standalone_with_inlined_plotly(plan) -> None:
    page = to_html(plan, "nb")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="nb">' in page
    assert re.search(r"<script[^>]*\bsrc=", page) is None  # no external script (no CDN)
    assert "Plotly.newPlot" in page
    assert len(page) > 1_000_000  # plotly.js itself is inside
    assert "Beredskapsavtale" in page


def test_png_chart(plan, tmp_path) -> None:
    path = tmp_path / "plan.png"
    data = timeline_png(plan, path, "en")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert path.read_bytes() == data
