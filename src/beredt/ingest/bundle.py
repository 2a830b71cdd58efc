"""Read, validate and write the dataset bundle folder (DESIGN.md §3, docs/bundle.md).

Reading validates everything before anything is returned and reports *every* problem as
``file:line: column: reason``; writing is canonical, so export → import → export is
byte-identical.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import stat
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import tomli_w

from beredt.domain.bundle import (
    SCHEMA_VERSION,
    Bundle,
    BundleMeta,
    Row,
    Source,
    canonical_csv,
    canonical_rows,
    meta_document,
)
from beredt.domain.enums import StockEntryKind
from beredt.domain.schema import (
    ENTITIES,
    INT64_MAX,
    EntitySpec,
    check_date_range,
    check_text,
)
from beredt.ingest.errors import ImportRejected, Problem

META_FILE = "bundle.toml"
SHARE_TOLERANCE = 1e-9
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def read_bundle(path: str | Path) -> Bundle:
    """Read and validate a bundle folder; raise :class:`ImportRejected` listing every problem."""
    folder = Path(path)
    if not folder.is_dir():
        raise ImportRejected([Problem(str(folder), None, "bundle", "is not a folder")])
    problems: list[Problem] = []
    unreadable: set[str] = set()  # stems of tables that could not be read at all
    meta = _read_meta(folder, problems)
    known = {spec.file for spec in ENTITIES}
    for extra in sorted(p.name for p in folder.glob("*.csv") if p.name not in known):
        problems.append(
            Problem(
                extra,
                None,
                "file",
                f"not a bundle table (expected one of {', '.join(sorted(known))})",
            )
        )
    tables: dict[str, list[Row]] = {}
    lines: dict[str, list[int]] = {}
    rejected: dict[str, list[Row]] = {spec.stem: [] for spec in ENTITIES}
    for spec in ENTITIES:
        file = folder / spec.file
        tables[spec.stem], lines[spec.stem] = [], []
        if not file.exists() and not file.is_symlink():
            if spec.stem == "substances":
                problems.append(
                    Problem(spec.file, None, "file", "missing: a bundle needs substances")
                )
            continue
        if not _plain_file_inside(folder, file, problems):
            unreadable.add(spec.stem)
            continue
        before = len(problems)
        tables[spec.stem], lines[spec.stem] = _read_table(file, spec, problems, rejected[spec.stem])
        if any(p.field in _UNREADABLE or p.reason in _BROKEN_HEADER for p in problems[before:]):
            unreadable.add(spec.stem)
    # A file that could not be decoded, parsed or read past its header has no reliable keys:
    # rows pointing into it are not reported as dangling, so the report shows the cause, not
    # its echoes.
    _check_keys(tables, lines, problems)
    _check_references(tables, lines, problems, rejected, unreadable)
    _check_rules(tables, lines, problems)
    if problems or meta is None:
        raise ImportRejected(sorted(problems, key=_problem_order), what=f"bundle {folder}")
    return Bundle(meta=meta, tables={s.stem: canonical_rows(s, tables[s.stem]) for s in ENTITIES})


def write_bundle(bundle: Bundle, path: str | Path) -> list[Path]:
    """Write `bundle` as a folder in canonical form; returns the files written."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / META_FILE]
    written[0].write_bytes(tomli_w.dumps(meta_document(bundle.meta)).encode("utf-8"))
    for spec in ENTITIES:
        target = folder / spec.file
        target.write_bytes(canonical_csv(spec, bundle.rows(spec.stem)).encode("utf-8"))
        written.append(target)
    return written


def validate_tables(
    tables: dict[str, list[Row]],
    lines: dict[str, list[int]] | None = None,
) -> list[Problem]:
    """Cross-row checks of parsed tables (keys, references, rules); every problem, sorted.

    `lines` gives each row's line number (default: its position, 1-based, as a record number);
    """
    full = {spec.stem: list(tables.get(spec.stem, [])) for spec in ENTITIES}
    numbers = {
        stem: (lines or {}).get(stem) or list(range(1, len(rows) + 1))
        for stem, rows in full.items()
    }
    problems: list[Problem] = []
    _check_keys(full, numbers, problems)
    _check_references(full, numbers, problems)
    _check_rules(full, numbers, problems)
    return sorted(problems, key=_problem_order)


