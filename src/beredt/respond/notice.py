"""The shortage a response plan answers: a notice from the dataset, or one described by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from beredt.domain.dataset import Dataset
from beredt.domain.enums import ShortageCause, ShortageStatus
from beredt.errors import InvalidInput


class NoticeError(InvalidInput, ValueError):
    """A notice that cannot be planned for (unknown id, substance or product, bad dates)."""


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@dataclass(frozen=True)
class ResponseNotice:
    """A shortage of a substance (ATC level 5), or of one product when `product_id` is set.

    `start_date` is the first day without normal supply; `expected_end_date` the last day expected
    (inclusive), None when unknown. `notice_id` is None for a shortage described by hand.
    """

    atc_code: str
    start_date: dt.date
    product_id: str | None = None
    expected_end_date: dt.date | None = None
    notice_id: str | None = None
    cause: str = ShortageCause.UNKNOWN.value
    status: str = ShortageStatus.ANNOUNCED.value
    title: str | None = None
    source: str | None = None
    announced_date: dt.date | None = None
    end_date: dt.date | None = None  # actual last day, once resolved

    @property
    def key(self) -> str:
        """A stable key for saving the plan: the notice id, or a description of the ad-hoc case."""
        if self.notice_id:
            return self.notice_id
        scope = self.product_id or self.atc_code
        return f"adhoc-{scope}-{self.start_date.isoformat()}"

    def with_end(self, expected_end_date: dt.date) -> ResponseNotice:
        """The same notice with another expected last day (a user's --until or --duration-days)."""
        if expected_end_date < self.start_date:
            raise NoticeError(
                f"the end {expected_end_date} lies before the start {self.start_date}"
            )
        return replace(self, expected_end_date=expected_end_date)

    @classmethod
    def from_dataset(cls, dataset: Dataset, notice_id: str) -> ResponseNotice:
        """The notice `notice_id` as known on the dataset's as-of date."""
        rows = dataset.shortages[dataset.shortages["notice_id"] == notice_id]
        if rows.empty:
            known = ", ".join(sorted(dataset.shortages["notice_id"].astype(str))) or "none"
            raise NoticeError(
                f"no shortage notice {notice_id!r} known on {dataset.as_of} (known: {known})"
            )
        row = rows.iloc[0]
        product = row["product_id"]
        return cls(
            atc_code=str(row["atc_code"]),
            start_date=_date(row["start_date"]) or dataset.as_of,
            product_id=None if product is None or pd.isna(product) else str(product),
            expected_end_date=_date(row["expected_end_date"]),
            notice_id=str(row["notice_id"]),
            cause=str(row["cause"]),
            status=str(row["status"]),
            title=None if row["title"] is None or pd.isna(row["title"]) else str(row["title"]),
            source=None if row["source"] is None or pd.isna(row["source"]) else str(row["source"]),
            announced_date=_date(row["announced_date"]),
            end_date=_date(row["end_date"]),
        )

    @classmethod
    def for_product(
        cls,
        dataset: Dataset,
        product_id: str,
        start_date: dt.date,
        expected_end_date: dt.date | None = None,
        cause: str = ShortageCause.UNKNOWN.value,
    ) -> ResponseNotice:
        """A shortage of one product described by hand."""
        rows = dataset.products[dataset.products["product_id"] == str(product_id)]
        if rows.empty:
            raise NoticeError(f"unknown product {product_id!r}")
        return cls(
            atc_code=str(rows.iloc[0]["atc_code"]),
            start_date=start_date,
            product_id=str(product_id),
            expected_end_date=expected_end_date,
            cause=cause,
        )


def resolve_notice(dataset: Dataset, notice: str | ResponseNotice) -> ResponseNotice:
    """A :class:`ResponseNotice` from a notice id or a notice, checked against the dataset."""
    if isinstance(notice, str):
        notice = ResponseNotice.from_dataset(dataset, notice)
    if notice.atc_code not in dataset.substance_index:
        raise NoticeError(f"unknown substance {notice.atc_code!r} (not in substances.csv)")
    if notice.product_id is not None:
        rows = dataset.products[dataset.products["product_id"] == notice.product_id]
        if rows.empty:
            raise NoticeError(f"unknown product {notice.product_id!r}")
        if str(rows.iloc[0]["atc_code"]) != notice.atc_code:
            raise NoticeError(
                f"product {notice.product_id} is {rows.iloc[0]['atc_code']}, not {notice.atc_code}"
            )
    if notice.status == ShortageStatus.CANCELLED.value:
        raise NoticeError(f"notice {notice.key} was cancelled: nothing to plan")
    if notice.status == ShortageStatus.RESOLVED.value and (
        notice.end_date is None or notice.end_date <= dataset.as_of
    ):
        ended = f" on {notice.end_date}" if notice.end_date else ""
        raise NoticeError(f"notice {notice.key} is resolved (ended{ended}): nothing to plan")
    if notice.expected_end_date is not None and notice.expected_end_date < notice.start_date:
        raise NoticeError(
            f"notice {notice.key}: expected end {notice.expected_end_date} "
            f"before its start {notice.start_date}"
        )
    try:
        ShortageCause(notice.cause)
    except ValueError as exc:
        causes = ", ".join(c.value for c in ShortageCause)
        raise NoticeError(f"unknown cause {notice.cause!r} (one of {causes})") from exc
    return notice
