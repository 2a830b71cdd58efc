"""One declaration per entity: columns, types, units, defaults and constraints.

Following PyPSA's component attribute tables, each entity is a frozen dataclass whose fields carry
their documentation, unit and constraints (see :func:`col`). The bundle validator, the bundle
export column order, the store's tables and ``docs/bundle.md`` are all derived from these
declarations, so they cannot disagree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import math
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from beredt.domain.atc import AtcCode, AtcError

_MISSING: Any = dataclasses.MISSING
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_PERIOD = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2]))?$")
_HS_CODE = re.compile(r"^[0-9]{2,10}$")
_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/+-]*$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
TRUE_WORDS = frozenset({"true", "yes", "1", "ja"})
#: Whole numbers are stored as 64-bit signed integers (SQL BIGINT) on every backend.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: Dates outside this range are typing errors, not medicine data: one range for bundles and
#: importers alike (docs/bundle.md, docs/importers.md).
EARLIEST_DATE = dt.date(1950, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def check_text(value: str) -> None:
    """Refuse text no database stores: a NUL character (PostgreSQL rejects it)."""
    if "\x00" in value:
        raise ValueError(f"contains a NUL character (at position {value.index(chr(0)) + 1})")


def check_date_range(value: dt.date, what: str = "date") -> None:
    """Refuse a date outside :data:`EARLIEST_DATE`–:data:`LATEST_DATE`."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(
            f"{value.isoformat()} is outside {EARLIEST_DATE.year}–{LATEST_DATE.year}: "
            f"not a plausible {what}"
        )


FALSE_WORDS = frozenset({"false", "no", "0", "nei"})