_FILE_ORDER = {spec.file: i for i, spec in enumerate(ENTITIES)} | {META_FILE: -1}
#: Problems after which a table's rows cannot be read (its keys are unknown, not absent).
_UNREADABLE = frozenset({"encoding", "csv", "header", "file"})
_EMPTY_FILE = "the file is empty (a header line is needed)"
_DUPLICATE_COLUMN = "column appears more than once"
_MISSING_COLUMN = "required column is missing"
_BROKEN_HEADER = frozenset({_EMPTY_FILE, _DUPLICATE_COLUMN, _MISSING_COLUMN})


def _plain_file_inside(folder: Path, file: Path, problems: list[Problem]) -> bool:
    """True when `file` is a regular file in `folder` (a link is followed only inside it)."""
    try:
        target = file.resolve(strict=True)
        info = target.stat()
    except (OSError, RuntimeError) as exc:  # a dangling or looping link
        problems.append(Problem(file.name, None, "file", f"cannot be read ({exc})"))
        return False
    if file.is_symlink() and not target.is_relative_to(folder.resolve()):
        problems.append(
            Problem(
                file.name,
                None,
                "file",
                "is a symbolic link to a file outside the bundle folder: copy the file in",
            )
        )
        return False
    if not stat.S_ISREG(info.st_mode):
        problems.append(
            Problem(file.name, None, "file", "is not a regular file (a folder, pipe or device)")
        )
        return False
    return True


def _problem_order(p: Problem) -> tuple[int, str, int, str, str]:
    return (_FILE_ORDER.get(p.file, 99), p.file, p.line or 0, p.field, p.reason)


