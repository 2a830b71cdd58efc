"""Provenance and JSON conversion shared by every analytic result (DESIGN.md §2).

Every analytic output records the dataset's fingerprint, the as-of date, the software version,
the parameters and the seed, so that any number can be reproduced.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import beredt

if TYPE_CHECKING:
    from beredt.domain.dataset import Dataset


@dataclasses.dataclass(frozen=True)
class Provenance:
    """What a result was computed from: dataset fingerprint, as-of date, version, parameters, seed."""

    fingerprint: str
    as_of: dt.date
    software_version: str
    parameters: Mapping[str, Any]
    seed: int | None = None


def provenance(
    dataset: Dataset, parameters: Mapping[str, Any] | None = None, seed: int | None = None
) -> Provenance:
    """The provenance record of a result computed from `dataset` with `parameters` and `seed`."""
    return Provenance(
        fingerprint=dataset.fingerprint,
        as_of=dataset.as_of,
        software_version=beredt.__version__,
        parameters=dict(parameters or {}),
        seed=seed,
    )


def to_jsonable(value: Any) -> Any:
    """Convert results (dataclasses, frames, arrays, dates, enums, NumPy scalars) to plain JSON.

    Non-finite floats become ``null`` so the output is strict JSON.
    """
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, pd.DataFrame):
        return [
            {str(k): to_jsonable(v) for k, v in row.items()}
            for row in value.to_dict(orient="records")
        ]
    if isinstance(value, pd.Series):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # fields marked metadata={"json": False} hold working data (e.g. a whole simulation)
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.metadata.get("json", True)
        }
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    raise TypeError(f"cannot convert {type(value).__name__} to JSON")


def dumps(value: Any) -> str:
    """Deterministic JSON text of a result: sorted keys, two-space indent, trailing newline."""
    return json.dumps(to_jsonable(value), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class ProgressCallback:
    """Protocol of the ``progress`` argument analytics accept: ``progress(done, total)``.

    Analytics never print; interfaces turn these calls into a rich progress bar or API status.
    """

    def __call__(self, done: int, total: int) -> None:  # pragma: no cover - protocol only
        """Report that `done` of `total` units of work are finished."""
