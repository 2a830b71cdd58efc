"""Spreadsheet cells that stay data: text a spreadsheet would run as a formula is written as text.

Excel, LibreOffice and Google Sheets read a cell that begins with ``=``, ``+``, ``-`` or ``@``
as a formula, and some skip a leading tab or carriage return first; supplier names and notice
titles reach our spreadsheets from public files, so ``=cmd|' /C calc'!A0`` (a DDE payload)
would run on the reader's machine. Following the OWASP guidance on CSV injection
(https://owasp.org/www-community/attacks/CSV_Injection), such text is written as text: in CSV
with a leading ``'`` (which spreadsheets hide), in xlsx as a string cell with the quote prefix
set (shown as written, and kept as text when edited). Numbers stay numbers: ``-5`` the number is
untouched, ``"-5"`` the text is quoted like any other text.

Every writer of xlsx or CSV output uses this module: :func:`harden_workbook` before saving a
workbook (openpyxl directly or through pandas), :func:`safe_frame` before ``DataFrame.to_csv``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl.workbook.workbook import Workbook

#: First characters that make a spreadsheet read text as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    """True for text a spreadsheet would take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """`value` for a CSV file: formula-like text behind a ``'``, anything else unchanged."""
    return "'" + value if is_formula_like(value) else value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` to write as CSV: formula-like text quoted, numbers as they are."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(csv_cell)
    safe.columns = [csv_cell(c) for c in safe.columns]
    return safe


def harden_workbook(workbook: Workbook) -> int:
    """Make every formula-like cell of `workbook` a text cell; returns how many were changed.

    Beredt writes no formulas, so every formula cell came from data: each becomes a string
    cell with the quote prefix, as does formula-like text openpyxl already stores as a string.
    """
    changed = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (cell.data_type == "s" and is_formula_like(cell.value)):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                    changed += 1
    return changed
