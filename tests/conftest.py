"""Shared fixtures: the small hand-made bundle, its dataset, and the Hypothesis profiles."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from beredt.domain.bundle import Bundle
from beredt.domain.dataset import Dataset, build_dataset
from beredt.ingest.bundle import read_bundle

DATA = Path(__file__).parent / "data"
SMALL_BUNDLE = DATA / "small"

# Reproducible property tests on a slow 2-core CI machine: no deadline, derandomised, bounded.
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=40)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def small_bundle_path() -> Path:
    """Folder of the small hand-made test bundle."""
    return SMALL_BUNDLE


@pytest.fixture(scope="session")
def small_bundle() -> Bundle:
    """The small test bundle, read and validated."""
    return read_bundle(SMALL_BUNDLE)


@pytest.fixture(scope="session")
def small_dataset(small_bundle: Bundle) -> Dataset:
    """The analytic snapshot of the small bundle on its as-of date."""
    return build_dataset(small_bundle)


SAMPLE_BUNDLE = Path(__file__).resolve().parents[1] / "src" / "beredt" / "data" / "sample-no"


@pytest.fixture(scope="session")
def sample_dataset() -> Dataset:
    """The Norwegian sample bundle (data/sample-no) on its as-of date."""
    return build_dataset(read_bundle(SAMPLE_BUNDLE))


# --- databases ------------------------------------------------------------------------------
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a PostgreSQL server: ``BEREDT_TEST_DATABASE_URL``, or a throwaway 15 cluster.

    Outside CI a machine without the server binaries skips with the reason; with ``CI=true`` a
    missing server fails the run instead.
    """
    configured = os.environ.get("BEREDT_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    if not (PG_BIN / "initdb").exists():
        reason = f"PostgreSQL 15 server binaries not found in {PG_BIN}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI must test PostgreSQL (.ci/run installs it)")
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="beredt-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(base, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    port = _free_port()
    subprocess.run(
        [*as_postgres, str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
         "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {base} -c fsync=off"
    subprocess.run(
        [*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "log"),
         "-o", options, "-w", "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards)."""
    import sqlalchemy as sa

    name = f"beredt_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a new SQLite file in the test's temporary folder."""
    return f"sqlite:///{tmp_path / 'beredt.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs against SQLite and against PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


def dump_database(url: str) -> str:
    """A full text dump of a database (schema and data), to prove a failed write changed nothing."""
    if url.startswith("sqlite"):
        import sqlite3

        path = url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(path)) as conn:
            return "\n".join(conn.iterdump())
    import sqlalchemy as sa

    plain = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    result = subprocess.run(
        [str(PG_BIN / "pg_dump"), "--no-owner", "--dbname", plain],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    # pg_dump ≥ 15.14 brackets the dump with a random \\restrict key: not part of the data
    return "\n".join(
        line
        for line in result.stdout.splitlines()
        if not line.startswith(("\\restrict", "\\unrestrict"))
    )


@pytest.fixture
def dump_db() -> Callable[[str], str]:
    """The :func:`dump_database` function, for tests that compare a database before and after."""
    return dump_database
