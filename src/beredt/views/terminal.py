"""Tables for the terminal that never cut an id or a number.

One rule for every table the CLI prints, at any terminal width: names and prose may wrap (or,
squeezed hard, fold), but ids and numbers keep the width of their widest cell. An id longer than
:data:`ID_FOLD_WIDTH` (an EMA notice URL) may fold onto more lines, every character printed.

rich shrinks the widest wrappable columns when a table is too wide and, as a last resort, every
column evenly, cutting cells with an ellipsis. :class:`DataTable` makes id and number columns
unshrinkable (``no_wrap`` for the layout, a ``min_width`` of their widest cell, tracked as rows
are added) so that names absorb the squeeze; their headers wrap at words instead. A table whose
ids and numbers alone are wider than the terminal prints wider lines rather than cut ones:
print tables with :func:`show`, which never crops.

Data reaches the table as :class:`rich.text.Text` (plain strings are wrapped in one), so a
name like ``[bold]`` prints as it is, whatever the console's markup setting.

An unknown id is answered with the few known ones nearest it (:func:`did_you_mean`), never with
the whole list.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

#: What a column holds: ``id`` and ``number`` (dates and amounts included) are never cut;
#: ``name`` (a substance, a company) and ``text`` (prose: drivers, reasons) wrap.
Kind = Literal["id", "number", "name", "text"]
KINDS: tuple[Kind, ...] = ("id", "number", "name", "text")

#: Widest an id column gets before a longer id folds onto a second line (nothing is lost).
ID_FOLD_WIDTH = 24

#: Narrowest a name or text column is squeezed to (narrower cells keep their own width): a
#: table too crowded for this prints lines wider than the terminal rather than lose a name.
NAME_MIN_WIDTH = 8

#: Width a name keeps before number headers give up their whole words to it.
NAME_COMFORT_WIDTH = 20

#: Width used to measure a table's natural (unsqueezed) width.
_UNBOUNDED = 100_000

Justify = Literal["default", "left", "center", "right", "full"]


@dataclass(frozen=True)
class Col:
    """One column of a :class:`DataTable`: its header, what it holds, and how it lines up."""

    header: str
    kind: Kind = "text"
    justify: Justify | None = None
    style: str | None = None
    #: Widest a name or text column grows (leaves room to a wordier neighbour); ignored for
    #: ids and numbers, which always get their widest cell.
    max_width: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column kind {self.kind!r} is not one of {', '.join(KINDS)}")


def _widest_line(text: Text) -> int:
    return max((cell_len(line) for line in text.plain.split("\n")), default=0)


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def as_text(value: Any) -> Text:
    """`value` as plain text for a cell (None → empty); a Text is kept with its styles."""
    if isinstance(value, Text):
        return value.copy()
    return Text("" if value is None else str(value))


class DataTable(Table):
    """A rich :class:`~rich.table.Table` whose id and number cells are never cut.

    Give the columns as :class:`Col` (or ``(header, kind)`` pairs); add rows as usual. Cells of
    every kind may be ``str``, ``Text`` or ``None``; other renderables are kept as they are.
    """

    def __init__(self, *columns: Col | tuple[str, Kind], **table_options: Any) -> None:
        super().__init__(**table_options)
        self.kinds: list[Kind] = []
        self._widest: list[int] = []
        for spec in columns:
            col = spec if isinstance(spec, Col) else Col(*spec)
            self.add_data_column(col)

    def add_data_column(self, col: Col) -> None:
        """Add a column of kind ``col.kind``."""
        kept = col.kind in ("id", "number")
        justify = col.justify or ("right" if col.kind == "number" else "left")
        # A kept column never shrinks in rich's layout (no_wrap); its header may wrap at words.
        self.add_column(
            Text(col.header, no_wrap=False, overflow="fold"),
            justify=justify,
            style=col.style,
            no_wrap=kept,
            overflow="fold",
            max_width=None if kept else col.max_width,
        )
        self.kinds.append(col.kind)
        self._widest.append(0)

    def add_row(
        self,
        *renderables: RenderableType | None,
        style: Any = None,
        end_section: bool = False,
    ) -> None:
        """Add a row; id and number columns widen to their widest cell."""
        cells: list[RenderableType | None] = []
        for i, value in enumerate(renderables):
            if isinstance(value, (str, Text)) or value is None:
                text = as_text(value)
                # The cell may fold inside its column (ids longer than ID_FOLD_WIDTH), never cut.
                text.no_wrap = False
                text.overflow = "fold"
                if i < len(self.kinds):
                    self._widest[i] = max(self._widest[i], _widest_line(text))
                cells.append(text)
            else:
                cells.append(value)
        super().add_row(*cells, style=style, end_section=end_section)

    def _fit(self, *, wrap_headers: bool, fold_ids: bool) -> None:
        """Give id and number columns their kept width: their widest cell (ids folded at
        ID_FOLD_WIDTH when `fold_ids`) and their header whole, or wrapped at words."""
        for column, kind, widest in zip(self.columns, self.kinds, self._widest, strict=True):
            if kind not in ("id", "number"):
                column.min_width = min(widest, NAME_MIN_WIDTH) or None
                continue
            keep = min(widest, ID_FOLD_WIDTH) if kind == "id" and fold_ids else widest
            header = column.header.plain if isinstance(column.header, Text) else str(column.header)
            head = _longest_word(header) if wrap_headers else cell_len(header)
            column.min_width = keep
            column.max_width = max(keep, head, 1)

    def _width(self, console: Console, options: ConsoleOptions, names_at: int) -> int:
        """The table's width with id and number columns as fitted and names `names_at` wide
        (or narrower where every cell is)."""
        for column, kind, widest in zip(self.columns, self.kinds, self._widest, strict=True):
            kept = kind in ("id", "number")
            column.width = column.max_width if kept else max(min(widest, names_at), 1)
        try:
            return Measurement.get(console, options.update_width(_UNBOUNDED), self).maximum
        finally:
            for column in self.columns:
                column.width = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Render with whole headers where names keep a comfortable width, else with headers
        wrapped at words; long ids folded only when the rest cannot fit; wider than the
        terminal only when its ids and numbers alone do not fit."""
        room = options.max_width
        self._fit(wrap_headers=False, fold_ids=False)
        if self._width(console, options, NAME_COMFORT_WIDTH) > room:
            self._fit(wrap_headers=True, fold_ids=False)
            if self._width(console, options, NAME_MIN_WIDTH) > room:
                self._fit(wrap_headers=True, fold_ids=True)
        # rich would squeeze a column to nothing rather than overflow: give it the room instead.
        tightest = self._width(console, options, NAME_MIN_WIDTH)
        if tightest > room:
            options = options.update_width(tightest)
        yield from super().__rich_console__(console, options)


