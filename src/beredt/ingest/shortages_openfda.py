"""openFDA drug shortages (``/drug/shortages.json``, CC0) → shortage notices.

Format: an envelope ``{"meta": …, "results": [...]}`` (a bare list is accepted too); each result
has ``package_ndc``, ``generic_name``, ``proprietary_name``, ``company_name``, ``status``
(Current / Resolved / To Be Discontinued), ``shortage_reason``, ``availability``,
``dosage_form``, ``strength[]``, ``therapeutic_category[]``, ``initial_posting_date``,
``update_date`` and an ``openfda`` block (``generic_name[]``, ``brand_name[]``, …). Dates come as
``YYYYMMDD`` or ``MM/DD/YYYY``.

Mapping (docs/importers.md): one notice per package, keyed ``FDA:<package NDC>:<initial posting
date>``; status Current → ongoing, Resolved → resolved (ending on the record's last update),
To Be Discontinued → announced (cause commercial unless a reason is given); the reason is
normalised by :func:`beredt.ingest.sources.normalise_cause`. Empty dates are accepted: without
an initial posting date the key is ``FDA:<NDC>`` and the notice starts on the update date; a
record with neither date is skipped. Substances are matched by the
``openfda.generic_name`` entries, then by ``generic_name`` without dosage-form words, then by a
substance name occurring in ``generic_name``; combinations stay unmatched.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from beredt.domain.bundle import Bundle
from beredt.domain.enums import ShortageCause, ShortageStatus
from beredt.ingest.errors import Problem
from beredt.ingest.sources import (
    FORM_WORDS,
    KeyTracker,
    Match,
    SourceImport,
    SubstanceMatcher,
    clamp_end,
    fold,
    normalise_cause,
    parse_date,
    read_json_source,
    shortage_status,
    slug,
    text_field,
)

SOURCE = "FDA"
_DATE_FORMATS = ("%Y%m%d", "%m/%d/%Y")
_STATUS = {
    "current": ShortageStatus.ONGOING,
    "resolved": ShortageStatus.RESOLVED,
    "to be discontinued": ShortageStatus.ANNOUNCED,
}
_NDC = re.compile(r"^[0-9]{4,5}-[0-9]{3,4}(-[0-9]{1,2})?$|^[0-9]{10,11}$")


def read_openfda_shortages(path: str | Path, existing: Bundle) -> SourceImport:
    """Parse an openFDA drug-shortages file and match it to the substances of `existing`.

    Raises :class:`ImportRejected` listing every problem (``file:line: field: reason``).
    """
    return read_json_source(
        path,
        existing,
        source=SOURCE,
        what="openFDA shortages",
        record_keys=("results",),
        key_name="package_ndc+initial_posting_date",
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

    openfda = record.get("openfda") or {}
    if not isinstance(openfda, dict):
        bad("openfda", "is not an object")
        openfda = {}
    generic = text_field(record, "generic_name")
    generic_names = [
        str(n) for n in (openfda.get("generic_name") or []) if isinstance(n, str) and n.strip()
    ]
    if not generic and not generic_names:
        bad("generic_name", "required value is missing (the substance is matched by it)")
    status_text = text_field(record, "status")
    status: ShortageStatus | None = None
    if not status_text:
        bad("status", "required value is missing")
    else:
        try:
            status = shortage_status(status_text, _STATUS)
        except ValueError as exc:
            bad("status", str(exc))
    dates: dict[str, dt.date | None] = {}
    for name in ("initial_posting_date", "update_date"):
        raw = text_field(record, name)
        try:
            dates[name] = parse_date(raw, _DATE_FORMATS) if raw else None
        except ValueError as exc:
            bad(name, str(exc))
            dates[name] = None
    posted = dates["initial_posting_date"]
    ndc = text_field(record, "package_ndc")
    if ndc and not _NDC.match(ndc):
        bad("package_ndc", f"{ndc!r} is not a National Drug Code (e.g. 0409-4888-02)")
    if len(problems) > before or status is None:
        return
    company = text_field(record, "company_name")
    # The key is the package and its first posting; either may be missing in the data.
    when = f":{posted.isoformat()}" if posted else ""
    if ndc:
        key = f"FDA:{ndc}{when}"
    else:
        key = f"FDA:{slug(generic or generic_names[0])}:{slug(company)}{when}"
        result.warn(line, key, "no package_ndc: keyed by generic name and company instead")
    if keys.seen(key, line, problems):
        return
    start = posted or dates["update_date"]
    if start is None:
        result.skip(line, key, "no initial_posting_date or update_date: the notice has no start")
        return
    if posted is None:
        result.warn(line, key, "no initial_posting_date: starts on its update_date")
    reason = text_field(record, "shortage_reason")
    cause = normalise_cause(reason)
    if status is ShortageStatus.ANNOUNCED and cause is ShortageCause.UNKNOWN:
        cause = ShortageCause.COMMERCIAL  # "To Be Discontinued" is a discontinuation
    end = None
    if status is ShortageStatus.RESOLVED:
        end = clamp_end(result, line, key, start, dates["update_date"], "last update")
    match = _match(matcher, generic, generic_names)
    if match.atc_code is None:
        result.unmatch(line, key, match.reason)
        return
    name = text_field(record, "proprietary_name") or generic or generic_names[0]
    title = f"{name} ({company})" if company else name
    availability = text_field(record, "availability")
    if availability:
        title = f"{title}: {availability}"
    result.add(
        "shortages",
        {
            "notice_id": key,
            "atc_code": match.atc_code,
            "status": status,
            "start_date": start,
            "cause": cause,
            "announced_date": posted,
            "end_date": end,
            "source": SOURCE,
            "title": title[:200],
        },
        line,
    )


def _match(matcher: SubstanceMatcher, generic: str, generic_names: list[str]) -> Match:
    """The substance of a record, from the openfda block first, then from ``generic_name``."""
    found = sorted({atc for n in generic_names if (atc := matcher.by_name(n).atc_code)})
    if len(found) == 1:
        return Match(found[0], "name")
    if len(found) > 1:
        combination = matcher.by_names(generic_names)
        if combination.atc_code:
            return combination
        return Match(None, "ambiguous", f"openfda.generic_name names {', '.join(found)}")
    if generic:
        bare = " ".join(w for w in fold(generic).split() if w not in FORM_WORDS)
        match = matcher.by_name(bare) if bare else Match(None, "none", "no name")
        if match.atc_code:
            return match
        return matcher.in_text(generic)
    shown = ", ".join(generic_names)
    return Match(None, "none", f"no substance is called {shown!r}")