def col(
    doc: str,
    *,
    unit: str | None = None,
    default: Any = _MISSING,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    ref: str | None = None,
    kind: str | None = None,
    choices: Sequence[str] | None = None,
    example: str | None = None,
) -> Any:
    """Declare an entity column: documentation, unit, default and constraints.

    ``kind`` refines the Python type: ``atc5`` (ATC level-5 code), ``atc`` (any level),
    ``atc_scope`` (any level, or ``*`` for all),
    ``country`` (ISO 3166-1 alpha-2), ``period`` (``YYYY`` or ``YYYY-MM``), ``hs`` (HS/CN
    commodity code digits), ``id`` (identifier without spaces). ``ref`` names the referenced
    column as ``file_stem.column`` (e.g. ``substances.atc_code``).
    """
    metadata = {
        "doc": doc,
        "unit": unit,
        "ge": ge,
        "gt": gt,
        "le": le,
        "ref": ref,
        "kind": kind,
        "choices": tuple(choices) if choices else None,
        "example": example,
    }
    if default is _MISSING:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Column:
    """A column of an entity table, derived from a dataclass field."""

    name: str
    py_type: type
    optional: bool  # None allowed
    required: bool  # the cell must be present in a bundle (no default)
    default: Any
    doc: str
    unit: str | None
    ge: float | None
    gt: float | None
    le: float | None
    ref: str | None
    kind: str | None
    choices: tuple[str, ...] | None
    example: str | None

    @property
    def type_name(self) -> str:
        """The type in the words of docs/bundle.md."""
        if self.kind == "atc5":
            return "ATC code (level 5)"
        if self.kind == "atc":
            return "ATC code"
        if self.kind == "atc_scope":
            return "ATC code of any level, or `*` for every substance"
        if self.kind == "country":
            return "country code (ISO 3166-1 alpha-2)"
        if self.kind == "period":
            return "period (YYYY or YYYY-MM)"
        if self.kind == "hs":
            return "commodity code (2–10 digits)"
        if self.kind == "id":
            return "identifier (letters, digits, `_ . : / + -`; no spaces)"
        if isinstance(self.py_type, type) and issubclass(self.py_type, StrEnum):
            return "one of " + ", ".join(f"`{m.value}`" for m in self.py_type)
        if self.py_type is tuple:
            allowed = f" of {', '.join(f'`{c}`' for c in self.choices)}" if self.choices else ""
            return f"list{allowed}, separated by `;`"
        names = {str: "text", int: "integer", float: "number", bool: "boolean", dt.date: "date"}
        return names.get(self.py_type, self.py_type.__name__)

    def parse(self, text: str) -> Any:
        """Parse one CSV cell into a value; raise ValueError with the reason when it is bad."""
        text = text.strip()
        if text == "":
            if self.required:
                raise ValueError("required value is missing")
            return self.default
        value = _PARSERS.get(self.py_type, _parse_by_type)(self, text)
        self.check(value)
        return value

    def check(self, value: Any) -> None:
        """Check a parsed value against the column's constraints; raise ValueError if violated."""
        if value is None:
            if not self.optional:
                raise ValueError("required value is missing")
            return
        if isinstance(value, str):
            check_text(value)
        elif isinstance(value, tuple | list):
            for part in value:
                if isinstance(part, str):
                    check_text(part)
        elif isinstance(value, dt.date):
            check_date_range(value)
        if isinstance(value, int) and not isinstance(value, bool):
            if self.py_type is int and not INT64_MIN <= value <= INT64_MAX:
                raise ValueError(
                    f"{_short(value)} does not fit a 64-bit whole number "
                    f"({INT64_MIN} to {INT64_MAX})"
                )
            if self.py_type is float and abs(value) > 1e308:
                raise ValueError(f"{_short(value)} is too large for a number")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{value} is not a finite number")
            if self.ge is not None and value < self.ge:
                raise ValueError(f"{_fmt_num(value)} is below the minimum {_fmt_num(self.ge)}")
            if self.gt is not None and value <= self.gt:
                raise ValueError(f"{_fmt_num(value)} must be greater than {_fmt_num(self.gt)}")
            if self.le is not None and value > self.le:
                raise ValueError(f"{_fmt_num(value)} is above the maximum {_fmt_num(self.le)}")
        if self.choices and self.py_type is tuple:
            bad = [v for v in value if v not in self.choices]
            if bad:
                raise ValueError(f"{', '.join(bad)} not among {', '.join(self.choices)}")
        if self.choices and self.py_type is str and value not in self.choices:
            raise ValueError(f"{value!r} is not one of {', '.join(self.choices)}")

    def format(self, value: Any) -> str:
        """Format a value canonically for CSV (round-trips exactly through :meth:`parse`)."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, StrEnum):
            return value.value
        if isinstance(value, float):
            return _fmt_num(value)
        if isinstance(value, int):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, tuple | list):
            return ";".join(str(v) for v in value)
        return str(value)


def _fmt_num(value: float) -> str:
    """Shortest text that parses back to the same float; integral values without '.0'."""
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return str(int(value))
    return repr(float(value))


def _short(value: int) -> str:
    """A whole number for a message: long ones cut in the middle (and never converted whole)."""
    if value.bit_length() > 200:
        return f"a {'negative ' if value < 0 else ''}whole number of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = str(value)
    return text if len(text) <= 40 else f"{text[:12]}…{text[-6:]} ({len(text.lstrip('-'))} digits)"


def _parse_int(column: Column, text: str) -> int:
    """A whole number exactly (never through a float), written plainly or as 12.0 or 1e3."""
    shown = text if len(text) <= 40 else f"{text[:12]}…{text[-6:]} ({len(text)} characters)"
    if len(text) > 60:  # 19 digits fit 64 bits; what is far longer never fits (or is no number)
        raise ValueError(f"{shown!r} is not a whole number that fits 64 bits")
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise ValueError(f"{shown!r} is not a whole number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"{shown!r} is not a whole number")
    if number.adjusted() > 18:  # more than 19 digits: check before building a huge int
        raise ValueError(
            f"{shown!r} does not fit a 64-bit whole number ({INT64_MIN} to {INT64_MAX})"
        )
    return int(number)


def _parse_float(column: Column, text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is not a finite number")
    return number


def _parse_bool(column: Column, text: str) -> bool:
    lowered = text.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ValueError(f"{text!r} is not a boolean (true/false)")


def _parse_date(column: Column, text: str) -> dt.date:
    # date.fromisoformat alone also takes 20261001 and 2026-W40-1; the bundle says YYYY-MM-DD.
    if not _ISO_DATE.match(text):
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _parse_list(column: Column, text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


def _parse_text(column: Column, text: str) -> str:
    kind = column.kind
    if kind == "atc_scope":
        if text == "*":
            return text
        kind = "atc"
    if kind in ("atc5", "atc"):
        try:
            code = AtcCode.parse(text)
        except AtcError as exc:
            raise ValueError(str(exc)) from None
        if kind == "atc5" and code.level != 5:
            raise ValueError(
                f"{code.code} is an ATC level-{code.level} code, a substance needs level 5"
            )
        return code.code
    if kind == "country":
        if not _COUNTRY.match(text):
            raise ValueError(f"{text!r} is not a two-letter country code (ISO 3166-1 alpha-2)")
        return text
    if kind == "period" and not _PERIOD.match(text):
        raise ValueError(f"{text!r} is not a period (YYYY or YYYY-MM)")
    if kind == "hs" and not _HS_CODE.match(text):
        raise ValueError(f"{text!r} is not a commodity code (2–10 digits)")
    if kind == "id" and not _IDENT.match(text):
        raise ValueError(f"{text!r} is not an identifier (letters, digits, _ . : / + -; no spaces)")
    return text


def _parse_by_type(column: Column, text: str) -> Any:
    if isinstance(column.py_type, type) and issubclass(column.py_type, StrEnum):
        try:
            return column.py_type(text.lower())
        except ValueError:
            allowed = ", ".join(m.value for m in column.py_type)
            raise ValueError(f"{text!r} is not one of {allowed}") from None
    raise TypeError(f"no parser for {column.py_type}")


_PARSERS: dict[Any, Callable[[Column, str], Any]] = {
    int: _parse_int,
    float: _parse_float,
    bool: _parse_bool,
    dt.date: _parse_date,
    tuple: _parse_list,
    str: _parse_text,
}


@dataclass(frozen=True)
class EntitySpec:
    """An entity's table: its file in the bundle, key columns and columns in export order."""

    name: str
    file: str
    key: tuple[str, ...]
    doc: str
    cls: type
    columns: tuple[Column, ...]

    @property
    def stem(self) -> str:
        """File name without the .csv suffix, used in references (``substances.atc_code``)."""
        return self.file.removesuffix(".csv")

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in export order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """The column called `name`."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.file} has no column {name!r}")

    def make(self, values: Mapping[str, Any]) -> Any:
        """Build the entity dataclass from a mapping of column values."""
        return self.cls(**{c.name: values[c.name] for c in self.columns if c.name in values})

    def sort_key(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """Canonical row order: by the key columns, None first."""
        return tuple((row[k] is not None, _sortable(row[k])) for k in self.key)


def _sortable(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    return "" if value is None else value


ENTITIES: list[EntitySpec] = []
_T = TypeVar("_T")


def entity(file: str, key: Iterable[str]) -> Callable[[type[_T]], type[_T]]:
    """Register a dataclass as a bundle entity stored in `file` with natural `key` columns."""

    def register(cls: type[_T]) -> type[_T]:
        hints = typing.get_type_hints(cls)
        columns = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            py_type, optional = _unwrap(hints[f.name])
            has_default = f.default is not dataclasses.MISSING
            md = f.metadata
            columns.append(
                Column(
                    name=f.name,
                    py_type=py_type,
                    optional=optional,
                    required=not has_default,
                    default=f.default if has_default else None,
                    doc=md.get("doc", ""),
                    unit=md.get("unit"),
                    ge=md.get("ge"),
                    gt=md.get("gt"),
                    le=md.get("le"),
                    ref=md.get("ref"),
                    kind=md.get("kind"),
                    choices=md.get("choices"),
                    example=md.get("example"),
                )
            )
        spec = EntitySpec(
            name=cls.__name__,
            file=file,
            key=tuple(key),
            doc=(cls.__doc__ or "").strip(),
            cls=cls,
            columns=tuple(columns),
        )
        ENTITIES.append(spec)
        cls.__entity__ = spec  # type: ignore[attr-defined]
        return cls

    return register


def _unwrap(hint: Any) -> tuple[type, bool]:
    """(base type, optional) of an annotation such as ``float | None`` or ``tuple[str, ...]``."""
    optional = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        hint = args[0]
    origin = typing.get_origin(hint)
    if origin is tuple:
        return tuple, optional
    return hint, optional


def spec_by_file(file: str) -> EntitySpec:
    """The entity stored in `file` (e.g. ``products.csv``)."""
    for spec in ENTITIES:
        if spec.file == file:
            return spec
    raise KeyError(file)


def spec_of(cls: type) -> EntitySpec:
    """The entity declaration of a dataclass registered with :func:`entity`."""
    spec: EntitySpec = cls.__entity__  # type: ignore[attr-defined]
    return spec


def format_row(spec: EntitySpec, row: Mapping[str, Any]) -> list[str]:
    """A row as canonical CSV cells in the declared column order."""
    return [c.format(row.get(c.name)) for c in spec.columns]
