"""The report's tables as an Excel workbook (openpyxl): a sheet per section, and one per table.

A section's sheet holds its title and texts in the chosen language, its key figures (a named
table ``T_<section>_kpis``: figure, value, detail, and the machine key last) and its PNG charts.
Every table then has a sheet of its own — named after the section and numbered, its title on
top — as a named Excel table (``T_<section>_<table>``, with filter buttons) whose header row is
frozen, headers carrying their unit, codes in the reader's language, numbers with number
formats. Values equal those in ``results.json``; a missing value is an empty cell.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table as XlTable
from openpyxl.worksheet.table import TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from beredt.views.fmt import format_value
from beredt.views.i18n import column_label, section_title, sheet_name, t
from beredt.views.model import Column, Report, Section, Table
from beredt.views.safe_cells import harden_workbook

#: Excel number formats per value kind.
NUMBER_FORMATS: dict[str, str] = {
    "int": "#,##0",
    "ddd": "#,##0",
    "money": "#,##0",
    "float": "#,##0.00",
    "float1": "#,##0.0",
    "float2": "#,##0.00",
    "float3": "0.000",
    "days": "#,##0.0",
    "score": "0.0",
    "pct": "0.0%",
    "year": "0",
}
_TITLE = Font(bold=True, size=14, color="1F4E79")
_SUBTITLE = Font(bold=True, size=11)
_NOTE = Font(italic=True, color="5B6776")
_WARN = Font(italic=True, color="9C2A00")
_HEAD_FILL = PatternFill("solid", fgColor="EEF2F6")


def table_name(section_key: str, table_key: str) -> str:
    """The Excel table's display name (unique in the workbook, letters, digits, underscores)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", f"T_{section_key}_{table_key}")


def _cell_value(value: Any, kind: str = "", lang: str = "en") -> Any:
    if value is None:
        return ""
    if kind in ("code", "i18n"):
        return format_value(value, kind, lang)
    return value


def unit_of(kind: str, lang: str, currency: str) -> str:
    """The unit a column of this kind is in, for its header ("" when the format says it)."""
    if kind == "money":
        return currency
    if kind == "ddd":
        return "DDD"
    if kind == "days":
        return "dager" if lang == "nb" else "days"
    return ""


def _unique_headers(table: Table, lang: str, currency: str = "NOK") -> list[str]:
    seen: set[str] = set()
    headers = []
    for column in table.columns:
        label = column.header[lang].strip() or column.key
        unit = unit_of(column.kind, lang, currency)
        if unit and unit.lower() not in label.lower():
            label = f"{label} ({unit})"
        if label in seen:
            label = f"{label} ({column.key})"
        seen.add(label)
        headers.append(label)
    return headers


def _write_table(
    ws: Worksheet,
    row: int,
    section: Section,
    table: Table,
    lang: str,
    currency: str = "NOK",
    *,
    titled: bool = True,
) -> int:
    if titled:
        ws.cell(row=row, column=1, value=table.title[lang]).font = _SUBTITLE
        row += 1
    if table.note:
        ws.cell(row=row, column=1, value=table.note[lang]).font = _NOTE
        row += 1
    headers = _unique_headers(table, lang, currency)
    for j, label in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=j, value=label)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
    header_row = row
    for values in table.rows:
        row += 1
        for j, column in enumerate(table.columns, start=1):
            cell = ws.cell(
                row=row, column=j, value=_cell_value(values[column.key], column.kind, lang)
            )
            fmt = NUMBER_FORMATS.get(column.kind)
            if fmt:
                cell.number_format = fmt
    if table.rows:
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        ref = f"A{header_row}:{get_column_letter(len(headers))}{row}"
        xl_table = XlTable(displayName=table_name(section.key, table.key), ref=ref)
        xl_table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        ws.add_table(xl_table)
    else:
        row += 1
        ws.cell(row=row, column=1, value=t("empty_table")[lang]).font = _NOTE
    return row + 2


def _write_kpis(ws: Worksheet, row: int, section: Section, lang: str) -> int:
    """Key figures as a named table ``T_<section>_kpis``: figure, value, detail, key."""
    headers = [
        column_label("figure")[lang],
        column_label("value")[lang],
        column_label("detail")[lang],
        column_label("key")[lang],
    ]
    for j, label in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=j, value=label)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
    first = row
    for kpi in section.kpis:
        row += 1
        ws.cell(row=row, column=1, value=kpi.label[lang])
        cell = ws.cell(row=row, column=2, value=_cell_value(kpi.value, kpi.kind, lang))
        fmt = NUMBER_FORMATS.get(kpi.kind)
        if fmt:
            cell.number_format = fmt
        ws.cell(row=row, column=3, value=kpi.detail[lang] if kpi.detail else "")
        ws.cell(row=row, column=4, value=kpi.key)
    xl_table = XlTable(displayName=table_name(section.key, "kpis"), ref=f"A{first}:D{row}")
    xl_table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(xl_table)
    return row + 2


