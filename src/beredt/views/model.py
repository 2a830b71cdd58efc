"""The report as data: sections with key figures, tables, figures and bilingual texts.

Section builders (:mod:`beredt.views.sections`) turn analytic results into a :class:`Report`;
the writers (:mod:`beredt.report.html`, :mod:`beredt.report.xlsx`, :mod:`beredt.report.results`)
render the same object, so the page, the workbook and ``results.json`` cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from beredt.views.fmt import KINDS
from beredt.views.i18n import Text, column_label

#: Column keys whose cells are codes (criticality, cause, status, …): see ``fmt.CODE_LABELS``.
CODE_COLUMNS = frozenset(
    {"criticality", "cause", "status", "action", "law", "kind", "flow", "tier", "stage"}
)


@dataclass(frozen=True)
class Column:
    """A table column: its machine key (also the key in ``results.json``) and value kind."""

    key: str
    kind: str = "text"
    label: Text | None = None

    def __post_init__(self) -> None:
        if self.kind == "text" and self.key in CODE_COLUMNS:
            # columns that hold codes show each code as the reader's language names it
            object.__setattr__(self, "kind", "code")
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key}: unknown kind {self.kind!r}")

    @property
    def header(self) -> Text:
        """The column header in both languages."""
        return self.label or column_label(self.key)


def clean_cell(value: Any, kind: str) -> Any:
    """A cell value as plain JSON-ready Python: numbers as int/float, non-finite as None."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if kind == "i18n":
        texts = (
            {str(k): str(v) for k, v in value.items()}
            if isinstance(value, dict)
            else {"nb": str(value), "en": str(value)}
        )
        # a text empty in every language is a missing value (an empty cell), as for "text"
        return texts if any(texts.values()) else None
    if kind in ("text", "code"):
        if isinstance(value, float) and math.isnan(value):
            return None
        text = str(value)
        return text if text else None  # an empty text is a missing value (an empty cell)
    if kind == "date":
        if value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
            return None
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    if kind == "bool":
        if isinstance(value, float) and math.isnan(value):
            return None
        return bool(value)
    number = float(value)
    if not math.isfinite(number):
        return None
    if kind in ("int", "year"):
        return round(number)
    return number


@dataclass
class Table:
    """A titled table; ``rows`` hold clean values keyed by column key."""

    key: str
    title: Text
    columns: list[Column]
    rows: list[dict[str, Any]]
    note: Text | None = None

    def __post_init__(self) -> None:
        keys = {c.key for c in self.columns}
        if len(keys) != len(self.columns):
            raise ValueError(f"table {self.key}: duplicate column keys")
        kinds = {c.key: c.kind for c in self.columns}
        self.rows = [{k: clean_cell(row.get(k), kinds[k]) for k in kinds} for row in self.rows]

    @classmethod
    def from_frame(
        cls,
        key: str,
        title: Text,
        frame: pd.DataFrame,
        columns: Sequence[Column],
        note: Text | None = None,
    ) -> Table:
        """A table from the named columns of a frame (missing columns give empty cells)."""
        records = frame.to_dict(orient="records") if len(frame) else []
        return cls(
            key, title, list(columns), [{str(k): v for k, v in r.items()} for r in records], note
        )


@dataclass(frozen=True)
class Kpi:
    """A headline figure: key, value, kind (see :mod:`beredt.views.fmt`) and label."""

    key: str
    label: Text
    value: Any
    kind: str = "int"
    detail: Text | None = None

    def shown(self, lang: str, currency: str) -> str:
        """The value as every view shows it in `lang` (money compact, as in running text)."""
        from beredt.views.fmt import format_money, format_value

        if self.kind == "money":
            return format_money(self.value, lang, currency)
        return format_value(self.value, self.kind, lang, currency)


@dataclass
class Figure:
    """A chart: a PNG per language (matplotlib), or a plotly figure (JSON text) per language."""

    key: str
    caption: Text
    png: dict[str, bytes] | None = None
    plotly: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if (self.png is None) == (self.plotly is None):
            raise ValueError(f"figure {self.key}: give exactly one of png or plotly")

    @property
    def kind(self) -> str:
        """``png`` or ``plotly``."""
        return "png" if self.png is not None else "plotly"


@dataclass
class Section:
    """A report section; ``available`` is False (with a reason) when the run did not compute it."""

    key: str
    available: bool = True
    reason: str | None = None
    paragraphs: list[Text] = field(default_factory=list)
    kpis: list[Kpi] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def table(self, key: str) -> Table:
        """The table with this key."""
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(f"section {self.key} has no table {key!r}")


def unavailable(key: str, reason: str) -> Section:
    """A section the run could not compute, with the reason."""
    return Section(key=key, available=False, reason=reason)


@dataclass
class Report:
    """The whole report: run metadata and sections in display order."""

    meta: dict[str, Any]
    sections: list[Section]

    def section(self, key: str) -> Section:
        """The section with this key."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(f"no section {key!r}")

    def keys(self) -> list[str]:
        """Section keys in display order."""
        return [s.key for s in self.sections]


def records(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows as plain dicts (for building tables from generators)."""
    return [dict(r) for r in rows]