def _key_line(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
    return None


def _read_meta(folder: Path, problems: list[Problem]) -> BundleMeta | None:
    file = folder / META_FILE
    if not file.exists() and not file.is_symlink():
        problems.append(Problem(META_FILE, None, "file", "missing: a bundle needs bundle.toml"))
        return None
    if not _plain_file_inside(folder, file, problems):
        return None
    try:
        # A byte-order mark (Windows editors add one) is not part of the TOML.
        text = file.read_bytes().decode("utf-8-sig")
        doc = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        problems.append(Problem(META_FILE, None, "encoding", f"not UTF-8 ({exc.reason})"))
        return None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        problems.append(Problem(META_FILE, line, "toml", str(exc).split(" (at line")[0]))
        return None
    before = len(problems)

    def bad(key: str, reason: str) -> None:
        problems.append(Problem(META_FILE, _key_line(text, key), key, reason))

    version = doc.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        bad("schema_version", f"{version!r} is not supported (this version reads {SCHEMA_VERSION})")
    for key in ("country", "currency", "as_of"):
        if key not in doc:
            problems.append(Problem(META_FILE, None, key, "required value is missing"))
    country, currency, as_of = doc.get("country"), doc.get("currency"), doc.get("as_of")
    if country is not None and not (
        isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)
    ):
        bad("country", f"{country!r} is not a two-letter country code")
    if currency is not None and not (isinstance(currency, str) and _CURRENCY.fullmatch(currency)):
        bad("currency", f"{currency!r} is not a three-letter currency code (ISO 4217)")
    if as_of is not None and not (
        isinstance(as_of, dt.date) and not isinstance(as_of, dt.datetime)
    ):
        bad("as_of", f"{as_of!r} is not a date (write it unquoted: as_of = 2026-11-01)")
    elif as_of is not None:
        try:
            check_date_range(as_of, "as-of date")
        except ValueError as exc:
            bad("as_of", str(exc))
    population = doc.get("population")
    if population is not None and (
        not isinstance(population, int)
        or isinstance(population, bool)
        or not 0 < population <= INT64_MAX
    ):
        bad("population", f"{population!r} is not a positive whole number (of 64 bits)")
    title = doc.get("title", "")
    if not isinstance(title, str):
        bad("title", f"{title!r} is not text")
    title_nb = doc.get("title_nb", "")
    if not isinstance(title_nb, str):
        bad("title_nb", f"{title_nb!r} is not text")
    sources = []
    for entry in doc.get("sources", []):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            bad("sources", "each [[sources]] entry needs a name")
            continue
        if any(v is not None and not isinstance(v, str) for v in entry.values()):
            bad("sources", "the name, url and note of a [[sources]] entry are text")
            continue
        unknown_keys = sorted(set(entry) - {"name", "url", "note", "note_nb"})
        if unknown_keys:
            bad("sources", f"unknown key {unknown_keys[0]!r} (name, url, note, note_nb)")
            continue
        sources.append(
            Source(entry["name"], entry.get("url"), entry.get("note"), entry.get("note_nb"))
        )
    for key, value in [
        ("title", title),
        ("title_nb", title_nb),
        *(("sources", s) for x in sources for s in vars(x).values()),
    ]:
        if isinstance(value, str):
            try:
                check_text(value)
            except ValueError as exc:
                bad(key, str(exc))
    unknown = set(doc) - {
        "schema_version",
        "title",
        "title_nb",
        "country",
        "currency",
        "as_of",
        "population",
        "illustrative",
        "sources",
    }
    for key in sorted(unknown):
        bad(key, "unknown setting")
    if len(problems) > before:
        return None
    return BundleMeta(
        country=str(country),
        currency=str(currency),
        as_of=as_of,  # type: ignore[arg-type]
        title=str(title),
        title_nb=str(title_nb),
        schema_version=int(version),
        population=population,
        illustrative=bool(doc.get("illustrative", False)),
        sources=tuple(sources),
    )