def data_table(*columns: Col | tuple[str, Kind], **table_options: Any) -> DataTable:
    """A :class:`DataTable` with these columns (``title=``, ``caption=`` … as for rich's Table)."""
    return DataTable(*columns, **table_options)


def show(console: Console, *renderables: RenderableType) -> None:
    """Print tables (or anything) without cropping: a line wider than the terminal stays whole."""
    console.print(*renderables, crop=False)


#: Column kinds of the report's tables (views.fmt) that the terminal treats as numbers.
_NUMBER_KINDS = frozenset(
    {"int", "float", "float1", "float2", "float3", "money", "pct", "days", "ddd", "score", "year",
     "date", "bool"}
)  # fmt: skip


def _column_kind(key: str, kind: str) -> Kind:
    if kind in _NUMBER_KINDS:
        return "number"
    if kind == "code" or key.endswith("_id") or key in ("atc_code", "scenario", "key"):
        return "id"
    return "name" if key in ("name", "substance", "producer") else "text"


def render_section(
    console: Console,
    section: Any,
    lang: str,
    currency: str,
    *,
    tables: Mapping[str, Iterable[str] | None] | None = None,
    max_rows: int = 10,
) -> None:
    """A report section (:class:`beredt.views.model.Section`) at the terminal, as the page and
    the workbook show it: title, key figures with their details, texts, then the `tables`
    named (table key → the column keys to show, None for all; their first `max_rows` rows: the
    page and the workbook hold them whole)."""
    from beredt.views.fmt import format_value
    from beredt.views.i18n import section_title

    console.rule(Text(section_title(section.key)[lang], "bold"))
    if not section.available:
        console.print(section.reason or "", markup=False)
        return
    if section.kpis:
        figures = data_table(
            Col("", "text"), Col("", "number", justify="right"), Col("", "text"), show_header=False
        )
        for kpi in section.kpis:
            detail = kpi.detail[lang] if kpi.detail else ""
            figures.add_row(kpi.label[lang], Text(kpi.shown(lang, currency), "bold"), detail)
        show(console, figures)
    for paragraph in section.paragraphs:
        console.print(paragraph[lang], markup=False)
    for table in section.tables:
        if table.key not in (tables or {}) or not table.rows:
            continue
        keys = (tables or {})[table.key]
        columns = [c for c in table.columns if keys is None or c.key in set(keys)]
        out = data_table(
            *(Col(c.header[lang], _column_kind(c.key, c.kind)) for c in columns),
            title=table.title[lang],
            caption=table.note[lang] if table.note else None,
        )
        for row in table.rows[:max_rows]:
            out.add_row(*(format_value(row.get(c.key), c.kind, lang, currency) for c in columns))
        show(console, out)


#: Most ids an error about an unknown id suggests.
MAX_SUGGESTIONS = 5


def _nearest(key: str, by_key: dict[str, str], limit: int) -> list[str]:
    """Values of `by_key` whose key equals `key`, begins with it, or is spelt close to it."""
    found = [by_key[key]] if key in by_key else []
    if len(key) >= 2:
        found += [by_key[k] for k in sorted(by_key) if k.startswith(key) and k != key]
    found += [by_key[k] for k in difflib.get_close_matches(key, list(by_key), n=limit, cutoff=0.6)]
    return found


def close_matches(
    value: str,
    known: Iterable[Any],
    limit: int = MAX_SUGGESTIONS,
    names: Mapping[str, str] | None = None,
) -> list[str]:
    """Up to `limit` known ids nearest `value`: the same id in another case, ids that begin
    with it, close spellings (difflib); then ids whose name (`names`: id → name) is near it."""
    ids: dict[str, str] = {}
    for item in known:
        ids.setdefault(str(item).casefold(), str(item))
    key = value.strip().casefold()
    found = _nearest(key, ids, limit)
    if names:
        by_name = {str(n).casefold(): i for i, n in names.items() if str(i).casefold() in ids}
        found += _nearest(key, by_name, limit)
    return list(dict.fromkeys(found))[:limit]


def did_you_mean(
    value: str,
    known: Iterable[Any],
    limit: int = MAX_SUGGESTIONS,
    names: Mapping[str, str] | None = None,
) -> str:
    """``"did you mean A, B or C?"`` for the ids nearest `value` (each with its name where
    `names` gives one), or ``""`` when none is near."""
    matches = [
        f"{m} ({names[m]})" if names and names.get(m) else m
        for m in close_matches(value, known, limit, names)
    ]
    if not matches:
        return ""
    if len(matches) == 1:
        return f"did you mean {matches[0]}?"
    return f"did you mean {', '.join(matches[:-1])} or {matches[-1]}?"
