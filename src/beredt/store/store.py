"""The store: the only code that speaks SQL (DESIGN.md §1).

SQLite file by default (``./beredt.db``), PostgreSQL by URL (``BEREDT_DATABASE_URL``). Every
write is one transaction (a unit of work): it validates first and writes everything or nothing.
Writers queue: SQLite takes its write lock at ``BEGIN IMMEDIATE``, PostgreSQL a transaction-level
advisory lock as the first statement of every write, so each write reads, validates and writes a
state no concurrent write can change underneath it. Reads see one committed state.
Stock and shortage notices are append-only ledgers; :meth:`Store.load_dataset` derives the current
state and returns the immutable :class:`~beredt.domain.dataset.Dataset` the analytics use. Every
write leaves an audit event saying who changed what (before and after, per field).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from beredt.domain.bundle import (
    Bundle,
    BundleMeta,
    Row,
    Source,
    canonical_rows,
    fingerprint,
    meta_document,
)
from beredt.domain.dataset import Dataset, build_dataset
from beredt.domain.enums import StockEntryKind
from beredt.domain.schema import ENTITIES, Column, EntitySpec
from beredt.errors import Conflict, Unavailable
from beredt.ingest.bundle import validate_tables
from beredt.ingest.errors import ImportRejected, Problem
from beredt.store.tables import (
    ENTITY_TABLES,
    audit_log,
    dataset_meta,
    documents,
    shortage_ledger,
    stock_ledger,
)

DEFAULT_URL = "sqlite:///beredt.db"
_MIGRATIONS = Path(__file__).parent / "migrations"
_SPECS = {spec.stem: spec for spec in ENTITIES}
#: Key of the PostgreSQL advisory lock every write unit of work holds until it commits.
WRITE_LOCK_KEY = 0x42455245445401  # "BEREDT" + 1, any fixed 64-bit number
#: Longest idempotency key, who and document key accepted (they are identifiers, not prose).
MAX_KEY_LENGTH = 200


class StoreError(Conflict):
    """A write the store refuses (e.g. importing into a non-empty store without replace)."""


class StoreUnavailable(StoreError):
    """The database cannot be opened: a bad URL, no server, not a database, a newer schema."""

    kind = Unavailable.kind
    exit_code = Unavailable.exit_code


@dataclass(frozen=True)
class StockReceipt:
    """What recording a stock entry did: its entry id, generation, and whether it was a retry."""

    entry_id: int
    generation: int
    replayed: bool  # True: the idempotency key was already recorded, nothing was written


@dataclass(frozen=True)
class StockReport:
    """What recording a stock report did: its entries' ids, generation, and whether a retry."""

    entry_ids: list[int]
    generation: int
    replayed: bool  # True: the report's key was already recorded, nothing was written


@dataclass(frozen=True)
class MergeSummary:
    """What a merge by natural key did: rows inserted, updated and left unchanged."""

    inserted: int
    updated: int
    unchanged: int


def database_url(url: str | None = None) -> str:
    """The database URL: `url`, else ``BEREDT_DATABASE_URL``, else ``sqlite:///beredt.db``."""
    chosen = url or os.environ.get("BEREDT_DATABASE_URL") or DEFAULT_URL
    if chosen.startswith("postgresql://"):  # use psycopg 3, the driver we install
        chosen = "postgresql+psycopg://" + chosen.removeprefix("postgresql://")
    return chosen


def _who(who: str | None) -> str:
    if who:
        _check_identifier("who", who)
        return who
    try:
        return os.environ.get("BEREDT_USER") or getpass.getuser()
    except (KeyError, OSError):  # no user name in minimal containers
        return "unknown"