def _records(file: Path, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of each CSV record, header included."""
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = file.read_bytes()[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(file.name, line, "encoding", f"not UTF-8 ({exc.reason} at byte {exc.start})")
        )
        return
    # Lines end at \n (and \r\n, \r) only: str.splitlines would also cut quoted cells at
    # \x0b, \x1c, \x85, \u2028 … and break a round trip of text holding them.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(file.name, reader.line_num, "csv", str(exc)))


def _read_table(
    file: Path, spec: EntitySpec, problems: list[Problem], rejected: list[Row] | None = None
) -> tuple[list[Row], list[int]]:
    """Valid rows and their line numbers; rows with bad cells go to `rejected` (bad cells None).

    Rejected rows still count as *existing* for reference checks, so one bad cell is reported
    once rather than again as a dangling reference from every row that points to it.
    """
    rows: list[Row] = []
    lines: list[int] = []
    rejected = rejected if rejected is not None else []
    records = _records(file, problems)
    known = len(problems)
    first = next(records, None)
    if first is None:
        if len(problems) > known:  # undecodable: already reported
            return rows, lines
        problems.append(Problem(spec.file, 1, "header", _EMPTY_FILE))
        return rows, lines
    header = [h.strip() for h in first[1]]
    declared = set(spec.column_names)
    for name in header:
        if name not in declared:
            problems.append(Problem(spec.file, 1, name or "(empty)", "unknown column"))
    duplicated = sorted({h for h in header if header.count(h) > 1})
    for name in duplicated:
        problems.append(Problem(spec.file, 1, name, _DUPLICATE_COLUMN))
    missing = [c.name for c in spec.columns if c.required and c.name not in header]
    for name in missing:
        problems.append(Problem(spec.file, 1, name, _MISSING_COLUMN))
    positions = {name: i for i, name in enumerate(header) if name in declared}
    if duplicated or missing:
        # The rows cannot be read unambiguously, and every one would repeat the header's problem.
        return rows, lines
    for line, cells in records:
        if not cells or all(not c.strip() for c in cells):
            continue  # blank line
        if len(cells) != len(header):
            problems.append(
                Problem(
                    spec.file, line, "row", f"has {len(cells)} fields, the header has {len(header)}"
                )
            )
            rejected.append(_salvage(spec, positions, cells))
            continue
        row: Row = {}
        ok = True
        for column in spec.columns:
            cell = cells[positions[column.name]] if column.name in positions else ""
            try:
                row[column.name] = column.parse(cell)
            except ValueError as exc:
                problems.append(Problem(spec.file, line, column.name, str(exc)))
                ok = False
        if ok:
            rows.append(row)
            lines.append(line)
        else:
            rejected.append(_salvage(spec, positions, cells))
    return rows, lines


def _salvage(spec: EntitySpec, positions: dict[str, int], cells: list[str]) -> Row:
    """The readable cells of a rejected row (others None), for reference checks only."""
    row: Row = {}
    for column in spec.columns:
        index = positions.get(column.name)
        try:
            row[column.name] = column.parse(cells[index]) if index is not None else None
        except (ValueError, IndexError):
            row[column.name] = None
    return row


def _check_keys(
    tables: dict[str, list[Row]], lines: dict[str, list[int]], problems: list[Problem]
) -> None:
    for spec in ENTITIES:
        seen: dict[tuple[Any, ...], int] = {}
        for row, line in zip(tables[spec.stem], lines[spec.stem], strict=True):
            key = tuple(row[k] for k in spec.key)
            if key in seen:
                shown = ", ".join(
                    spec.column(k).format(v) for k, v in zip(spec.key, key, strict=True)
                )
                problems.append(
                    Problem(
                        spec.file,
                        line,
                        "+".join(spec.key),
                        f"duplicate key {shown} (first on line {seen[key]})",
                    )
                )
            else:
                seen[key] = line


def _check_references(
    tables: dict[str, list[Row]],
    lines: dict[str, list[int]],
    problems: list[Problem],
    rejected: dict[str, list[Row]] | None = None,
    unreadable: set[str] | None = None,
) -> None:
    keys: dict[str, set[Any]] = defaultdict(set)
    for spec in ENTITIES:
        for column in spec.columns:
            if column.ref:
                stem, target = column.ref.split(".")
                if not keys[column.ref]:
                    rows = [*tables.get(stem, []), *(rejected or {}).get(stem, [])]
                    keys[column.ref] = {row[target] for row in rows}
    for spec in ENTITIES:
        for column in spec.columns:
            if not column.ref:
                continue
            stem, _ = column.ref.split(".")
            if stem in (unreadable or set()):
                continue
            for row, line in zip(tables[spec.stem], lines[spec.stem], strict=True):
                value = row[column.name]
                if value is not None and value not in keys[column.ref]:
                    problems.append(
                        Problem(
                            spec.file,
                            line,
                            column.name,
                            f"unknown {column.ref} {value!r} (not in {stem}.csv)",
                        )
                    )


def _check_rules(
    tables: dict[str, list[Row]], lines: dict[str, list[int]], problems: list[Problem]
) -> None:
    def each(stem: str) -> Iterator[tuple[Row, int]]:
        yield from zip(tables[stem], lines[stem], strict=True)

    # Market shares of one substance's products cannot exceed the whole market.
    share_sum: dict[str, float] = defaultdict(float)
    share_lines: dict[str, list[int]] = defaultdict(list)
    for row, line in each("products"):
        share_sum[row["atc_code"]] += row["market_share"]
        share_lines[row["atc_code"]].append(line)
    for atc, total in share_sum.items():
        if total > 1 + SHARE_TOLERANCE:
            where = ", ".join(str(n) for n in share_lines[atc])
            problems.append(
                Problem(
                    "products.csv",
                    share_lines[atc][-1],
                    "market_share",
                    f"shares of {atc} sum to {total:.6g} (> 1) on lines {where}",
                )
            )
    for row, line in each("stock"):
        if row["kind"] == StockEntryKind.COUNT and row["packs"] < 0:
            problems.append(
                Problem("stock.csv", line, "packs", f"negative quantity {row['packs']} in a count")
            )
        if row["kind"] == StockEntryKind.MOVEMENT and row["packs"] == 0:
            problems.append(Problem("stock.csv", line, "packs", "a movement of 0 packs"))
    product_atc = {row["product_id"]: row["atc_code"] for row in tables["products"]}
    for row, line in each("shortages"):
        for column in ("end_date", "expected_end_date"):
            if row[column] is not None and row[column] < row["start_date"]:
                problems.append(Problem("shortages.csv", line, column, "is before start_date"))
        pid = row["product_id"]
        if pid is not None and pid in product_atc and product_atc[pid] != row["atc_code"]:
            problems.append(
                Problem(
                    "shortages.csv",
                    line,
                    "product_id",
                    f"{pid} is a pack of {product_atc[pid]}, not {row['atc_code']}",
                )
            )
    capabilities = {(row["line_id"], row["atc_code"]) for row in tables["capabilities"]}
    for stem in ("offers", "agreements"):
        for row, line in each(stem):
            if (row["line_id"], row["atc_code"]) not in capabilities:
                problems.append(
                    Problem(
                        f"{stem}.csv",
                        line,
                        "atc_code",
                        f"line {row['line_id']} has no capability for {row['atc_code']} in capabilities.csv",
                    )
                )
            if row["valid_from"] and row["valid_until"] and row["valid_until"] < row["valid_from"]:
                problems.append(Problem(f"{stem}.csv", line, "valid_until", "is before valid_from"))
    _check_investments(tables, each, problems)


def _check_investments(
    tables: dict[str, list[Row]],
    each: Callable[[str], Iterator[tuple[Row, int]]],
    problems: list[Problem],
) -> None:
    """An investment has substances whose normal sales fit its line; its offer is for one of
    them (and on its line, where it names one)."""
    load: dict[str, float] = defaultdict(float)
    made: dict[str, set[str]] = defaultdict(set)
    last_line: dict[str, int] = {}
    for row, line in each("investment_substances"):
        iid = row["investment_id"]
        made[iid].add(row["atc_code"])
        sales = row["domestic_ddd_per_day"] + row["export_ddd_per_day"]
        load[iid] += sales / row["capacity_ddd_per_day"]
        last_line[iid] = line
    for iid, total in load.items():
        if total > 1 + SHARE_TOLERANCE:
            problems.append(
                Problem(
                    "investment_substances.csv",
                    last_line[iid],
                    "domestic_ddd_per_day",
                    f"normal sales of investment {iid} load its line to {total:.3g} (> 1): "
                    "Σ (domestic + export) / capacity must be at most 1",
                )
            )
    offers = {row["offer_id"]: row for row in tables["offers"]}
    for row, line in each("investments"):
        iid = row["investment_id"]
        if iid not in made:
            problems.append(
                Problem(
                    "investments.csv",
                    line,
                    "investment_id",
                    f"{iid} has no substance in investment_substances.csv",
                )
            )
        offer = offers.get(row["offer_id"]) if row["offer_id"] else None
        if offer is None:
            continue
        if iid in made and offer["atc_code"] not in made[iid]:
            problems.append(
                Problem(
                    "investments.csv",
                    line,
                    "offer_id",
                    f"offer {offer['offer_id']} is for {offer['atc_code']}, which investment "
                    f"{iid} does not make (investment_substances.csv)",
                )
            )
        if row["line_id"] and offer["line_id"] != row["line_id"]:
            problems.append(
                Problem(
                    "investments.csv",
                    line,
                    "offer_id",
                    f"offer {offer['offer_id']} is on line {offer['line_id']}, "
                    f"not on the investment's line {row['line_id']}",
                )
            )
