"""The shortage record as evidence: the record as it stood on a date, and its outage episodes.

An **episode** is a notice that was not cancelled: a product-level notice is an outage of that
pack, a substance-level notice (or one naming a pack the dataset does not hold) one outage of
every pack of the substance at once. Its duration in days is ``end − start + 1``; a notice still
open when the record is read is right-censored at that date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from beredt.domain.bundle import Row
from beredt.domain.enums import ShortageStatus

#: Status a notice had on a cut date when it was announced before and ended after it.
_OPEN_AT_CUT = {True: ShortageStatus.ONGOING, False: ShortageStatus.ANNOUNCED}


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        return dt.date.fromisoformat(value)
    return None


def known_since(row: Mapping[str, Any]) -> dt.date:
    """The day a notice became known: its announcement, else its start."""
    announced = _date(row.get("announced_date"))
    start = _date(row.get("start_date"))
    assert start is not None
    return announced or start


def record_as_of(rows: Sequence[Row], cut: dt.date) -> list[Row]:
    """The shortage notices as they stood on `cut`: nothing from the future.

    Notices announced after the cut are dropped; a notice that ended after the cut is open
    (ongoing when it had started, announced when not) with no end date; a notice resolved by
    the cut keeps its end.
    """
    out: list[Row] = []
    for row in rows:
        if known_since(row) > cut:
            continue
        start = _date(row["start_date"])
        end = _date(row.get("end_date"))
        status = str(row["status"])
        if status == ShortageStatus.CANCELLED:
            # A cancelled notice never started; before its planned start nobody knew it would be
            # cancelled, so at such a cut it is announced.
            planned_later = start is not None and start > cut
            out.append({**row, "status": ShortageStatus.ANNOUNCED} if planned_later else dict(row))
            continue
        if end is not None and end <= cut:
            out.append(dict(row))
            continue
        started = start is not None and start <= cut
        out.append({**row, "status": _OPEN_AT_CUT[started], "end_date": None})
    return out


@dataclass(frozen=True)
class Episode:
    """One outage from the record: which packs, when, for how long, and why."""

    notice_id: str
    atc_code: str
    substance_idx: int
    products: tuple[int, ...]  # product rows (dataset.products order) that were down
    substance_level: bool
    start: dt.date
    duration_days: int  # observed days (end − start + 1, or up to the reading date)
    censored: bool  # still open when the record was read
    cause: str
    source: str = ""

    @property
    def end_exclusive(self) -> dt.date:
        """The first day after the observed outage."""
        return self.start + dt.timedelta(days=self.duration_days)


def episodes(
    shortages: Sequence[Mapping[str, Any]],
    product_rows: Mapping[str, int],
    products_of_substance: Mapping[int, Sequence[int]],
    substance_index: Mapping[str, int],
    read_on: dt.date,
) -> tuple[list[Episode], dict[str, int]]:
    """The record's episodes that had started by `read_on`, and counts of what was left out.

    `read_on` is the day the record is read: open notices are censored there. Left out (and
    counted): cancelled notices, notices not started yet, resolved notices without an end date.
    """
    out: list[Episode] = []
    skipped = {"cancelled": 0, "not_started": 0, "no_end_date": 0, "unknown_product": 0}
    for row in shortages:
        status = str(row["status"])
        if status == ShortageStatus.CANCELLED:
            skipped["cancelled"] += 1
            continue
        start = _date(row["start_date"])
        assert start is not None
        if start > read_on:
            skipped["not_started"] += 1
            continue
        end = _date(row.get("end_date"))
        if status == ShortageStatus.RESOLVED and end is None:
            skipped["no_end_date"] += 1
            continue
        sub = substance_index[str(row["atc_code"])]
        pid = row.get("product_id")
        substance_level = not (isinstance(pid, str) and pid in product_rows)
        if isinstance(pid, str) and pid and pid not in product_rows:
            skipped["unknown_product"] += 1  # still used, as a substance-level episode
        prods = (
            tuple(products_of_substance.get(sub, ()))
            if substance_level
            else (product_rows[str(pid)],)
        )
        censored = end is None or end > read_on
        last = read_on if censored else end
        assert last is not None
        out.append(
            Episode(
                notice_id=str(row["notice_id"]),
                atc_code=str(row["atc_code"]),
                substance_idx=sub,
                products=prods,
                substance_level=substance_level,
                start=start,
                duration_days=max(1, (last - start).days + 1),
                censored=censored,
                cause=str(row.get("cause") or "unknown"),
                source=str(row.get("source") or ""),
            )
        )
    out.sort(key=lambda e: (e.start, e.notice_id))
    return out, skipped
