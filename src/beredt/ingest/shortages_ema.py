"""European Medicines Agency shortages catalogue (JSON export) → shortage notices.

Format: the EMA's public export ``medicines_output_shortages_en.json`` (reuse with acknowledgement
of the EMA as source): a list of records (or an object whose ``data``/``results`` holds the list)
with ``medicine_affected``, ``supply_shortage_status`` (Ongoing / Resolved),
``international_non_proprietary_name_inn_or_common_name`` (INNs joined by ``;``, sometimes empty),
dates as ``DD/MM/YYYY`` or empty (``start_of_shortage_date``, ``expected_resolution_date``,
``first_published_date``, ``last_updated_date``), a free-text ``expected_resolution`` and the
record's ``shortage_url``.

Mapping (docs/importers.md): one notice per matched substance, keyed ``<shortage_url>#<ATC>``;
the EMA has no ATC codes, so substances are matched by INN (several INNs that make a combination
code link to it; a name that covers a family, such as ``insulin human``, links to each member),
then by the name in ``medicine_affected``; the start is ``start_of_shortage_date`` or, when empty,
``first_published_date``; the expected end is ``expected_resolution_date`` or read from the
free text ("End of 2026", "second quarter of 2026"); a resolved notice ends on its last update.
The export has no cause, so the cause is ``unknown``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from beredt.domain.bundle import Bundle
from beredt.domain.enums import ShortageCause, ShortageStatus
from beredt.ingest.errors import Problem
from beredt.ingest.sources import (
    EARLIEST_DATE,
    LATEST_DATE,
    KeyTracker,
    SourceImport,
    SubstanceMatcher,
    clamp_end,
    fold,
    parse_date,
    read_json_source,
    shortage_status,
    text_field,
)

SOURCE = "EMA"
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
_STATUS = {
    "ongoing": ShortageStatus.ONGOING,
    "resolved": ShortageStatus.RESOLVED,
    "upcoming": ShortageStatus.ANNOUNCED,
    "expected": ShortageStatus.ANNOUNCED,
    "anticipated": ShortageStatus.ANNOUNCED,
}
_INN = "international_non_proprietary_name_inn_or_common_name"
_MONTHS = {fold(calendar.month_name[m]): m for m in range(1, 13)}
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
}


def read_ema_shortages(path: str | Path, existing: Bundle) -> SourceImport:
    """Parse an EMA shortages export and match it to the substances of `existing`.

    Raises :class:`ImportRejected` listing every problem (``file:line: field: reason``).
    """
    return read_json_source(
        path,
        existing,
        source=SOURCE,
        what="EMA shortages",
        record_keys=("data", "results", "items"),
        key_name="shortage_url",
        read_record=_read_record,
    )


def _read_record(
    result: SourceImport,
    matcher: SubstanceMatcher,
    keys: KeyTracker,
    line: int,
    record: Mapping[str, Any],
    problems: list[Problem],
) -> None:
    file = result.file
    before = len(problems)

    def bad(field: str, reason: str) -> None:
        problems.append(Problem(file, line, field, reason))

    url = text_field(record, "shortage_url")
    medicine = text_field(record, "medicine_affected")
    if not url:
        bad("shortage_url", "required value is missing (it is the notice's key)")
    elif not re.match(r"^https?://\S+$", url):
        bad("shortage_url", f"{url!r} is not a web address")
    if not medicine:
        bad("medicine_affected", "required value is missing")
    status_text = text_field(record, "supply_shortage_status")
    status: ShortageStatus | None = None
    if not status_text:
        bad("supply_shortage_status", "required value is missing")
    else:
        try:
            status = shortage_status(status_text, _STATUS)
        except ValueError as exc:
            bad("supply_shortage_status", str(exc))
    dates: dict[str, dt.date | None] = {}
    for name in (
        "start_of_shortage_date",
        "first_published_date",
        "expected_resolution_date",
        "last_updated_date",
    ):
        raw = text_field(record, name)
        try:
            dates[name] = parse_date(raw, _DATE_FORMATS) if raw else None
        except ValueError as exc:
            bad(name, str(exc))
            dates[name] = None
    start = dates["start_of_shortage_date"] or dates["first_published_date"]
    if start is None and not any(p.field.endswith("_date") for p in problems[before:]):
        bad(
            "start_of_shortage_date",
            "empty, and no first_published_date to fall back on: the notice needs a start",
        )
    category = text_field(record, "category")
    if url and keys.seen(url, line, problems):
        return
    if len(problems) > before or start is None or status is None:
        return
    if category and fold(category) != "human":
        result.skip(line, url, f"category {category!r}: only human medicines are imported")
        return
    expected_text = text_field(record, "expected_resolution")
    expected = dates["expected_resolution_date"] or expected_end_from_text(expected_text)
    expected = clamp_end(result, line, url, start, expected, "expected resolution")
    end = None
    if status is ShortageStatus.RESOLVED:
        # The export has no resolution date; the last update of a resolved record is when it was
        # marked resolved, the closest the data gets.
        end = clamp_end(result, line, url, start, dates["last_updated_date"], "last update")
    atcs = _match(result, matcher, line, url, medicine, text_field(record, _INN))
    for atc in atcs:
        result.add(
            "shortages",
            {
                "notice_id": f"{url}#{atc}",
                "atc_code": atc,
                "status": status,
                "start_date": start,
                "cause": ShortageCause.UNKNOWN,
                "announced_date": dates["first_published_date"],
                "expected_end_date": expected,
                "end_date": end,
                "source": SOURCE,
                "title": medicine[:200],
            },
            line,
        )


def _match(
    result: SourceImport,
    matcher: SubstanceMatcher,
    line: int,
    url: str,
    medicine: str,
    inns: str,
) -> list[str]:
    """ATC codes of the substances a record concerns; the rest is listed as unmatched.

    Several INNs that together make a combination code (``amoxicillin;clavulanic acid`` →
    J01CR02) link to it; otherwise each INN links to its substance, or to every substance of
    its family (``insulin human`` → each human insulin).
    """
    names = [n.strip() for n in re.split(r"[;\n]", inns) if n.strip()]
    if len(names) > 1:
        combination = matcher.by_names(names)
        if combination.atc_code:
            return [combination.atc_code]
    found: list[str] = []
    missing: list[str] = []
    for name in names:
        match = matcher.by_name(name)
        if match.codes:
            found += [code for code in match.codes if code not in found]
        else:
            missing.append(match.reason)
    if found:
        for reason in missing:
            result.unmatch(line, url, f"INN: {reason}")
        return found
    # No INN, or none known: fall back on the medicine's name ("Quetiapine", "Insulin (human …)").
    match = matcher.by_name(medicine)
    if not match.codes:
        match = matcher.in_text(medicine)
    if match.codes:
        return list(match.codes)
    why = "; ".join(missing) if missing else "no INN"
    result.unmatch(line, url, f"{why}; medicine_affected: {match.reason}")
    return []


def expected_end_from_text(text: str) -> dt.date | None:
    """The last day a free-text expected resolution names, if it names one.

    Understood: a date ``DD/MM/YYYY``; "end of 2026"; "second quarter of 2026" / "Q2 2026";
    "first/second half of 2026"; "mid-2026"; "March 2026". Anything else (e.g. "unknown"),
    or a year outside 1950–2100, → None.
    """
    day = _named_end(text)
    return day if day is not None and EARLIEST_DATE <= day <= LATEST_DATE else None


def _named_end(text: str) -> dt.date | None:
    folded = fold(text)
    if not folded:
        return None
    explicit = re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", text)
    if explicit:
        try:
            return dt.date(int(explicit[3]), int(explicit[2]), int(explicit[1]))
        except ValueError:
            return None
    quarter = re.search(
        r"\b(first|second|third|fourth|1st|2nd|3rd|4th) quarter (?:of )?(\d{4})\b", folded
    )
    if quarter:
        return _quarter_end(int(quarter[2]), _ORDINALS[quarter[1]])
    quarter = re.search(r"\bq([1-4]) (\d{4})\b", folded)
    if quarter:
        return _quarter_end(int(quarter[2]), int(quarter[1]))
    half = re.search(r"\b(first|second|1st|2nd) half (?:of )?(\d{4})\b", folded)
    if half:
        year = int(half[2])
        return dt.date(year, 6, 30) if _ORDINALS[half[1]] == 1 else dt.date(year, 12, 31)
    month = re.search(r"\b(" + "|".join(_MONTHS) + r") (\d{4})\b", folded)
    if month:
        year, number = int(month[2]), _MONTHS[month[1]]
        return dt.date(year, number, calendar.monthrange(year, number)[1])
    middle = re.search(r"\b(?:mid|middle of) (\d{4})\b", folded)
    if middle:
        return dt.date(int(middle[1]), 6, 30)
    end = re.search(r"\b(?:end|by the end|until the end) of (\d{4})\b", folded) or re.search(
        r"\bend (\d{4})\b", folded
    )
    if end:
        return dt.date(int(end[1]), 12, 31)
    return None


def _quarter_end(year: int, quarter: int) -> dt.date:
    month = 3 * quarter
    return dt.date(year, month, calendar.monthrange(year, month)[1])