def _check_identifier(what: str, value: str, maximum: int = MAX_KEY_LENGTH) -> None:
    """Refuse a key or name no backend stores alike: empty, too long, with control characters."""
    if not value.strip():
        raise StoreError(f"{what}: is empty")
    if len(value) > maximum:
        raise StoreError(f"{what}: longer than {maximum} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise StoreError(f"{what}: contains a control character (NUL, tab, newline, …)")


def _redact(url: str) -> str:
    """`url` with any password hidden, also when it is not a valid URL."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def _reason(exc: BaseException) -> str:
    """The driver's reason for a failure, on one line."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return "; ".join(lines) or type(original).__name__


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _to_db(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.py_type is tuple:
        return ";".join(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def _from_db(column: Column, value: Any) -> Any:
    if value is None:
        return () if column.py_type is tuple else None
    py = column.py_type
    if py is tuple:
        return tuple(part for part in str(value).split(";") if part)
    if isinstance(py, type) and issubclass(py, StrEnum):
        return py(value)
    if py is float:
        return float(value)
    if py is int:
        return int(value)
    if py is bool:
        return bool(value)
    if py is dt.date and isinstance(value, dt.datetime):
        return value.date()
    if py is dt.date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def _db_row(spec: EntitySpec, row: Mapping[str, Any]) -> dict[str, Any]:
    return {c.name: _to_db(c, row.get(c.name, c.default)) for c in spec.columns}


def _entity_row(spec: EntitySpec, record: Mapping[str, Any] | sa.RowMapping) -> Row:
    return {c.name: _from_db(c, record[c.name]) for c in spec.columns}


def _meta_from_document(document: Mapping[str, Any]) -> BundleMeta:
    return BundleMeta(
        country=document["country"],
        currency=document["currency"],
        as_of=dt.date.fromisoformat(document["as_of"]),
        title=document.get("title", ""),
        title_nb=document.get("title_nb", ""),
        schema_version=int(document.get("schema_version", 1)),
        population=document.get("population"),
        illustrative=bool(document.get("illustrative", False)),
        sources=tuple(Source(**s) for s in document.get("sources", ())),
    )


def _meta_json(meta: BundleMeta) -> str:
    doc = meta_document(meta)
    doc["as_of"] = meta.as_of.isoformat()
    return json.dumps(doc, sort_keys=True, ensure_ascii=False)


class Store:
    """A Beredt database: SQLite file or PostgreSQL server, schema managed by Alembic."""

    def __init__(self, url: str | None = None, *, echo: bool = False) -> None:
        self.url = database_url(url)
        try:
            self.engine = _make_engine(self.url, echo=echo)
        except (sa.exc.ArgumentError, ImportError, ValueError, TypeError) as exc:
            raise StoreUnavailable(
                f"cannot open the database {_redact(self.url)!r}: {_reason(exc)} "
                "(expected sqlite:///FILE or postgresql://USER@HOST/DATABASE)"
            ) from None

    # --- lifecycle --------------------------------------------------------------------------
    @property
    def display_url(self) -> str:
        """The URL with any password hidden."""
        return sa.make_url(self.url).render_as_string(hide_password=True)

    def _alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        return config

    def head_revision(self) -> str | None:
        """The newest migration shipped with this version of Beredt."""
        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def current_revision(self) -> str | None:
        """The migration the database is at (None before `init`)."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def init(self) -> str | None:
        """Create or upgrade the schema to the newest migration; returns the revision.

        Raises :class:`StoreUnavailable` with the reason on one line when the database cannot be
        opened (no such folder, no server, not a database) or is newer than this Beredt.
        """
        head = self.head_revision()
        try:
            current = self.current_revision()
            if current == head:
                return head
            script = ScriptDirectory.from_config(self._alembic_config())
            if current is not None and current not in {r.revision for r in script.walk_revisions()}:
                raise StoreUnavailable(
                    f"the database {self.display_url} is at schema revision {current}, which this "
                    f"version of Beredt does not know (its newest is {head}): upgrade Beredt"
                )
            with self._migrating() as conn:  # concurrent inits queue; the second finds head
                config = self._alembic_config()
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
        except sa.exc.DBAPIError as exc:
            raise StoreUnavailable(self._unavailable_message(exc)) from None
        return head

    @contextmanager
    def _migrating(self) -> Iterator[sa.Connection]:
        """The write transaction a schema change runs in.

        On SQLite a migration that changes a table copies it, drops the old one and renames the
        copy (Alembic's batch mode); with foreign keys enforced, dropping a table that other rows
        reference fails. As SQLite's ALTER TABLE procedure prescribes
        (https://www.sqlite.org/lang_altertable.html#otheralter), foreign keys are switched off
        for the migration — outside the transaction, where the pragma takes effect — and the
        whole database is checked with ``PRAGMA foreign_key_check`` before the commit.
        """
        if self.engine.dialect.name != "sqlite":
            with self._unit_of_work() as conn:
                yield conn
            return
        with self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys=OFF")  # autocommit mode: before our BEGIN IMMEDIATE
            try:
                with conn.begin():
                    yield conn
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        table, _rowid, parent, _fk = broken[0]
                        raise StoreUnavailable(
                            f"upgrading {self.display_url} would leave {len(broken)} rows "
                            f"pointing at missing rows (first: {table} → {parent}); nothing "
                            "was changed"
                        )
            finally:
                raw.execute("PRAGMA foreign_keys=ON")

    def _unavailable_message(self, exc: sa.exc.DBAPIError) -> str:
        reason = _reason(exc)
        url = sa.make_url(self.url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            path = Path(url.database)
            if not path.parent.is_dir():
                reason = f"the folder {path.parent} does not exist"
            elif path.is_dir():
                reason = f"{path} is a folder"
            elif "not a database" in reason:
                reason = f"{path} is not a SQLite database ({reason})"
        return f"cannot open the database {self.display_url}: {reason}"

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    @contextmanager
    def _unit_of_work(self) -> Iterator[sa.Connection]:
        """One write transaction, serialised with every other write to this database."""
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # READ COMMITTED reads what committed before each statement; holding one lock from
                # the first statement to the commit makes read-validate-write units queue, as
                # SQLite's BEGIN IMMEDIATE does. Each statement after it sees all earlier writes.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            yield conn

    @contextmanager
    def _snapshot(self) -> Iterator[sa.Connection]:
        """A read transaction that sees one committed state, never part of a concurrent write."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """A write transaction of the store's repositories, queued behind every other write."""
        with self._unit_of_work() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """A read transaction of the store's repositories that sees one committed state."""
        with self._snapshot() as conn:
            yield conn

    def audit_event(
        self, conn: sa.Connection, who: str, action: str, detail: Mapping[str, Any]
    ) -> None:
        """Append an event to the audit log inside the write transaction `conn`."""
        self._audit(conn, who, action, detail)

    def generation(self, conn: sa.Connection) -> int | None:
        """The dataset's generation as `conn` sees it (None when empty)."""
        return self._generation(conn)

    # --- reading ----------------------------------------------------------------------------
    def _generation(self, conn: sa.Connection) -> int | None:
        value = conn.execute(sa.select(dataset_meta.c.generation)).scalar_one_or_none()
        return None if value is None else int(value)

    def version(self) -> int:
        """A number that grows with every write (the newest audit event): caches key on it."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(audit_log.c.event_id))).scalar() or 0)

    def is_empty(self) -> bool:
        """True when no dataset has been imported."""
        with self._snapshot() as conn:
            return self._generation(conn) is None

    def meta(self) -> BundleMeta | None:
        """The imported bundle's metadata (None when empty)."""
        with self._snapshot() as conn:
            text = conn.execute(sa.select(dataset_meta.c.document)).scalar_one_or_none()
        return None if text is None else _meta_from_document(json.loads(text))

    def _read_tables(self, conn: sa.Connection) -> dict[str, list[Row]]:
        generation = self._generation(conn)
        tables: dict[str, list[Row]] = {}
        for stem, table in ENTITY_TABLES.items():
            spec = _SPECS[stem]
            records = conn.execute(sa.select(table)).mappings()
            tables[stem] = [_entity_row(spec, r) for r in records]
        tables["stock"] = self._stock_rows(conn, generation)
        tables["shortages"] = self._shortage_rows(conn, generation)
        return {spec.stem: canonical_rows(spec, tables[spec.stem]) for spec in ENTITIES}

    def _stock_rows(self, conn: sa.Connection, generation: int | None) -> list[Row]:
        """Ledger entries folded to one row per bundle key: movements summed, last count kept."""
        spec = _SPECS["stock"]
        query = (
            sa.select(stock_ledger)
            .where(stock_ledger.c.generation == generation)
            .order_by(stock_ledger.c.entry_id)
        )
        folded: dict[tuple[Any, ...], Row] = {}
        for record in conn.execute(query).mappings():
            row = _entity_row(spec, record)
            key = tuple(row[k] for k in spec.key)
            if key in folded and row["kind"] == StockEntryKind.MOVEMENT:
                folded[key]["packs"] += row["packs"]
                folded[key]["source"] = folded[key]["source"] or row["source"]
            else:
                folded[key] = row
        return [
            r
            for r in folded.values()
            if not (r["kind"] == StockEntryKind.MOVEMENT and r["packs"] == 0)
        ]

    def _shortage_rows(self, conn: sa.Connection, generation: int | None) -> list[Row]:
        spec = _SPECS["shortages"]
        query = (
            sa.select(shortage_ledger)
            .where(shortage_ledger.c.generation == generation)
            .order_by(shortage_ledger.c.change_id)
        )
        latest: dict[str, Row] = {}
        for record in conn.execute(query).mappings():
            row = _entity_row(spec, record)
            latest[row["notice_id"]] = row
        return list(latest.values())

    def export_bundle(self) -> Bundle:
        """The current dataset as a bundle (stock ledger folded per bundle key)."""
        with self._snapshot() as conn:
            text = conn.execute(sa.select(dataset_meta.c.document)).scalar_one_or_none()
            if text is None:
                raise StoreError(f"the store at {self.display_url} holds no dataset")
            tables = self._read_tables(conn)
        return Bundle(meta=_meta_from_document(json.loads(text)), tables=tables)

    def load_dataset(self, as_of: dt.date | None = None) -> Dataset:
        """The immutable analytic snapshot on `as_of` (default: the dataset's as-of date)."""
        return build_dataset(self.export_bundle(), as_of)

    def counts(self) -> dict[str, int]:
        """Rows per entity in the current state (stock: ledger entries of this generation)."""
        with self._snapshot() as conn:
            generation = self._generation(conn)
            result = {}
            for spec in ENTITIES:
                if spec.stem == "stock":
                    query = sa.select(sa.func.count()).where(
                        stock_ledger.c.generation == generation
                    )
                elif spec.stem == "shortages":
                    query = sa.select(
                        sa.func.count(sa.distinct(shortage_ledger.c.notice_id))
                    ).where(shortage_ledger.c.generation == generation)
                else:
                    query = sa.select(sa.func.count()).select_from(ENTITY_TABLES[spec.stem])
                result[spec.stem] = int(conn.execute(query).scalar_one())
        return result

    def audit(self, limit: int = 50, *, containing: str | None = None) -> list[dict[str, Any]]:
        """The newest audit events, newest first (only those whose detail mentions `containing`)."""
        query = sa.select(audit_log).order_by(audit_log.c.event_id.desc()).limit(limit)
        if containing:
            # The detail is JSON text (ASCII-escaped): search for the text as JSON writes it.
            needle = json.dumps(containing)[1:-1]
            query = query.where(
                sa.or_(
                    audit_log.c.detail.contains(needle, autoescape=True),
                    audit_log.c.action.contains(containing, autoescape=True),
                )
            )
        with self._snapshot() as conn:
            return [
                {**dict(r), "detail": json.loads(r["detail"])}
                for r in conn.execute(query).mappings()
            ]

    # --- writing ----------------------------------------------------------------------------
    def _audit(self, conn: sa.Connection, who: str, action: str, detail: Mapping[str, Any]) -> None:
        conn.execute(
            audit_log.insert().values(
                at=_now(),
                who=who,
                action=action,
                detail=json.dumps(detail, sort_keys=True, default=str),
            )
        )

    def import_bundle(
        self,
        bundle: Bundle,
        *,
        replace: bool = False,
        who: str | None = None,
        origin: str | None = None,
    ) -> int:
        """Write a validated bundle in one transaction; returns the new generation.

        Refuses a non-empty store unless `replace`, which swaps the whole dataset at once. The
        audit event records `origin` (the folder read) and the bundle's content fingerprint.
        """
        problems = validate_tables({s: list(bundle.rows(s)) for s in _SPECS})
        if problems:
            raise ImportRejected(problems, what="bundle")
        who = _who(who)
        with self._unit_of_work() as conn:
            generation = self._generation(conn)
            if generation is not None and not replace:
                raise StoreError(
                    f"the store at {self.display_url} already holds a dataset; "
                    "use --replace to swap it for this bundle"
                )
            new_generation = (generation or 0) + 1
            for stem in reversed(list(ENTITY_TABLES)):
                conn.execute(ENTITY_TABLES[stem].delete())
            for stem, table in ENTITY_TABLES.items():
                rows = [_db_row(_SPECS[stem], r) for r in bundle.rows(stem)]
                if rows:
                    conn.execute(table.insert(), rows)
            now = _now()
            ledger = {"generation": new_generation, "recorded_at": now, "recorded_by": who}
            stock = [{**_db_row(_SPECS["stock"], r), **ledger} for r in bundle.rows("stock")]
            if stock:
                conn.execute(stock_ledger.insert(), stock)
            notices = [
                {**_db_row(_SPECS["shortages"], r), **ledger, "change": "import"}
                for r in bundle.rows("shortages")
            ]
            if notices:
                conn.execute(shortage_ledger.insert(), notices)
            values = {
                "generation": new_generation,
                "document": _meta_json(bundle.meta),
                "imported_at": now,
                "imported_by": who,
            }
            if generation is None:
                conn.execute(dataset_meta.insert().values(id=1, **values))
            else:
                conn.execute(dataset_meta.update().values(**values))
            self._audit(
                conn,
                who,
                "replace bundle" if generation is not None else "import bundle",
                {
                    "generation": new_generation,
                    "counts": bundle.counts(),
                    "title": bundle.meta.title,
                    "folder": origin,
                    "fingerprint": fingerprint(bundle),
                },
            )
        return new_generation

    def merge_rows(
        self,
        stem: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        who: str | None = None,
        source: str | None = None,
    ) -> MergeSummary:
        """Upsert rows of one entity by its natural key, all-or-nothing; re-merging is a no-op."""
        return self.merge_tables({stem: rows}, who=who, source=source)[stem]

    def merge_tables(
        self,
        tables: Mapping[str, Sequence[Mapping[str, Any]]],
        *,
        who: str | None = None,
        source: str | None = None,
    ) -> dict[str, MergeSummary]:
        """Upsert rows of several entities by natural key in ONE transaction; all or nothing.

        The merged dataset is validated as a whole (references, shares, rules) before anything is
        written. A problem in an incoming row is reported with the row's record number (1-based)
        in its table; a problem the merge causes in a stored row names the stored file.
        """
        unknown = set(tables) - set(_SPECS)
        if unknown:
            raise KeyError(f"unknown entities {', '.join(sorted(unknown))}")
        label = source or ", ".join(tables)
        incoming: dict[str, list[Row]] = {}
        problems: list[Problem] = []
        for stem, rows in tables.items():
            spec = _SPECS[stem]
            filled = [{c.name: r.get(c.name, c.default) for c in spec.columns} for r in rows]
            problems += _check_cells(
                spec, filled, f"{label} {spec.file}" if len(tables) > 1 else label
            )
            incoming[stem] = filled
        if problems:
            raise ImportRejected(problems, what=label)
        who = _who(who)
        summaries: dict[str, MergeSummary] = {}
        with self._unit_of_work() as conn:
            if self._generation(conn) is None:
                raise StoreError(
                    f"the store at {self.display_url} holds no dataset: import a bundle first"
                )
            stored = self._read_tables(conn)
            offset = 1_000_000_000  # line numbers from here on mark incoming rows
            merged_tables: dict[str, list[Row]] = {}
            merged_lines: dict[str, list[int]] = {}
            changes: dict[str, tuple[list[Row], list[Row], dict[tuple[Any, ...], Row]]] = {}
            for spec in ENTITIES:
                stem = spec.stem
                current = {tuple(r[k] for k in spec.key): r for r in stored[stem]}
                merged = {
                    key: (row, number) for number, (key, row) in enumerate(current.items(), 1)
                }
                inserted: list[Row] = []
                updated: list[Row] = []
                unchanged = 0
                for index, row in enumerate(incoming.get(stem, [])):
                    key = tuple(row[k] for k in spec.key)
                    if key not in current:
                        inserted.append(row)
                    elif current[key] != row:
                        updated.append(row)
                    else:
                        unchanged += 1
                    merged[key] = (row, offset + index + 1)
                merged_tables[stem] = [r for r, _ in merged.values()]
                merged_lines[stem] = [n for _, n in merged.values()]
                if stem in incoming:
                    changes[stem] = (inserted, updated, current)
                    summaries[stem] = MergeSummary(len(inserted), len(updated), unchanged)
            # Everything in the store was validated when written, so any problem is the merge's.
            for p in validate_tables(merged_tables, merged_lines):
                if p.line is not None and p.line > offset:
                    where = f"{label} {p.file}" if len(tables) > 1 else label
                    problems.append(Problem(where, p.line - offset, p.field, p.reason))
                else:
                    problems.append(Problem(f"stored {p.file}", p.line, p.field, p.reason))
            if problems:
                raise ImportRejected(problems, what=label)
            detail: dict[str, Any] = {"source": source}
            for spec in ENTITIES:
                if spec.stem in changes:
                    inserted, updated, current = changes[spec.stem]
                    self._write_merge(conn, spec, inserted, updated, current, who)
                    detail[spec.stem] = {
                        **vars(summaries[spec.stem]),
                        **_merge_detail(spec, inserted, updated, current),
                    }
            self._audit(conn, who, "merge " + ", ".join(s for s in _SPECS if s in tables), detail)
        return summaries

    def _write_merge(
        self,
        conn: sa.Connection,
        spec: EntitySpec,
        inserted: list[Row],
        updated: list[Row],
        current: Mapping[tuple[Any, ...], Row],
        who: str,
    ) -> None:
        generation = self._generation(conn)
        ledger = {"generation": generation, "recorded_at": _now(), "recorded_by": who}
        if spec.stem == "stock":
            # The ledger folds movements of one key by summing them, so a changed movement is
            # recorded as a correcting movement of the difference; a changed count replaces.
            corrections = []
            for row in updated:
                old = current[tuple(row[k] for k in spec.key)]
                if row["kind"] == StockEntryKind.MOVEMENT:
                    row = {**row, "packs": row["packs"] - old["packs"]}
                corrections.append(row)
            rows = [{**_db_row(spec, r), **ledger} for r in inserted + corrections]
            if rows:
                conn.execute(stock_ledger.insert(), rows)
            return
        if spec.stem == "shortages":
            rows = [{**_db_row(spec, r), **ledger, "change": "create"} for r in inserted]
            rows += [{**_db_row(spec, r), **ledger, "change": "update"} for r in updated]
            if rows:
                conn.execute(shortage_ledger.insert(), rows)
            return
        table = ENTITY_TABLES[spec.stem]
        if inserted:
            conn.execute(table.insert(), [_db_row(spec, r) for r in inserted])
        for row in updated:
            condition = sa.and_(*(table.c[k] == _to_db(spec.column(k), row[k]) for k in spec.key))
            conn.execute(table.update().where(condition).values(**_db_row(spec, row)))

    def add_stock_entry(
        self, row: Mapping[str, Any], *, who: str | None = None, idempotency_key: str | None = None
    ) -> int:
        """Append one stock count or movement to the ledger (validated); returns its entry id."""
        return self.record_stock_entry(row, who=who, idempotency_key=idempotency_key).entry_id

    def record_stock_entry(
        self, row: Mapping[str, Any], *, who: str | None = None, idempotency_key: str | None = None
    ) -> StockReceipt:
        """Append one stock count or movement (validated) and audit it; a retry is a no-op.

        With `idempotency_key`, the key is stored with the entry: recording the same entry with
        the same key again writes nothing and returns the first entry (``replayed``); the same
        key with a different entry is refused.
        """
        spec = _SPECS["stock"]
        entry = canonical_rows(spec, [dict(row)])[0]
        problems = _check_cells(spec, [entry], "stock entry")
        if entry["kind"] == StockEntryKind.COUNT and entry["packs"] < 0:
            problems.append(Problem("stock entry", None, "packs", "a count cannot be negative"))
        if entry["kind"] == StockEntryKind.MOVEMENT and entry["packs"] == 0:
            problems.append(Problem("stock entry", None, "packs", "a movement of 0 packs"))
        if idempotency_key is not None:
            try:
                _check_identifier("idempotency key", idempotency_key)
            except StoreError as exc:
                reason = str(exc).removeprefix("idempotency key: ")
                problems.append(Problem("stock entry", None, "idempotency_key", reason))
        if problems:
            raise ImportRejected(problems, what="stock entry")
        who = _who(who)
        with self._unit_of_work() as conn:
            generation = self._generation(conn)
            if generation is None:
                raise StoreError("the store holds no dataset: import a bundle first")
            if idempotency_key is not None:
                earlier = (
                    conn.execute(
                        sa.select(stock_ledger).where(
                            stock_ledger.c.idempotency_key == idempotency_key
                        )
                    )
                    .mappings()
                    .first()
                )
                if earlier is not None:
                    first = _entity_row(spec, earlier)
                    if first != entry:
                        differs = ", ".join(
                            f"{c.name} {c.format(first[c.name])!r} ≠ {c.format(entry[c.name])!r}"
                            for c in spec.columns
                            if first[c.name] != entry[c.name]
                        )
                        raise ImportRejected(
                            [
                                Problem(
                                    "stock entry",
                                    None,
                                    "idempotency_key",
                                    f"{idempotency_key!r} was already used for entry "
                                    f"{earlier['entry_id']}, a different entry ({differs})",
                                )
                            ],
                            what="stock entry",
                        )
                    return StockReceipt(int(earlier["entry_id"]), int(earlier["generation"]), True)
            products = ENTITY_TABLES["products"]
            known = conn.execute(
                sa.select(products.c.product_id).where(products.c.product_id == entry["product_id"])
            ).first()
            if known is None:
                raise ImportRejected(
                    [
                        Problem(
                            "stock entry",
                            None,
                            "product_id",
                            f"unknown product {entry['product_id']!r}",
                        )
                    ],
                    what="stock entry",
                )
            result = conn.execute(
                stock_ledger.insert().values(
                    **_db_row(spec, entry),
                    generation=generation,
                    recorded_at=_now(),
                    recorded_by=who,
                    idempotency_key=idempotency_key,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            entry_id = int(key[0])
            self._audit(
                conn,
                who,
                "stock entry",
                {
                    "entry_id": entry_id,
                    "generation": generation,
                    "idempotency_key": idempotency_key,
                    **{c.name: _jsonable(entry[c.name]) for c in spec.columns},
                },
            )
        return StockReceipt(entry_id, generation, False)

    def record_stock_report(
        self,
        rows: Sequence[Mapping[str, Any]],
        *,
        who: str | None = None,
        label: str = "stock report",
        lines: Sequence[int] | None = None,
        report_key: str | None = None,
    ) -> StockReport:
        """Append many stock entries at once, all or nothing, with one audit event.

        Every row is checked (cells, a count ≥ 0, a movement ≠ 0, a known product) before
        anything is written; problems name the row's line (`lines`, default 1, 2, …), the field
        and the reason. With `report_key` a retry of the same report writes nothing and returns
        the first one's entry ids; the same key with other rows is refused.
        """
        spec = _SPECS["stock"]
        numbers = list(lines) if lines is not None else list(range(1, len(rows) + 1))
        entries = [{c.name: dict(r).get(c.name, c.default) for c in spec.columns} for r in rows]
        problems = [
            Problem(label, numbers[p.line - 1] if p.line else None, p.field, p.reason)
            for p in _check_cells(spec, entries, label)
        ]
        if not rows:
            problems.append(Problem(label, None, "rows", "the report holds no stock entries"))
        for number, entry in zip(numbers, entries, strict=True):
            packs = entry["packs"]
            if entry["kind"] == StockEntryKind.COUNT and isinstance(packs, int) and packs < 0:
                problems.append(Problem(label, number, "packs", "a count cannot be negative"))
            if entry["kind"] == StockEntryKind.MOVEMENT and entry["packs"] == 0:
                problems.append(Problem(label, number, "packs", "a movement of 0 packs"))
        seen: dict[tuple[Any, ...], int] = {}
        for number, entry in zip(numbers, entries, strict=True):
            if entry["kind"] != StockEntryKind.COUNT:
                continue
            position = tuple(str(entry[k]) for k in spec.key)
            if position in seen:  # two counts of one position on one day: which one holds?
                reason = f"a second count of the same product, holder, tier and date (line {seen[position]})"
                problems.append(Problem(label, number, "packs", reason))
            seen.setdefault(position, number)
        if report_key is not None:
            try:
                _check_identifier("report key", report_key, MAX_KEY_LENGTH - 12)
            except StoreError as exc:
                reason = str(exc).removeprefix("report key: ")
                problems.append(Problem(label, None, "idempotency_key", reason))
        if problems:
            raise ImportRejected(sorted(problems, key=_problem_order), what=label)
        entries = canonical_rows(spec, entries)
        who = _who(who)
        keys = [None if report_key is None else f"{report_key}#{i}" for i in range(len(entries))]
        with self._unit_of_work() as conn:
            generation = self._generation(conn)
            if generation is None:
                raise StoreError("the store holds no dataset: import a bundle first")
            if report_key is not None:
                earlier = [
                    dict(r)
                    for r in conn.execute(
                        sa.select(stock_ledger)
                        .where(stock_ledger.c.idempotency_key.like(f"{report_key}#%"))
                        .order_by(stock_ledger.c.entry_id)
                    ).mappings()
                ]
                earlier = [
                    r for r in earlier if r["idempotency_key"].rpartition("#")[0] == report_key
                ]
                if earlier:
                    first = [_entity_row(spec, r) for r in earlier]
                    if first != entries:
                        raise ImportRejected(
                            [
                                Problem(
                                    label,
                                    None,
                                    "idempotency_key",
                                    f"{report_key!r} was already used for a different report "
                                    f"(entries {earlier[0]['entry_id']}–{earlier[-1]['entry_id']})",
                                )
                            ],
                            what=label,
                        )
                    return StockReport([int(r["entry_id"]) for r in earlier], generation, True)
            products = ENTITY_TABLES["products"]
            wanted = sorted({e["product_id"] for e in entries})
            known = {
                str(r[0])
                for r in conn.execute(
                    sa.select(products.c.product_id).where(products.c.product_id.in_(wanted))
                )
            }
            unknown = [
                Problem(label, n, "product_id", f"unknown product {e['product_id']!r}")
                for n, e in zip(numbers, entries, strict=True)
                if e["product_id"] not in known
            ]
            if unknown:
                raise ImportRejected(unknown, what=label)
            now = _now()
            ids = []
            for entry, key in zip(entries, keys, strict=True):
                result = conn.execute(
                    stock_ledger.insert().values(
                        **_db_row(spec, entry),
                        generation=generation,
                        recorded_at=now,
                        recorded_by=who,
                        idempotency_key=key,
                    )
                )
                assert result.inserted_primary_key is not None
                ids.append(int(result.inserted_primary_key[0]))
            holders = sorted({e["holder"] for e in entries})
            self._audit(
                conn,
                who,
                label,
                {
                    "entries": len(ids),
                    "entry_ids": [ids[0], ids[-1]],
                    "generation": generation,
                    "holders": holders,
                    "idempotency_key": report_key,
                    "packs": sum(int(e["packs"]) for e in entries),
                },
            )
        return StockReport(ids, generation, False)

    def add_shortage_notice(self, row: Mapping[str, Any], *, who: str | None = None) -> str:
        """Record a new notice or a change to one (validated against the dataset); 'created'/'updated'."""
        summary = self.merge_rows("shortages", [row], who=who, source="shortage notice")
        return "created" if summary.inserted else ("updated" if summary.updated else "unchanged")

    # --- saved documents ----------------------------------------------------------------------
    def save_document(
        self, kind: str, key: str, payload: Mapping[str, Any], *, who: str | None = None
    ) -> None:
        """Save (or overwrite) a JSON document, e.g. a shortage response plan."""
        _check_identifier("document kind", kind, 64)
        _check_identifier("document key", key)
        who = _who(who)
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        with self._unit_of_work() as conn:
            condition = sa.and_(documents.c.kind == kind, documents.c.key == key)
            exists = conn.execute(sa.select(documents.c.key).where(condition)).first()
            values = {"payload": text, "saved_at": _now(), "saved_by": who}
            if exists:
                conn.execute(documents.update().where(condition).values(**values))
            else:
                conn.execute(documents.insert().values(kind=kind, key=key, **values))
            self._audit(conn, who, f"save {kind}", {"key": key})

    def get_document(self, kind: str, key: str) -> dict[str, Any] | None:
        """A saved document's payload, or None."""
        with self._snapshot() as conn:
            text = conn.execute(
                sa.select(documents.c.payload).where(
                    documents.c.kind == kind, documents.c.key == key
                )
            ).scalar_one_or_none()
        return None if text is None else dict(json.loads(text))

    def list_documents(self, kind: str) -> list[dict[str, Any]]:
        """Saved documents of one kind: key, saved_at, saved_by (without payloads), by key."""
        with self._snapshot() as conn:
            query = (
                sa.select(documents.c.key, documents.c.saved_at, documents.c.saved_by)
                .where(documents.c.kind == kind)
                .order_by(documents.c.key)
            )
            return [dict(r) for r in conn.execute(query).mappings()]


def _jsonable(value: Any) -> Any:
    """A cell value as JSON writes it in the audit log (dates as text, lists as lists)."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _merge_detail(
    spec: EntitySpec,
    inserted: Sequence[Row],
    updated: Sequence[Row],
    current: Mapping[tuple[Any, ...], Row],
) -> dict[str, Any]:
    """The audit detail of a merge: keys inserted, and each changed field's old and new value.

    This answers "who changed the price of pack X from A to B, and when" from the audit log.
    """

    def key_of(row: Mapping[str, Any]) -> dict[str, Any]:
        return {k: _jsonable(row[k]) for k in spec.key}

    changed = []
    for row in updated:
        old = current[tuple(row[k] for k in spec.key)]
        fields = {
            c.name: [_jsonable(old[c.name]), _jsonable(row[c.name])]
            for c in spec.columns
            if old[c.name] != row[c.name]
        }
        changed.append({"key": key_of(row), "fields": fields})
    return {"inserted_keys": [key_of(r) for r in inserted], "changed": changed}


def _problem_order(problem: Problem) -> tuple[int, str]:
    """Problems by line (those without a line first), then field."""
    return (problem.line if problem.line is not None else 0, problem.field)


def _check_cells(spec: EntitySpec, rows: Sequence[Row], label: str) -> list[Problem]:
    """Parse text cells and check every value against its column; fixes rows up in place."""
    problems = []
    for number, row in enumerate(rows, start=1):
        for column in spec.columns:
            value = row.get(column.name)
            try:
                if isinstance(value, str) and not isinstance(value, StrEnum):
                    row[column.name] = value = column.parse(value)
                elif value is None and column.required:
                    raise ValueError("required value is missing")
                column.check(value)
            except ValueError as exc:
                problems.append(Problem(label, number, column.name, str(exc)))
    return problems


def _make_engine(url: str, *, echo: bool) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, echo=echo, connect_args={"timeout": 60})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            # Our own BEGIN IMMEDIATE (below) instead of pysqlite's deferred transactions, so
            # concurrent writers queue on the lock rather than fail with "database is locked".
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode; commits stay atomic
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(connection: sa.Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, echo=echo, pool_pre_ping=True)
