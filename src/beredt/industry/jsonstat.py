"""A validating reader for JSON-stat 2.0 datasets (the format of Statistics Norway's API).

Format: JSON-stat 2.0 (https://json-stat.org/full/), as served by PxWebApi v2 and by the v0
API with ``"format": "json-stat2"``. A dataset has ``id`` (dimension order), ``size`` (categories
per dimension), ``dimension`` (each with ``category.index`` and ``category.label``) and ``value``,
a flat list of cells in row-major order: the *last* dimension varies fastest. ``value`` and
``status`` may each be an array or an object keyed by the cell index (sparse form; absent cells
are missing); ``status`` may also be one string for every cell. Missing values are ``null``;
the status codes (Statistics Norway: ``.`` not applicable, ``..`` not available, ``:``
confidential) travel beside the values and are kept.

Everything is checked before anything is returned; every problem is reported with the file and
the JSON field it concerns (e.g. ``dimension.Tid.category.index``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from beredt.ingest.errors import ImportRejected, Problem
from beredt.ingest.sources import load_json, read_bytes

#: Cap on problems reported for cell-level faults, so a broken million-cell file stays readable.
MAX_CELL_PROBLEMS = 20
#: Most cells a dataset may declare (product of ``size``): checked before anything is allocated.
#: Statistics Norway answers at most 800,000 cells per query; 20 M float cells are 160 MB.
MAX_CELLS = 20_000_000


@dataclass(frozen=True)
class Dimension:
    """One dimension of a JSON-stat dataset: its categories in index order, labels and units."""

    id: str
    label: str
    codes: tuple[str, ...]
    labels: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Number of categories."""
        return len(self.codes)

    def position(self, code: str) -> int:
        """Index of category `code` (KeyError naming the dimension when it is unknown)."""
        try:
            return self.codes.index(code)
        except ValueError:
            raise KeyError(f"dimension {self.id} has no category {code!r}") from None

    def label_of(self, code: str) -> str:
        """The category's label, or its code where the file gives none."""
        return self.labels.get(code, code)


@dataclass(frozen=True, eq=False)
class JsonStatDataset:
    """A validated JSON-stat 2.0 dataset: dimensions, cell values (NaN = missing) and statuses."""

    file: str
    label: str
    source: str | None
    updated: str | None
    dimensions: tuple[Dimension, ...]
    values: np.ndarray  # float64, one per cell in row-major order; NaN where the value is null
    status: Mapping[int, str]  # cell index → status code, only where one is given
    role: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    extension: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        """Dimension ids in the dataset's order."""
        return tuple(d.id for d in self.dimensions)

    @property
    def size(self) -> tuple[int, ...]:
        """Number of categories per dimension."""
        return tuple(d.size for d in self.dimensions)

    @property
    def n_cells(self) -> int:
        """Number of cells (product of the sizes)."""
        return int(np.prod(self.size, dtype=np.int64)) if self.dimensions else 1

    @property
    def table_id(self) -> str | None:
        """The statistics table id (PxWeb's ``extension.px.tableid``, else the label's prefix)."""
        px = self.extension.get("px") if isinstance(self.extension, Mapping) else None
        if isinstance(px, Mapping) and px.get("tableid"):
            return str(px["tableid"])
        head = self.label.split(":", 1)[0].strip()
        return head if head.isdigit() else None

    def dimension(self, dim_id: str) -> Dimension:
        """The dimension called `dim_id`."""
        for d in self.dimensions:
            if d.id == dim_id:
                return d
        raise KeyError(f"{self.file}: no dimension {dim_id!r} (it has {', '.join(self.ids)})")

    def cell_index(self, coords: Mapping[str, str]) -> int:
        """Flat (row-major) index of the cell at category codes `coords`, one per dimension."""
        missing = [d.id for d in self.dimensions if d.id not in coords]
        if missing:
            raise KeyError(f"coordinates lack dimension(s) {', '.join(missing)}")
        index = 0
        for d in self.dimensions:
            index = index * d.size + d.position(coords[d.id])
        return index

    def value_at(self, **coords: str) -> float | None:
        """The value at category codes `coords` (None where it is missing)."""
        v = float(self.values[self.cell_index(coords)])
        return None if math.isnan(v) else v

    def status_at(self, **coords: str) -> str | None:
        """The status code at category codes `coords` (None where the cell has none)."""
        return self.status.get(self.cell_index(coords))

    def codes_frame(self) -> pd.DataFrame:
        """One row per cell with one column of category codes per dimension (categorical)."""
        sizes = self.size
        n = self.n_cells
        columns: dict[str, Any] = {}
        for i, d in enumerate(self.dimensions):
            inner = int(np.prod(sizes[i + 1 :], dtype=np.int64))
            outer = int(np.prod(sizes[:i], dtype=np.int64))
            codes = np.tile(np.repeat(np.arange(d.size, dtype=np.int32), inner), outer)
            columns[d.id] = pd.Categorical.from_codes(codes, categories=pd.Index(list(d.codes)))
        return pd.DataFrame(columns, index=pd.RangeIndex(n))

    def to_frame(self) -> pd.DataFrame:
        """Every cell as a row: a column per dimension (codes), ``value`` (NaN = null), ``status``."""
        frame = self.codes_frame()
        frame["value"] = self.values
        status = np.full(self.n_cells, None, dtype=object)
        for index, code in self.status.items():
            status[index] = code
        frame["status"] = status
        return frame


