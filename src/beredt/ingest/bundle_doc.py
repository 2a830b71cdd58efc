"""Generate ``docs/bundle.md`` from the entity declarations, so the docs cannot drift.

Run ``python -m beredt.ingest.bundle_doc docs/bundle.md`` after changing an entity; a test fails
while the committed file differs from what this renders.
"""

from __future__ import annotations

import sys
from pathlib import Path

import beredt.domain.entities  # noqa: F401  (registers the entity declarations)
from beredt.domain.bundle import SCHEMA_VERSION
from beredt.domain.schema import (
    EARLIEST_DATE,
    ENTITIES,
    INT64_MAX,
    INT64_MIN,
    LATEST_DATE,
    Column,
    EntitySpec,
)

_INTRO = f"""# The dataset bundle (schema version {SCHEMA_VERSION})

A bundle is a folder holding `bundle.toml` and one CSV file per entity. It is Beredt's public
interchange format: `beredt import bundle FOLDER` loads it into the store (all or nothing) and
`beredt export bundle FOLDER` writes the stored dataset back; export → import → export gives
byte-identical files. This page is generated from the entity declarations in
`src/beredt/domain/entities.py` (`python -m beredt.ingest.bundle_doc docs/bundle.md`): the
validator, the export column order and this page come from the same declaration.

## Conventions

* **Files**: plain files in the bundle folder (a symbolic link is followed only to a file inside
  the folder); `bundle.toml` and the CSV files are UTF-8, a byte-order mark is accepted.
* **CSV**: comma-separated, one header line with the column names, `"` quoting where a cell
  contains a comma, a quote or a line break. Column order is free on import; export writes the
  order below. Unknown columns, unknown files and missing required columns are errors. Rows are
  sorted by their key on export.
* **Text**: any Unicode text except the NUL character (no database stores it).
* **Empty cell** = the column's default (or *missing* where the column is required).
* **Numbers**: `.` as decimal separator, no thousands separators; integers for whole-number
  columns (packs are whole packs, so sums are exact), read exactly (never through a
  floating-point number) and stored as 64-bit integers, so from {INT64_MIN} to {INT64_MAX}.
* **Dates**: ISO `YYYY-MM-DD` exactly (not `20261001` or `2026-W40-1`), from
  {EARLIEST_DATE} to {LATEST_DATE}, the same range every importer accepts: a date outside it is
  a typing error. **Booleans**: `true`/`false` (also `yes`/`no`, `ja`/`nei`, `1`/`0`).
  **Lists**: items separated by `;`.
* **Codes**: ATC codes as in the WHO ATC index (`N02BE01`; a substance is ATC level 5);
  countries as ISO 3166-1 alpha-2 (`NO`, `IN`); commodity codes as digits (`30049000`).
* **Units**: quantities of medicine are in DDD (WHO defined daily doses; 1 DDD ≈ one
  patient-day of treatment), stock in packs, money in the bundle's currency (`currency` in
  `bundle.toml`), durations in days, hazards in events per year.
* **References**: a column marked *→ file.column* must hold a value present in that column.
* **Errors**: every problem is reported as `file:line: column: reason`, all of them at once, and
  nothing is written.

## `bundle.toml`

| key | required | meaning |
|---|---|---|
| `schema_version` | yes | `{SCHEMA_VERSION}` |
| `country` | yes | the country the bundle describes (ISO 3166-1 alpha-2) |
| `currency` | yes | currency of every money figure (ISO 4217, e.g. `NOK`) |
| `as_of` | yes | the date the data describes, unquoted TOML date (`as_of = 2026-11-01`), in the range of every date |
| `title` | no | a title shown in reports |
| `title_nb` | no | the title in bokmål (reports in bokmål show it; default: `title`) |
| `population` | no | inhabitants, for per-capita figures |
| `illustrative` | no | `true` when companies, stock or capacities are made up (shown in reports) |
| `[[sources]]` | no | cited sources: `name`, optional `url`, `note` and `note_nb` (the note in bokmål) |

## Files
"""


def _constraints(column: Column) -> str:
    parts = []
    if column.ge is not None:
        parts.append(f"≥ {column.ge:g}")
    if column.gt is not None:
        parts.append(f"> {column.gt:g}")
    if column.le is not None:
        parts.append(f"≤ {column.le:g}")
    if column.choices and column.py_type is str:
        parts.append("one of " + ", ".join(f"`{c}`" for c in column.choices))
    if column.ref:
        stem, target = column.ref.split(".")
        parts.append(f"→ `{stem}.csv` `{target}`")
    return "; ".join(parts)


def _default(column: Column) -> str:
    if column.required:
        return "required"
    if column.default is None or column.default == ():
        return "empty"
    return f"`{column.format(column.default)}`"


def _entity_section(spec: EntitySpec) -> str:
    doc_lines = [line.strip() for line in spec.doc.splitlines()]
    doc = " ".join(line for line in doc_lines if line)
    key = ", ".join(f"`{k}`" for k in spec.key)
    lines = [
        f"### `{spec.file}` — {spec.name}",
        "",
        doc,
        "",
        f"Key: {key} (unique per row).",
        "",
        "| column | type | unit | default | constraints | meaning | example |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in spec.columns:
        example = f"`{c.example}`" if c.example else ""
        meaning = c.doc.replace("|", "\\|")
        lines.append(
            f"| `{c.name}` | {c.type_name} | {c.unit or ''} | {_default(c)} | "
            f"{_constraints(c)} | {meaning} | {example} |"
        )
    return "\n".join(lines) + "\n"


_RULES = """
## Rules across rows

* Keys are unique within a file; references point to existing rows.
* The market shares of one substance's products sum to at most 1.
* A stock `count` is ≥ 0; a `movement` is not 0. A position on a date is the last count on or
  before it plus the movements after that count (a count and movements on the same date: the
  count first).
* A shortage notice's `end_date` and `expected_end_date` are not before its `start_date`; a
  notice about one product names a pack of the notice's substance.
* An offer or agreement needs a capability of its line for its substance (`capabilities.csv`);
  `valid_until` is not before `valid_from`.
* An investment has at least one substance (`investment_substances.csv`); its normal sales fit
  its line: Σ (`domestic_ddd_per_day` + `export_ddd_per_day`) / `capacity_ddd_per_day` ≤ 1. An
  investment's offer is for one of its substances and, where the investment names a line, on
  that line.
* `substances.csv` is required; every other file may be absent (an empty table).
"""


def render_bundle_doc() -> str:
    """The text of ``docs/bundle.md``."""
    sections = [_entity_section(spec) for spec in ENTITIES]
    return _INTRO + "\n" + "\n".join(sections) + _RULES


def main(argv: list[str] | None = None) -> None:
    """Write the generated page to the path given, or to stdout."""
    args = sys.argv[1:] if argv is None else argv
    text = render_bundle_doc()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
