"""The dataset bundle as a value: metadata plus one table of rows per entity (DESIGN.md §3)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from beredt.domain.schema import ENTITIES, EntitySpec, format_row

SCHEMA_VERSION = 1

Row = dict[str, Any]


@dataclass(frozen=True)
class Source:
    """A data source the bundle cites."""

    name: str
    url: str | None = None
    note: str | None = None
    note_nb: str | None = None  # the note in bokmål, where the bundle gives one


@dataclass(frozen=True)
class BundleMeta:
    """Contents of ``bundle.toml``: what the bundle describes and in which units."""

    country: str
    currency: str
    as_of: dt.date
    title: str = ""
    schema_version: int = SCHEMA_VERSION
    population: int | None = None
    illustrative: bool = False
    sources: tuple[Source, ...] = ()
    title_nb: str = ""  # the title in bokmål, where the bundle gives one


@dataclass(frozen=True)
class Bundle:
    """A whole dataset: metadata and, per entity file stem, its rows in canonical order."""

    meta: BundleMeta
    tables: Mapping[str, Sequence[Row]] = field(default_factory=dict)

    def rows(self, stem: str) -> Sequence[Row]:
        """Rows of one entity (empty when the bundle has none)."""
        return self.tables.get(stem, ())

    def counts(self) -> dict[str, int]:
        """Number of rows per entity, in declaration order."""
        return {spec.stem: len(self.rows(spec.stem)) for spec in ENTITIES}


def canonical_rows(spec: EntitySpec, rows: Sequence[Row]) -> list[Row]:
    """Rows with every declared column present (defaults filled), sorted by the natural key."""
    filled = [{c.name: row.get(c.name, c.default) for c in spec.columns} for row in rows]
    return sorted(filled, key=spec.sort_key)


def canonical_csv(spec: EntitySpec, rows: Sequence[Row]) -> str:
    """The entity's CSV text exactly as an export writes it (header, canonical order, LF)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # The csv module quotes a cell holding the line terminator (\n) but not a lone \r, which
    # a reader takes for a line end: a row with one is written fully quoted instead.
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(spec.column_names)
    for row in canonical_rows(spec, rows):
        cells = format_row(spec, row)
        (quoted if any("\r" in cell for cell in cells) else writer).writerow(cells)
    return buffer.getvalue()


def meta_document(meta: BundleMeta) -> dict[str, Any]:
    """``bundle.toml`` as a TOML-ready mapping with a fixed key order."""
    doc: dict[str, Any] = {
        "schema_version": meta.schema_version,
        "title": meta.title,
        **({"title_nb": meta.title_nb} if meta.title_nb else {}),
        "country": meta.country,
        "currency": meta.currency,
        "as_of": meta.as_of,
        "illustrative": meta.illustrative,
    }
    if meta.population is not None:
        doc["population"] = meta.population
    if meta.sources:
        doc["sources"] = [
            {
                k: v
                for k, v in (
                    ("name", s.name),
                    ("url", s.url),
                    ("note", s.note),
                    ("note_nb", s.note_nb),
                )
                if v is not None
            }
            for s in meta.sources
        ]
    return doc


def fingerprint(bundle: Bundle) -> str:
    """SHA-256 of the bundle's canonical text: identical data gives an identical fingerprint."""
    digest = hashlib.sha256()
    digest.update(repr(sorted(meta_document(bundle.meta).items(), key=lambda kv: kv[0])).encode())
    for spec in ENTITIES:
        digest.update(spec.file.encode())
        digest.update(canonical_csv(spec, bundle.rows(spec.stem)).encode())
    return digest.hexdigest()