def read_jsonstat(path: str | Path) -> JsonStatDataset:
    """Read and validate a JSON-stat 2.0 dataset file; raise ImportRejected listing every problem."""
    path = Path(path)
    name = path.name
    try:
        text = read_bytes(path).decode("utf-8-sig")
    except ImportRejected as exc:
        raise ImportRejected(exc.problems, "JSON-stat") from None
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            [Problem(name, None, "file", f"not UTF-8 text ({exc.reason} at byte {exc.start})")],
            "JSON-stat",
        ) from None
    return parse_jsonstat_text(text, name)


def parse_jsonstat_text(text: str, file: str = "<json>") -> JsonStatDataset:
    """Parse JSON text holding a JSON-stat 2.0 dataset (see :func:`parse_jsonstat`)."""
    try:
        document = load_json(text, file, "JSON-stat", parse_constant=_reject_constant)
    except ImportRejected as exc:
        raise ImportRejected(
            [
                Problem(p.file, p.line, p.field, f"not valid JSON: {p.reason}")
                if p.line is not None and "(column" in p.reason
                else p
                for p in exc.problems
            ],
            "JSON-stat",
        ) from None
    return parse_jsonstat(document, file)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON (use null for a missing value)")


def parse_jsonstat(document: Any, file: str = "<json>") -> JsonStatDataset:
    """Validate a decoded JSON-stat 2.0 document and return the dataset it holds.

    Checks (JSON-stat 2.0 specification, https://json-stat.org/full/): ``class`` is
    ``dataset``; ``id`` and ``size`` have the same length; every id has a ``dimension`` entry
    whose ``category.index`` (array or object) lists exactly ``size`` distinct categories with
    positions 0…n−1; ``value`` has one entry per cell (array) or integer keys below the cell count
    (object); values are finite numbers or null; ``status`` is a string, an array of one or
    n entries, or an object keyed by cell index; ``role`` names existing dimensions.
    """
    problems: list[Problem] = []

    def bad(fld: str, reason: str) -> None:
        problems.append(Problem(file, None, fld, reason))

    def reject() -> ImportRejected:
        return ImportRejected(problems, f"JSON-stat file {file}")

    if not isinstance(document, Mapping):
        bad("(top level)", f"a JSON-stat dataset is a JSON object, not {_kind(document)}")
        raise reject()
    cls = document.get("class")
    if cls is None and "dataset" in document and "id" not in document:
        bad(
            "class",
            "this looks like JSON-stat 1.0 (format `json-stat`); request `json-stat2` "
            '(PxWebApi v2 `outputFormat=json-stat2`, v0 `"format": "json-stat2"`)',
        )
        raise reject()
    if cls != "dataset":
        what = f"{cls!r}" if cls is not None else "missing"
        bad("class", f"must be 'dataset' (a single JSON-stat 2.0 dataset), is {what}")
        raise reject()
    version = document.get("version")
    if version is not None and not str(version).startswith("2"):
        bad("version", f"JSON-stat version {version!r} is not supported (2.0 is)")

    ids = document.get("id")
    sizes = document.get("size")
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        bad("id", "must be an array of dimension ids (non-empty strings)")
        raise reject()
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        bad("id", f"dimension id(s) repeated: {', '.join(duplicates)}")
    if not isinstance(sizes, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in sizes
    ):
        bad("size", "must be an array of whole numbers ≥ 0")
        raise reject()
    if len(sizes) != len(ids):
        bad("size", f"has {len(sizes)} entries but `id` names {len(ids)} dimensions")
        raise reject()
    declared = math.prod(sizes)  # exact: a Python int cannot overflow, unlike an int64 product
    if declared > MAX_CELLS:
        bad(
            "size",
            f"declares {declared:,} cells (the product of {sizes}), more than the "
            f"{MAX_CELLS:,} read: ask the statistics API for a smaller table",
        )
        raise reject()

    dims_doc = document.get("dimension")
    if not isinstance(dims_doc, Mapping):
        bad("dimension", "must be an object with one entry per dimension id")
        raise reject()
    dimensions: list[Dimension] = []
    for dim_id, size in zip(ids, sizes, strict=True):
        dim = _parse_dimension(dims_doc.get(dim_id), dim_id, size, bad)
        if dim is not None:
            dimensions.append(dim)
    extra = sorted(set(dims_doc) - set(ids))
    if extra:
        bad("dimension", f"entries not listed in `id`: {', '.join(extra)}")
    if problems:
        raise reject()

    n_cells = declared
    values = _parse_values(document.get("value", _ABSENT), n_cells, bad)
    status = _parse_status(document.get("status"), n_cells, bad)
    role = _parse_role(document.get("role"), ids, bad)
    label = document.get("label", "")
    if not isinstance(label, str):
        bad("label", f"must be text, is {_kind(label)}")
    notes = document.get("note", [])
    if isinstance(notes, str):
        notes = [notes]
    extension = document.get("extension", {})
    if problems:
        raise reject()
    assert values is not None
    return JsonStatDataset(
        file=file,
        label=label if isinstance(label, str) else "",
        source=_text_or_none(document.get("source")),
        updated=_text_or_none(document.get("updated")),
        dimensions=tuple(dimensions),
        values=values,
        status=status,
        role=role,
        extension=extension if isinstance(extension, Mapping) else {},
        notes=tuple(str(n) for n in notes) if isinstance(notes, list) else (),
    )


