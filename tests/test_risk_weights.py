"""Weights file: defaults documented and cited, partial overrides, every problem reported."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from beredt.domain.dataset import Dataset
from beredt.risk import FACTOR_KEYS, FACTORS, WeightsError, default_weights, load_weights, score


def test_defaults_document_every_factor_with_sources() -> None:
    w = default_weights()
    assert [f.key for f in w.factors] == list(FACTOR_KEYS)
    for fw in w.factors:
        assert fw.weight > 0, fw.key
        assert len(fw.rationale) > 80, fw.key
        assert fw.sources, fw.key
        assert all(ref in w.sources for ref in fw.sources)
    assert {"eu-union-list", "eu-vulnerability", "usp-supply-map"} <= set(w.sources)
    assert w.missing_value == 0.5
    assert w.shortage_window_years == 3


def test_anchors_interpolate_and_clamp() -> None:
    stock = default_weights()["stock_cover"]  # (0,1) (30,0.6) (90,0.25) (180,0)
    raw = np.array([-5.0, 0.0, 15.0, 60.0, 180.0, 400.0, np.inf, np.nan])
    got = stock.normalise(raw)
    assert np.allclose(got[:7], [1.0, 1.0, 0.8, 0.425, 0.0, 0.0, 0.0])
    assert np.isnan(got[7])


def test_directions_of_default_anchors() -> None:
    w = default_weights()
    for fdef in FACTORS:
        if fdef.increasing is None:
            continue
        ys = [a[1] for a in w[fdef.key].anchors]
        assert ys == sorted(ys, reverse=not fdef.increasing), fdef.key


def test_partial_override_file(tmp_path: Path, small_dataset: Dataset) -> None:
    path = tmp_path / "w.toml"
    path.write_text(
        "missing_value = 1.0\n"
        "[factors.stock_cover]\nweight = 28\n"
        "[factors.suppliers]\nanchors = [[0, 1.0], [2, 0.0]]\n",
        encoding="utf-8",
    )
    w = load_weights(path)
    assert w["stock_cover"].weight == 28
    assert w["suppliers"].anchors == ((0.0, 1.0), (2.0, 0.0))
    assert w["criticality"].weight == default_weights()["criticality"].weight
    assert w.total_weight == pytest.approx(114)
    assert w.origin == str(path)
    t = score(small_dataset, path)
    f = t.explain("N02BE01").set_index("factor")
    assert f.loc["suppliers", "exposure"] == 0.0  # two suppliers reach the new zero anchor
    assert f.loc["stock_cover", "points"] == pytest.approx(100 * 28 / 114)
    assert t.provenance.parameters["weights"]["origin"] == str(path)
    saline = t.explain("B05BB01").set_index("factor")
    assert saline.loc["api_concentration", "exposure"] == 1.0  # unknown now counts as worst


def test_every_problem_named_with_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        "missing_value = 2\n"
        "colour = 'red'\n"
        "[factors.stock_cover]\n"
        "weight = -1\n"
        "anchors = [[0, 0.0], [90, 1.0]]\n"
        "[factors.suppliers]\n"
        "anchors = [[3, 1.0], [1, 0.0]]\n"
        "wieght = 3\n"
        "[factors.price]\n"
        "weight = 1\n",
        encoding="utf-8",
    )
    with pytest.raises(WeightsError) as err:
        load_weights(path)
    text = str(err.value)
    problems = {(p.field, p.line) for p in err.value.problems}
    assert ("colour", 2) in problems
    assert ("factors.price", 9) in problems
    assert ("factors.suppliers.wieght", 8) in problems
    assert all(p.file == str(path) for p in err.value.problems)
    assert "unknown setting" in text
    assert "unknown factor" in text


def test_validation_of_values(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        "missing_value = 2\n"
        "[factors.stock_cover]\n"
        "weight = -1\n"
        "anchors = [[0, 0.0], [90, 1.0]]\n"
        "[factors.suppliers]\n"
        "anchors = [[3, 1.0], [1, 0.0]]\n"
        "[factors.criticality]\n"
        "levels = { vital = 1.5 }\n",
        encoding="utf-8",
    )
    with pytest.raises(WeightsError) as err:
        load_weights(path)
    by_field = {p.field: p for p in err.value.problems}
    assert by_field["missing_value"].line == 1
    assert by_field["factors.stock_cover.weight"].line == 3
    assert "more is better" in by_field["factors.stock_cover.anchors"].reason
    assert "strictly increasing" in by_field["factors.suppliers.anchors"].reason
    assert "[0, 1]" in by_field["factors.criticality.levels"].reason


def test_syntax_error_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[factors.stock_cover\nweight = 1\n", encoding="utf-8")
    with pytest.raises(WeightsError, match=r"broken\.toml"):
        load_weights(path)
    with pytest.raises(WeightsError, match="cannot read"):
        load_weights(tmp_path / "absent.toml")


def test_mapping_overrides_are_validated() -> None:
    w = default_weights()
    with pytest.raises(WeightsError, match="unknown factor"):
        w.with_weights({"price": 3})
    with pytest.raises(WeightsError, match="at least one factor"):
        w.with_weights(dict.fromkeys(FACTOR_KEYS, 0.0))
    assert w.with_weights({"stock_cover": 0})["stock_cover"].weight == 0


def test_the_example_in_the_docs_loads(tmp_path: Path) -> None:
    doc = (Path(__file__).parents[1] / "docs" / "risk.md").read_text(encoding="utf-8")
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "my-weights.toml"
    path.write_text(example, encoding="utf-8")
    w = load_weights(path)
    assert w["criticality"].weight == 0
    assert w.missing_value == 0.7
    assert w["stock_cover"].anchors[-1] == (365.0, 0.0)
