"""The JSON-stat 2.0 reader on a real Statistics Norway response and on malformed documents."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beredt.industry.jsonstat import parse_jsonstat, parse_jsonstat_text, read_jsonstat
from beredt.ingest.errors import ImportRejected

FIXTURES = Path(__file__).parent / "data" / "fixtures" / "ssb"
REAL = FIXTURES / "dataset_05300.json"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(REAL.read_text(encoding="utf-8"))
    return doc


def _oracle_cells(doc: dict[str, Any]) -> list[tuple[tuple[str, ...], Any, Any]]:
    """Independent reading: itertools.product over categories in index order is row-major."""
    per_dim = []
    for dim_id in doc["id"]:
        index = doc["dimension"][dim_id]["category"]["index"]
        per_dim.append(sorted(index, key=index.get) if isinstance(index, dict) else list(index))
    values = doc["value"]
    status = doc.get("status") or {}
    cells = []
    for i, coords in enumerate(itertools.product(*per_dim)):
        v = values[i] if isinstance(values, list) else values.get(str(i))
        s = status[i] if isinstance(status, list) else status.get(str(i))
        cells.append((coords, v, s))
    return cells


def _check_every_cell(doc: dict[str, Any]) -> None:
    ds = parse_jsonstat(doc, "test.json")
    frame = ds.to_frame()
    oracle = _oracle_cells(doc)
    assert len(frame) == len(oracle)
    for row, (coords, v, s) in zip(frame.itertuples(index=False), oracle, strict=True):
        assert tuple(str(x) for x in row[: len(coords)]) == coords
        assert (np.isnan(row.value) and v is None) or row.value == v
        assert (row.status if isinstance(row.status, str) else None) == s
        named = dict(zip(doc["id"], coords, strict=True))
        assert ds.value_at(**named) == v
        assert ds.status_at(**named) == s


def test_real_ssb_response_every_cell_at_its_coordinates(raw: dict[str, Any]) -> None:
    ds = read_jsonstat(REAL)
    assert ds.ids == ("Avstand1", "Kulturtilbud", "ContentsCode", "Tid")
    assert ds.size == (6, 8, 1, 9)
    assert ds.table_id == "05300"
    assert ds.source == "Statistisk sentralbyrå"
    assert ds.role == {"time": ("Tid",), "metric": ("ContentsCode",)}
    assert ds.dimension("ContentsCode").units["Avstand"]["base"] == "prosent"
    _check_every_cell(raw)


def test_real_response_nulls_and_status_codes_preserved(raw: dict[str, Any]) -> None:
    ds = read_jsonstat(REAL)
    # Read off the file by hand: the first cell, and the last distance band for 2021.
    assert ds.value_at(Avstand1="01", Kulturtilbud="01", ContentsCode="Avstand", Tid="1991") == 16
    assert ds.value_at(Avstand1="01", Kulturtilbud="02", ContentsCode="Avstand", Tid="1991") == 7
    assert ds.value_at(Avstand1="01", Kulturtilbud="08", ContentsCode="Avstand", Tid="2021") is None
    assert ds.status_at(Avstand1="01", Kulturtilbud="08", ContentsCode="Avstand", Tid="2021") == "."
    assert (
        ds.status_at(Avstand1="06", Kulturtilbud="01", ContentsCode="Avstand", Tid="1991") == ".."
    )
    assert int(np.isnan(ds.values).sum()) == 28
    assert sorted(ds.status.values()).count(".") == 20
    assert sorted(ds.status.values()).count("..") == 8
    assert (
        ds.status_at(Avstand1="01", Kulturtilbud="01", ContentsCode="Avstand", Tid="1991") is None
    )


def test_value_and_status_as_arrays_and_as_objects_read_the_same(raw: dict[str, Any]) -> None:
    as_arrays = copy.deepcopy(raw)
    n = len(raw["value"])
    as_arrays["status"] = [raw["status"].get(str(i)) for i in range(n)]
    as_objects = copy.deepcopy(raw)
    as_objects["value"] = {str(i): v for i, v in enumerate(raw["value"]) if v is not None}
    index_as_arrays = copy.deepcopy(raw)
    for dim in index_as_arrays["dimension"].values():
        index = dim["category"]["index"]
        dim["category"]["index"] = sorted(index, key=index.get)
    reference = read_jsonstat(REAL)
    for variant in (as_arrays, as_objects, index_as_arrays):
        ds = parse_jsonstat(variant, "variant.json")
        np.testing.assert_array_equal(ds.values, reference.values)
        assert dict(ds.status) == dict(reference.status)
        _check_every_cell(variant)


def test_index_order_differs_from_object_order(raw: dict[str, Any]) -> None:
    """Categories are placed by their index position, not by the order of the JSON keys."""
    doc = copy.deepcopy(raw)
    tid = doc["dimension"]["Tid"]["category"]["index"]
    doc["dimension"]["Tid"]["category"]["index"] = dict(reversed(list(tid.items())))
    ds = parse_jsonstat(doc, "reordered.json")
    assert ds.dimension("Tid").codes[0] == "1991"
    assert ds.value_at(Avstand1="01", Kulturtilbud="01", ContentsCode="Avstand", Tid="1991") == 16


def test_status_string_and_single_element_array_apply_to_every_cell() -> None:
    doc = _tiny()
    doc["status"] = "p"
    assert set(parse_jsonstat(doc).status.values()) == {"p"}
    assert len(parse_jsonstat(doc).status) == 6
    doc["status"] = ["e"]
    assert len(parse_jsonstat(doc).status) == 6


def test_single_category_dimension_may_omit_its_index() -> None:
    doc = _tiny()
    doc["dimension"]["c"]["category"] = {"label": {"x": "only"}}
    ds = parse_jsonstat(doc)
    assert ds.dimension("c").codes == ("x",)


def _tiny() -> dict[str, Any]:
    return {
        "class": "dataset",
        "version": "2.0",
        "id": ["a", "b", "c"],
        "size": [2, 3, 1],
        "dimension": {
            "a": {"category": {"index": ["a1", "a2"]}},
            "b": {"category": {"index": {"b1": 0, "b2": 1, "b3": 2}}},
            "c": {"category": {"index": {"x": 0}, "label": {"x": "only"}}},
        },
        "value": [1, 2, 3, 4, None, 6],
    }


def _problems(doc: Any) -> list[str]:
    with pytest.raises(ImportRejected) as info:
        parse_jsonstat(doc, "bad.json")
    return [str(p) for p in info.value.problems]


def test_tiny_row_major_order() -> None:
    ds = parse_jsonstat(_tiny())
    assert ds.value_at(a="a1", b="b3", c="x") == 3
    assert ds.value_at(a="a2", b="b1", c="x") == 4
    assert ds.value_at(a="a2", b="b2", c="x") is None


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda d: d.__setitem__("value", [1, 2, 3]), "value", "3 entries but the sizes give 6"),
        (lambda d: d["dimension"].pop("b"), "dimension.b", "missing"),
        (lambda d: d.__setitem__("size", [2, 3]), "size", "2 entries but `id` names 3"),
        (
            lambda d: d["dimension"]["b"]["category"].__setitem__("index", {"b1": 0, "b2": 2}),
            "dimension.b.category.index",
            "positions must be 0…1",
        ),
        (
            lambda d: d.__setitem__("size", [2, 4, 1]),
            "dimension.b.category.index",
            "lists 3 categories but `size` gives 4",
        ),
        (lambda d: d.__setitem__("class", "collection"), "class", "must be 'dataset'"),
        (lambda d: d["value"].__setitem__(2, "12"), "value[2]", "must be a number or null"),
        (lambda d: d.__setitem__("value", {"7": 1}), 'value["7"]', "cell index 0…5"),
        (lambda d: d.__setitem__("status", ["a", "b"]), "status", "2 entries but there are 6"),
        (lambda d: d.__setitem__("role", {"time": ["Tid"]}), "role.time", "not in `id`"),
        (lambda d: d.pop("value"), "value", "missing"),
        (lambda d: d.__setitem__("id", ["a", "a", "c"]), "id", "repeated"),
    ],
)
def test_malformed_documents_are_refused_naming_the_field(
    mutate: Any, field: str, words: str
) -> None:
    doc = _tiny()
    mutate(doc)
    problems = _problems(doc)
    assert any(p.startswith(f"bad.json: {field}: ") and words in p for p in problems), problems


def test_json_stat_1_is_refused_with_a_hint() -> None:
    problems = _problems({"dataset": {"dimension": {}, "value": []}})
    assert "json-stat2" in problems[0]


def test_broken_json_reports_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "class": "dataset",\n  "id": [\n}', encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        read_jsonstat(path)
    problem = info.value.problems[0]
    assert problem.file == "broken.json"
    assert problem.line == 4
    assert problem.field == "json"


def test_nan_and_overflow_are_refused() -> None:
    with pytest.raises(ImportRejected, match="JSON-stat"):
        parse_jsonstat_text('{"class": "dataset", "id": [], "size": [], "value": [NaN]}')
    doc = _tiny()
    text = json.dumps(doc).replace("[1, 2,", "[1e400, 2,")
    with pytest.raises(ImportRejected) as info:
        parse_jsonstat_text(text, "big.json")
    assert "value[0]" in info.value.report()


@settings(max_examples=40)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    data=st.data(),
)
def test_random_datasets_round_trip_both_encodings(sizes: list[int], data: Any) -> None:
    n = int(np.prod(sizes))
    values = data.draw(
        st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), min_size=n, max_size=n)
    )
    ids = [f"d{i}" for i in range(len(sizes))]
    doc: dict[str, Any] = {
        "class": "dataset",
        "id": ids,
        "size": sizes,
        "dimension": {
            d: {"category": {"index": [f"{d}c{k}" for k in range(s)]}}
            for d, s in zip(ids, sizes, strict=True)
        },
        "value": values,
        "status": {str(i): "x" for i, v in enumerate(values) if v is None},
    }
    _check_every_cell(doc)
    sparse = dict(doc, value={str(i): v for i, v in enumerate(values) if v is not None})
    np.testing.assert_array_equal(parse_jsonstat(sparse).values, parse_jsonstat(doc).values)