_ABSENT = object()


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        str: "text",
        int: "a number",
        float: "a number",
        list: "an array",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _parse_dimension(doc: Any, dim_id: str, size: int, bad: Any) -> Dimension | None:
    where = f"dimension.{dim_id}"
    if doc is None:
        bad(where, "missing: every id in `id` needs a dimension entry")
        return None
    if not isinstance(doc, Mapping):
        bad(where, f"must be an object, is {_kind(doc)}")
        return None
    category = doc.get("category")
    if not isinstance(category, Mapping):
        bad(f"{where}.category", "missing or not an object")
        return None
    index = category.get("index")
    labels = category.get("label")
    if labels is not None and not isinstance(labels, Mapping):
        bad(f"{where}.category.label", f"must be an object of code → label, is {_kind(labels)}")
        return None
    codes: list[str] | None
    if index is None:
        # The specification allows omitting the index of a single-category dimension.
        if isinstance(labels, Mapping) and len(labels) == 1:
            codes = [str(next(iter(labels)))]
        else:
            bad(f"{where}.category.index", "missing (allowed only for a single category)")
            return None
    elif isinstance(index, list):
        if not all(isinstance(c, str) for c in index):
            bad(f"{where}.category.index", "array entries must be category codes (text)")
            return None
        codes = list(index)
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            bad(f"{where}.category.index", f"category code(s) repeated: {', '.join(repeated)}")
            return None
    elif isinstance(index, Mapping):
        positions = list(index.values())
        if not all(isinstance(p, int) and not isinstance(p, bool) for p in positions):
            bad(f"{where}.category.index", "object values must be whole-number positions")
            return None
        if sorted(positions) != list(range(len(positions))):
            bad(
                f"{where}.category.index",
                f"positions must be 0…{len(positions) - 1}, each once; got {sorted(positions)}",
            )
            return None
        codes = [code for code, _ in sorted(index.items(), key=lambda kv: kv[1])]
    else:
        bad(f"{where}.category.index", f"must be an array or an object, is {_kind(index)}")
        return None
    if len(codes) != size:
        bad(
            f"{where}.category.index",
            f"lists {len(codes)} categories but `size` gives {size} for {dim_id}",
        )
        return None
    label_map: dict[str, str] = {}
    if isinstance(labels, Mapping):
        unknown = sorted(str(k) for k in labels if k not in codes)
        if unknown:
            bad(f"{where}.category.label", f"labels for unknown categories: {', '.join(unknown)}")
            return None
        label_map = {str(k): str(v) for k, v in labels.items()}
    units = category.get("unit", {})
    dim_label = doc.get("label", dim_id)
    return Dimension(
        id=dim_id,
        label=dim_label if isinstance(dim_label, str) else dim_id,
        codes=tuple(codes),
        labels=label_map,
        units=dict(units) if isinstance(units, Mapping) else {},
    )


def _cell_key(key: str, n_cells: int) -> int | None:
    if not (isinstance(key, str) and key.isdigit()):
        return None
    k = int(key)
    return k if k < n_cells else None


