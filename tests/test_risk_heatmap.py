"""Heat map by ATC group: the cells are the groups' mean exposures; PNG and offline HTML."""

from __future__ import annotations

import pytest

from beredt.domain.dataset import Dataset
from beredt.risk import FACTOR_KEYS, heatmap_frame, score
from beredt.views.charts.risk import heatmap_figure, heatmap_html, heatmap_png


def test_frame_is_group_means(small_dataset: Dataset) -> None:
    table = score(small_dataset)
    frame = heatmap_frame(table, level=2)
    assert list(frame.index) == ["A10", "B05", "C07", "J01", "M01", "N02", "N03"]
    j01 = table.factors[table.factors["atc_code"].str.startswith("J01")]
    for key in FACTOR_KEYS:
        expected = j01[j01["factor"] == key]["exposure"].mean()
        assert frame.loc["J01", key] == pytest.approx(expected)
    assert frame.loc["J01", "n_substances"] == 3
    j01_scores = table.select("J01").substances["score"]
    assert frame.loc["J01", "score_mean"] == pytest.approx(j01_scores.mean())
    assert frame.loc["J01", "score_max"] == pytest.approx(j01_scores.max())
    assert list(heatmap_frame(table, level=1).index) == ["A", "B", "C", "J", "M", "N"]
    with pytest.raises(ValueError, match="ATC level"):
        heatmap_frame(table, level=5)


def test_png_and_html(small_dataset: Dataset) -> None:
    table = score(small_dataset)
    fig = heatmap_figure(table, level=3)
    ax = fig.axes[0]
    assert len(ax.get_yticklabels()) == len(heatmap_frame(table, level=3))
    png = heatmap_png(table, dpi=60)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    html = heatmap_html(table, full_html=False)
    assert "<script src=" not in html
    assert "plotly" in html.lower()
    assert "N02 (2)" in html


def test_empty_selection_still_draws(small_dataset: Dataset) -> None:
    empty = score(small_dataset).select("S01")
    assert heatmap_frame(empty).empty
    assert heatmap_png(empty, dpi=40)[:4] == b"\x89PNG"