def _write_section(ws: Worksheet, section: Section, lang: str, currency: str = "NOK") -> None:
    ws.cell(row=1, column=1, value=section_title(section.key)[lang]).font = _TITLE
    row = 3
    if not section.available:
        reason = section.reason or ""
        text = t("not_available_reason", reason={"nb": reason, "en": reason})[lang]
        ws.cell(row=row, column=1, value=text).font = _WARN
        return
    for paragraph in section.paragraphs:
        cell = ws.cell(row=row, column=1, value=paragraph[lang])
        cell.alignment = Alignment(wrap_text=False)
        row += 1
    if section.paragraphs:
        row += 1
    if section.kpis:
        row = _write_kpis(ws, row, section, lang)
        ws.column_dimensions["A"].width = 60
        ws.column_dimensions["C"].width = 40
    for j, table in enumerate(section.tables, start=1):
        sheet = ws.parent.create_sheet(f"{sheet_name(section.key, lang)[:26]} {j}")
        _write_table(sheet, 1, section, table, lang, currency)
        for c in range(1, len(table.columns) + 1):
            sheet.column_dimensions[get_column_letter(c)].width = 16 if c > 1 else 22
        row += 1
        ws.cell(row=row, column=1, value=f"→ {sheet.title}: {table.title[lang]}")
    widest = 4
    anchor_row = 3
    for figure in section.figures:
        if figure.png is None:
            continue
        image = XlImage(io.BytesIO(figure.png[lang]))
        ws.add_image(image, f"{get_column_letter(widest + 2)}{anchor_row}")
        anchor_row += max(20, int(image.height / 20) + 2)


def frame_table(key: str, frame: pd.DataFrame, lang: str = "en") -> Table:
    """A data frame as a report table: each column's kind from its dtype, its header from the
    report's column labels where it has one (else the column's name)."""
    columns = []
    for name in frame.columns:
        dtype = frame[name].dtype
        if pd.api.types.is_bool_dtype(dtype):
            kind = "bool"
        elif pd.api.types.is_integer_dtype(dtype):
            kind = "int"
        elif pd.api.types.is_numeric_dtype(dtype):
            kind = "float"
        else:
            kind = "text"
        label = column_label(str(name))
        header = label if label[lang] != str(name) else {"nb": str(name), "en": str(name)}
        columns.append(Column(str(name), kind, header))
    return Table.from_frame(key, {"nb": key, "en": key}, frame, columns)


def about_sheet(result: Any, *extra: tuple[str, str]) -> pd.DataFrame:
    """The ``about`` sheet of a command's workbook: `result`'s provenance (each parameter on its
    own row), currency, the `extra` rows and the notes, as (item, value) rows."""
    from beredt.results import to_jsonable

    prov = to_jsonable(result.provenance)
    return pd.DataFrame(
        [
            *[(k, str(v)) for k, v in prov.items() if k != "parameters"],
            *[(f"parameter {k}", str(v)) for k, v in prov["parameters"].items()],
            ("currency", result.currency),
            *extra,
            *[("note", n) for n in result.notes],
        ],
        columns=["item", "value"],
    )


def write_tables(sheets: dict[str, pd.DataFrame], path: Path, lang: str = "en") -> Path:
    """A workbook of plain tables, one sheet each (the command line's ``--xlsx``): written as the
    report's tables are — header frozen, a named Excel table, number formats, text kept text."""
    workbook = Workbook()
    default = workbook.active
    for name, frame in sheets.items():
        ws = workbook.create_sheet(name[:31])
        section = Section(re.sub(r"[^A-Za-z0-9_]", "_", name))
        table = frame_table(name, frame, lang)
        _write_table(ws, 1, section, table, lang, titled=False)
        for c in range(1, len(table.columns) + 1):
            ws.column_dimensions[get_column_letter(c)].width = 16 if c > 1 else 22
    if default is not None:
        workbook.remove(default)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.properties.creator = "Beredt"
    harden_workbook(workbook)
    workbook.save(path)
    return path


def write_workbook(report: Report, path: Path, lang: str) -> Path:
    """Write the workbook: one sheet per section, in report order."""
    workbook = Workbook()
    default = workbook.active
    for section in report.sections:
        ws = workbook.create_sheet(sheet_name(section.key, lang))
        _write_section(ws, section, lang, str(report.meta.get("currency") or "NOK"))
    if default is not None:
        workbook.remove(default)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.properties.creator = "Beredt"
    harden_workbook(workbook)  # names and titles from data are text, never formulas
    workbook.save(path)
    return path