def _number(value: Any) -> float | str | None:
    """The cell value as float, None for null, or a reason text when it is invalid."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a number or null, is {_kind(value)} {value!r}"
    number = float(value)
    if not math.isfinite(number):
        return f"{value!r} is not a finite number"
    return number


def _parse_values(doc: Any, n_cells: int, bad: Any) -> np.ndarray | None:
    if doc is _ABSENT:
        bad("value", "missing: a dataset needs its values")
        return None
    out = np.full(n_cells, np.nan, dtype=np.float64)
    reported = 0
    if isinstance(doc, list):
        if len(doc) != n_cells:
            bad(
                "value",
                f"has {len(doc)} entries but the sizes give {n_cells} cells (product of `size`)",
            )
            return None
        # Fast path: a homogeneous list of numbers and nulls converts in one go.
        try:
            arr = np.array([np.nan if v is None else v for v in doc], dtype=np.float64)
            types_ok = all(v is None or (type(v) in (int, float)) for v in doc)
        except (TypeError, ValueError):
            arr, types_ok = None, False
        if arr is not None and types_ok and np.isfinite(arr[~np.isnan(arr)]).all():
            return arr
        for i, v in enumerate(doc):
            parsed = _number(v)
            if isinstance(parsed, str):
                if reported < MAX_CELL_PROBLEMS:
                    bad(f"value[{i}]", parsed)
                reported += 1
            elif parsed is not None:
                out[i] = parsed
    elif isinstance(doc, Mapping):
        for key, v in doc.items():
            k = _cell_key(key, n_cells)
            if k is None:
                if reported < MAX_CELL_PROBLEMS:
                    bad(
                        f'value["{key}"]',
                        f"key must be a cell index 0…{n_cells - 1} (the sizes give {n_cells} cells)",
                    )
                reported += 1
                continue
            parsed = _number(v)
            if isinstance(parsed, str):
                if reported < MAX_CELL_PROBLEMS:
                    bad(f'value["{key}"]', parsed)
                reported += 1
            elif parsed is not None:
                out[k] = parsed
    else:
        bad("value", f"must be an array or an object keyed by cell index, is {_kind(doc)}")
        return None
    if reported > MAX_CELL_PROBLEMS:
        bad("value", f"{reported - MAX_CELL_PROBLEMS} more invalid cells not listed")
    return out if reported == 0 else None


def _parse_status(doc: Any, n_cells: int, bad: Any) -> dict[int, str]:
    if doc is None:
        return {}
    if isinstance(doc, str):
        return dict.fromkeys(range(n_cells), doc)
    status: dict[int, str] = {}
    if isinstance(doc, list):
        if len(doc) == 1 and n_cells != 1:
            # JSON-stat 2.0: a one-element status array applies to every cell.
            only = doc[0]
            if only is not None and not isinstance(only, str):
                bad("status[0]", f"must be a status code (text) or null, is {_kind(only)}")
                return {}
            return {} if only is None else dict.fromkeys(range(n_cells), only)
        if len(doc) != n_cells:
            bad("status", f"has {len(doc)} entries but there are {n_cells} cells")
            return {}
        for i, s in enumerate(doc):
            if s is None:
                continue
            if not isinstance(s, str):
                bad(f"status[{i}]", f"must be a status code (text) or null, is {_kind(s)}")
                continue
            status[i] = s
        return status
    if isinstance(doc, Mapping):
        for key, s in doc.items():
            k = _cell_key(key, n_cells)
            if k is None:
                bad(f'status["{key}"]', f"key must be a cell index 0…{n_cells - 1}")
                continue
            if s is None:
                continue
            if not isinstance(s, str):
                bad(f'status["{key}"]', f"must be a status code (text) or null, is {_kind(s)}")
                continue
            status[k] = s
        return status
    bad("status", f"must be text, an array or an object keyed by cell index, is {_kind(doc)}")
    return {}


def _parse_role(doc: Any, ids: Sequence[str], bad: Any) -> dict[str, tuple[str, ...]]:
    if doc is None:
        return {}
    if not isinstance(doc, Mapping):
        bad("role", f"must be an object, is {_kind(doc)}")
        return {}
    role: dict[str, tuple[str, ...]] = {}
    for name, members in doc.items():
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            bad(f"role.{name}", "must be an array of dimension ids")
            continue
        unknown = [m for m in members if m not in ids]
        if unknown:
            bad(f"role.{name}", f"names dimension(s) not in `id`: {', '.join(unknown)}")
            continue
        role[str(name)] = tuple(members)
    return role
