"""The Norwegian Medical Products Agency's (DMP) shortage list, as CSV or JSON → shortage notices.

Format (the columns of the list as published; CSV with ``;`` or ``,``, or JSON records with the
same keys): ``Legemiddelnavn``, ``Virkestoff(er)``, ``ATC-kode``, ``Meldingsdato``,
``Mangelperiode fra``, ``Mangelperiode til``, ``Årsak``, ``Status``, ``Firma``, ``Varenummer``.
Dates ``DD.MM.YYYY`` (or ``YYYY-MM-DD``); headers match without regard to case, accents or
punctuation (``ATC kode``, ``Arsak`` and ``Virkestoff`` are accepted).

Mapping (docs/importers.md): one notice per row, keyed ``DMP:<Varenummer>:<Meldingsdato>``;
the substance by ``ATC-kode`` when given, otherwise by the substance name
(``Virkestoff(er)``, then ``Legemiddelnavn``); the pack (``Varenummer``) is linked when the store
knows it as a pack of that substance; the start is ``Mangelperiode fra`` (else the notice date);
``Mangelperiode til`` is the expected end, or the end once resolved; ``Årsak`` is normalised.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from beredt.domain.bundle import Bundle
from beredt.domain.enums import ShortageStatus
from beredt.ingest.errors import ImportRejected, Problem
from beredt.ingest.sources import (
    KeyTracker,
    Match,
    SourceImport,
    SubstanceMatcher,
    csv_header,
    csv_records,
    fold,
    json_records,
    normalise_cause,
    parse_atc,
    parse_date,
    read_text,
    shortage_status,
)

SOURCE = "DMP"
_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y")
#: The list's columns and the (folded) header spellings accepted for each.
COLUMNS: dict[str, tuple[str, ...]] = {
    "Legemiddelnavn": ("legemiddelnavn", "legemiddel", "preparatnavn", "preparat"),
    "Virkestoff(er)": ("virkestoff er", "virkestoff", "virkestoffer"),
    "ATC-kode": ("atc kode", "atckode", "atc"),
    "Meldingsdato": ("meldingsdato", "meldt dato", "dato meldt"),
    "Mangelperiode fra": ("mangelperiode fra", "fra", "fra dato"),
    "Mangelperiode til": ("mangelperiode til", "til", "til dato"),
    "Årsak": ("arsak", "arsak til mangel"),
    "Status": ("status",),
    "Firma": ("firma", "innehaver", "leverandor"),
    "Varenummer": ("varenummer", "varenr", "vnr"),
}
REQUIRED = ("Legemiddelnavn", "Meldingsdato", "Status", "Varenummer")
_STATUS = {
    **dict.fromkeys(
        ("aktiv", "pagaende", "aktuell", "mangel", "ongoing", "active", "current"),
        ShortageStatus.ONGOING,
    ),
    **dict.fromkeys(
        (
            "lost", "avsluttet", "opphort", "avklart", "ikke lenger mangel", "resolved",
            "closed", "ended",
        ),
        ShortageStatus.RESOLVED,
    ),
    **dict.fromkeys(
        ("varslet", "forventet", "kommende", "planlagt", "announced", "expected", "upcoming"),
        ShortageStatus.ANNOUNCED,
    ),
    **dict.fromkeys(("avlyst", "kansellert", "trukket", "cancelled", "canceled"), ShortageStatus.CANCELLED),
}  # fmt: skip
_ACCEPTED = {variant: column for column, variants in COLUMNS.items() for variant in variants}


def read_dmp_shortages(path: str | Path, existing: Bundle, encoding: str = "utf-8") -> SourceImport:
    """Parse a DMP-list-shaped CSV or JSON file and match it to `existing`'s substances and packs.

    JSON is recognised by the ``.json`` suffix (or a first character ``[``/``{``). Raises
    :class:`ImportRejected` listing every problem (``file:line: field: reason``).
    """
    file = Path(path)
    text = read_text(file, encoding)
    result = SourceImport(SOURCE, file.name)
    problems: list[Problem] = []
    if file.suffix.lower() == ".json" or text.lstrip()[:1] in ("[", "{"):
        records = _json_rows(file, text, problems)
    else:
        records = _csv_rows(file, text, problems)
    matcher = SubstanceMatcher(existing.rows("substances"))
    packs = {str(r["product_id"]): str(r["atc_code"]) for r in existing.rows("products")}
    keys = KeyTracker(file.name, "Varenummer+Meldingsdato")
    for line, row in records:
        result.records += 1
        _read_row(result, matcher, packs, keys, line, row, problems)
    if problems:
        raise ImportRejected(
            sorted(problems, key=lambda p: p.line or 0), what=f"DMP list {file.name}"
        )
    return result


def _columns_of(
    file: Path, names: Iterable[str], line: int, problems: list[Problem], *, header: bool = True
) -> dict[str, str]:
    """The list's column for each header name the file uses; problems for missing or doubled."""
    found: dict[str, str] = {}
    for name in names:
        column = _ACCEPTED.get(fold(name))
        if column is None:
            continue
        if column in found.values():
            problems.append(Problem(file.name, line, name, f"a second column for {column}"))
            continue
        found[name] = column
    have = set(found.values())
    for column in REQUIRED if header else ():  # a JSON record's missing key is a missing value
        if column not in have:
            problems.append(Problem(file.name, line, column, "required column is missing"))
    if "ATC-kode" not in have and "Virkestoff(er)" not in have:
        problems.append(
            Problem(
                file.name,
                line,
                "ATC-kode",
                "needs ATC-kode or Virkestoff(er) to find the substance",
            )
        )
    return found


def _csv_rows(file: Path, text: str, problems: list[Problem]) -> list[tuple[int, dict[str, str]]]:
    header = csv_header(text)
    if not header or not any(header):
        problems.append(
            Problem(file.name, 1, "header", "the file is empty (a header line is needed)")
        )
        return []
    columns = _columns_of(file, header, 1, problems)
    if problems:
        return []
    return [
        (line, {columns[k]: v.strip() for k, v in cells.items() if k in columns})
        for line, cells in csv_records(file, text, problems)
    ]


def _json_rows(file: Path, text: str, problems: list[Problem]) -> list[tuple[int, dict[str, str]]]:
    rows = []
    for line, record in json_records(file, text, keys=("data", "results", "items", "mangler")):
        if not isinstance(record, dict):
            problems.append(Problem(file.name, line, "record", "is not an object"))
            continue
        columns = _columns_of(file, record.keys(), line, problems, header=False)
        rows.append((line, {columns[k]: _cell(v) for k, v in record.items() if k in columns}))
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value).strip()


def _read_row(
    result: SourceImport,
    matcher: SubstanceMatcher,
    packs: Mapping[str, str],
    keys: KeyTracker,
    line: int,
    row: Mapping[str, str],
    problems: list[Problem],
) -> None:
    file = result.file
    before = len(problems)

    def bad(field: str, reason: str) -> None:
        problems.append(Problem(file, line, field, reason))

    name = row.get("Legemiddelnavn", "")
    if not name:
        bad("Legemiddelnavn", "required value is missing")
    varenr = row.get("Varenummer", "").replace(" ", "")
    if not varenr:
        bad("Varenummer", "required value is missing (it is the notice's key)")
    elif not re.fullmatch(r"[0-9]{1,6}", varenr):
        bad("Varenummer", f"{varenr!r} is not a six-digit pack number (varenummer)")
    else:
        varenr = varenr.zfill(6)  # spreadsheets drop the leading zeros of 012345
    dates: dict[str, dt.date | None] = {}
    for column in ("Meldingsdato", "Mangelperiode fra", "Mangelperiode til"):
        raw = row.get(column, "")
        try:
            dates[column] = parse_date(raw, _DATE_FORMATS) if raw else None
        except ValueError as exc:
            bad(column, str(exc))
            dates[column] = None
    notified = dates["Meldingsdato"]
    if not row.get("Meldingsdato"):
        bad("Meldingsdato", "required value is missing (the notice's date and key)")
    status: ShortageStatus | None = None
    if not row.get("Status"):
        bad("Status", "required value is missing")
    else:
        try:
            status = shortage_status(row["Status"], _STATUS)
        except ValueError as exc:
            bad("Status", str(exc))
    atc_text = row.get("ATC-kode", "")
    atc_level = 0
    if atc_text:
        try:
            code = parse_atc(atc_text)
            atc_text, atc_level = code.code, code.level
        except ValueError as exc:
            bad("ATC-kode", str(exc))
    start = dates["Mangelperiode fra"] or notified
    until = dates["Mangelperiode til"]
    if start is not None and until is not None and until < start:
        bad("Mangelperiode til", f"{until} is before the start {start}")
    if len(problems) > before or notified is None or status is None or start is None:
        return
    key = f"DMP:{varenr}:{notified.isoformat()}"
    if keys.seen(key, line, problems):
        return
    match = _match(matcher, atc_text, atc_level, row.get("Virkestoff(er)", ""), name)
    if match.atc_code is None:
        result.unmatch(line, key, match.reason)
        return
    product_id = None
    if varenr in packs:
        if packs[varenr] == match.atc_code:
            product_id = varenr
        else:
            result.warn(
                line,
                key,
                f"pack {varenr} is a pack of {packs[varenr]}, not {match.atc_code}: not linked",
            )
    resolved = status is ShortageStatus.RESOLVED
    firm = row.get("Firma", "")
    result.add(
        "shortages",
        {
            "notice_id": key,
            "atc_code": match.atc_code,
            "status": status,
            "start_date": start,
            "product_id": product_id,
            "cause": normalise_cause(row.get("Årsak")),
            "announced_date": notified,
            "expected_end_date": until,
            "end_date": until if resolved else None,
            "source": SOURCE,
            "title": (f"{name} ({firm})" if firm else name)[:200],
        },
        line,
    )


def _match(
    matcher: SubstanceMatcher, atc: str, atc_level: int, substances: str, name: str
) -> Match:
    """The substance of a row: by a level-5 ATC code when given, else by name."""
    if atc and atc_level == 5:
        return matcher.by_atc(atc)
    parts = [p for p in re.split(r"\s*(?:[,;/+]|\bog\b)\s*", substances) if p.strip()]
    if len(parts) > 1:
        combination = matcher.by_names(parts)
        if combination.atc_code:
            return combination
        return Match(
            None, "combination", f"several substances ({substances}): {combination.reason}"
        )
    if parts:
        match = matcher.by_name(parts[0])
        if match.atc_code or match.how in ("ambiguous", "family"):
            return match
    match = matcher.in_text(name)
    if match.atc_code or not (atc or parts):
        return match
    why = f"ATC {atc} is not a substance (level {atc_level})" if atc else match.reason
    return Match(None, "none", f"{why}; {substances or name!r} names no known substance")
