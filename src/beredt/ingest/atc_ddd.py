"""The WHO ATC/DDD index as commonly distributed (CSV) → substances' defined daily doses.

Format: CSV ``atc_code,atc_name,ddd,uom,adm_r,note``; one row per code and route of
administration, so a code repeats when WHO sets a DDD per route (morphine: O 100 mg, P 30 mg,
R 30 mg); ``NA`` (or empty) where there is no value; the level follows from the code's length
(1/3/4/5/7 characters). Source: WHO Collaborating Centre for Drug Statistics Methodology, ATC/DDD
Index. The index is copyrighted: the project ships no copy; this imports the user's file.

Mapping (docs/importers.md): level-5 rows only. A stored substance gets WHO's DDD for the route
its products use most (``products.route``), else the first of the preferred routes (``O``, then
``P``), else the first listed; its name and criticality are kept. A code WHO gives no DDD keeps its
stored (assumed) DDD. With ``add_new``, codes the store lacks become substances (WHO name,
criticality ``other``). Stored substances the file lacks are listed as unmatched.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from beredt.domain.bundle import Bundle, Row
from beredt.domain.enums import DddSource
from beredt.ingest.errors import ImportRejected, Problem
from beredt.ingest.sources import (
    SourceImport,
    csv_header,
    csv_records,
    parse_atc,
    parse_number,
    read_text,
)

SOURCE = "WHO ATC/DDD"
COLUMNS = ("atc_code", "atc_name", "ddd", "uom", "adm_r", "note")
MISSING = frozenset({"", "na", "n/a", "null"})
MAX_DDD = 1e6
DEFAULT_ROUTES = ("O", "P")
#: WHO units → the units of substances.csv (others, e.g. unit doses of combinations, are skipped).
UNITS = {
    "g": "g",
    "mg": "mg",
    "mcg": "mcg",
    "µg": "mcg",
    "ug": "mcg",
    "u": "U",
    "tu": "TU",
    "mu": "MU",
    "mmol": "mmol",
    "ml": "ml",
    "tablet": "tablet",
    "dose": "dose",
}


@dataclass(frozen=True)
class WhoDdd:
    """One route's DDD of an ATC level-5 code."""

    line: int
    name: str
    ddd: float | None
    unit: str | None  # WHO's unit as written
    route: str | None
    note: str | None

    def describe(self) -> str:
        """``100 mg O`` — the DDD as WHO writes it."""
        value = f"{self.ddd:g}" if self.ddd is not None else "NA"
        return f"{value} {self.unit or ''} {self.route or ''}".replace("  ", " ").strip()


def read_who_index(
    path: str | Path, encoding: str = "utf-8"
) -> tuple[str, dict[str, list[WhoDdd]], int]:
    """(file name, level-5 code → its rows in file order, rows read) of a WHO ATC/DDD CSV.

    Raises :class:`ImportRejected` listing every problem (``file:line: field: reason``).
    """
    file = Path(path)
    text = read_text(file, encoding)
    problems: list[Problem] = []
    header = csv_header(text)
    lowered = [h.lower() for h in header]
    for column in COLUMNS:
        if column not in lowered:
            problems.append(Problem(file.name, 1, column, "required column is missing"))
    if problems:
        raise ImportRejected(problems, what=f"WHO ATC/DDD file {file.name}")
    codes: dict[str, list[WhoDdd]] = {}
    rows = 0
    for line, record in csv_records(file, text, problems):
        rows += 1
        cells = {k.lower(): v.strip() for k, v in record.items()}

        def bad(field: str, reason: str, line: int = line) -> None:
            problems.append(Problem(file.name, line, field, reason))

        try:
            code = parse_atc(cells["atc_code"])
        except ValueError as exc:
            bad("atc_code", str(exc) if cells["atc_code"] else "required value is missing")
            continue
        name = cells["atc_name"]
        if name.lower() in MISSING:
            bad("atc_name", "required value is missing")
        ddd = None
        if cells["ddd"].lower() not in MISSING:
            try:
                ddd = parse_number(cells["ddd"], positive=True, maximum=MAX_DDD)
            except ValueError as exc:
                bad("ddd", str(exc))
        unit = None if cells["uom"].lower() in MISSING else cells["uom"]
        if ddd is not None and unit is None:
            bad("uom", f"the DDD {ddd:g} has no unit")
        if ddd is None and unit is not None and cells["ddd"].lower() in ("", *MISSING):
            bad("ddd", f"missing, but the unit {unit!r} is given")
        if ddd is not None and code.level != 5:
            bad(
                "ddd",
                f"{code.code} is a level-{code.level} code: WHO sets DDDs on substances (level 5)",
            )
        if code.level != 5:
            continue
        route = None if cells["adm_r"].lower() in MISSING else cells["adm_r"]
        note = None if cells["note"].lower() in MISSING else cells["note"]
        codes.setdefault(code.code, []).append(WhoDdd(line, name, ddd, unit, route, note))
    if problems:
        raise ImportRejected(problems, what=f"WHO ATC/DDD file {file.name}")
    return file.name, codes, rows


def read_atc_ddd(
    path: str | Path,
    existing: Bundle,
    *,
    add_new: bool = False,
    routes: tuple[str, ...] = DEFAULT_ROUTES,
    encoding: str = "utf-8",
) -> SourceImport:
    """WHO DDDs for the store's substances (and, with `add_new`, new substances for other codes)."""
    name, codes, rows = read_who_index(path, encoding)
    result = SourceImport(SOURCE, name)
    result.records = rows
    product_routes: dict[str, Counter[str]] = {}
    products_of: Counter[str] = Counter()
    for product in existing.rows("products"):
        products_of[product["atc_code"]] += 1
        if product["route"]:
            product_routes.setdefault(product["atc_code"], Counter())[product["route"]] += 1
    stored = {str(r["atc_code"]): r for r in existing.rows("substances")}
    for atc, row in stored.items():
        entries = codes.get(atc)
        if entries is None:
            result.unmatch(None, atc, f"{row['name']}: not in the WHO file")
            continue
        preferred = [r for r, _ in product_routes.get(atc, Counter()).most_common()]
        chosen = _choose(result, atc, entries, (*preferred, *routes))
        if chosen is None:
            if row["ddd_source"] == DddSource.WHO:
                result.warn(entries[0].line, atc, "WHO sets no DDD; the stored DDD is kept")
            continue
        updated = _with_ddd(dict(row), chosen, entries)
        if same_quantity(row["ddd"], row["ddd_unit"], updated["ddd"], updated["ddd_unit"]):
            # 150 mg and 0.15 g are the same dose: keep the stored way of writing it.
            updated.update(ddd=row["ddd"], ddd_unit=row["ddd_unit"])
        else:
            was = f"{row['ddd']:g} {row['ddd_unit']} ({row['ddd_source']})"
            why = f"DDD {was} → {updated['ddd']:g} {updated['ddd_unit']} (WHO)"
            if products_of[atc]:
                why += f"; DDD per pack of its {products_of[atc]} product(s) was computed with the old DDD"
            result.warn(chosen.line, atc, why)
        result.add("substances", updated, chosen.line)
    for atc in sorted(set(codes) - set(stored)):
        entries = codes[atc]
        if not add_new:
            continue
        chosen = _choose(result, atc, entries, routes)
        if chosen is None:
            result.skip(
                entries[0].line,
                atc,
                f"{entries[0].name}: WHO sets no DDD (add it with an assumed DDD)",
            )
            continue
        new: Row = {"atc_code": atc, "name": entries[0].name}
        result.add("substances", _with_ddd(new, chosen, entries), chosen.line)
    return result


#: Units that convert into each other: factor to the group's base unit.
_SCALES = {
    "g": ("mass", 1.0),
    "mg": ("mass", 1e-3),
    "mcg": ("mass", 1e-6),
    "U": ("units", 1.0),
    "TU": ("units", 1e3),
    "MU": ("units", 1e6),
}


def same_quantity(value: float, unit: str, other: float, other_unit: str) -> bool:
    """Whether two doses are equal, converting g/mg/mcg and U/TU/MU (relative tolerance 1e-9)."""
    if unit == other_unit:
        return bool(abs(value - other) <= 1e-9 * max(abs(value), abs(other)))
    if unit not in _SCALES or other_unit not in _SCALES:
        return False
    (group, scale), (other_group, other_scale) = _SCALES[unit], _SCALES[other_unit]
    a, b = value * scale, other * other_scale
    return group == other_group and abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def _choose(
    result: SourceImport, atc: str, entries: list[WhoDdd], routes: tuple[str, ...]
) -> WhoDdd | None:
    """The row whose DDD the substance takes: the first preferred route, else the first with a DDD."""
    usable = []
    for entry in entries:
        if entry.ddd is None or entry.unit is None:
            continue
        if entry.unit.lower() not in UNITS:
            result.skip(
                entry.line,
                atc,
                f"unit {entry.unit!r} is not supported ({', '.join(sorted(set(UNITS.values())))})",
            )
            continue
        usable.append(entry)
    chosen = next(
        (
            entry
            for route in routes
            for entry in usable
            if entry.route and entry.route.lower() == route.lower()
        ),
        usable[0] if usable else None,
    )
    if chosen is not None:
        _warn_conflicts(result, atc, chosen, usable)
    return chosen


def _warn_conflicts(result: SourceImport, atc: str, chosen: WhoDdd, usable: list[WhoDdd]) -> None:
    """Warn when another row of the code and route gives a different DDD (the first is used)."""
    assert chosen.ddd is not None
    assert chosen.unit is not None
    route = (chosen.route or "").lower()
    for other in usable:
        assert other.ddd is not None
        assert other.unit is not None
        if (
            other is not chosen
            and (other.route or "").lower() == route
            and not same_quantity(
                chosen.ddd, UNITS[chosen.unit.lower()], other.ddd, UNITS[other.unit.lower()]
            )
        ):
            result.warn(
                other.line,
                atc,
                f"route {chosen.route or '(none)'} repeats line {chosen.line} with another DDD "
                f"({other.describe()} here, {chosen.describe()} there): line {chosen.line}'s "
                "is used; check which the substance needs",
            )


def _with_ddd(row: Row, chosen: WhoDdd, entries: list[WhoDdd]) -> Row:
    assert chosen.ddd is not None
    assert chosen.unit is not None
    note = f"WHO DDD, route {chosen.route}" if chosen.route else "WHO DDD"
    if chosen.note:
        note += f" ({chosen.note})"
    others = [e.describe() for e in entries if e is not chosen and e.ddd is not None]
    if others:
        note += "; other routes: " + ", ".join(others)
    row.update(
        ddd=chosen.ddd, ddd_unit=UNITS[chosen.unit.lower()], ddd_source=DddSource.WHO, ddd_note=note
    )
    return row
