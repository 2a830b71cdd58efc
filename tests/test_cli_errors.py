"""User errors end in one clear line and an exit code ≠ 0, never a traceback (issue 19, item 5)."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from beredt.cli import get_app


def _invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(get_app(), list(args), env=env or {})


def _clean_failure(result: Result) -> str:
    """The error line of a failed command (asserting it failed cleanly)."""
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    return errors[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


def _not_a_database(tmp_path: Path) -> str:
    path = tmp_path / "notes.db"
    path.write_text("these are notes, not a database\n" * 100, encoding="utf-8")
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (lambda tmp: f"sqlite:///{tmp / 'no-such-folder' / 'beredt.db'}", "does not exist"),
        (lambda tmp: f"sqlite:///{tmp}", "is a folder"),
        (_not_a_database, "is not a SQLite database"),
        (lambda tmp: "nosuchdb://user@host/db", "cannot open the database"),
        (lambda tmp: "mysql://user@localhost/db", "cannot open the database"),
        (lambda tmp: "not a url at all", "cannot open the database"),
        (lambda tmp: f"postgresql://u:secret@127.0.0.1:{_closed_port()}/x", "127.0.0.1"),
    ],
    ids=["missing-folder", "folder", "not-a-database", "dialect", "driver", "garbage", "port"],
)
@pytest.mark.parametrize("command", [["status"], ["init"], ["audit"]])
def test_every_bad_db_url_is_one_clear_line(
    tmp_path: Path, url: Callable[[Path], str], reason: str, command: list[str]
) -> None:
    target = url(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    line = _clean_failure(_invoke(*command, "--db", target))
    assert reason in line
    assert "secret" not in line  # passwords never printed
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing created


def test_a_database_from_a_newer_beredt_is_refused(tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'b.db'}"
    assert _invoke("init", "--db", url).exit_code == 0
    with sqlite3.connect(tmp_path / "b.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    line = _clean_failure(_invoke("status", "--db", url))
    assert "schema revision 9999" in line


def test_export_bundle_onto_an_existing_file_is_refused(
    tmp_path: Path, small_bundle_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    assert _invoke("import", "bundle", str(small_bundle_path), "--db", url).exit_code == 0
    target = tmp_path / "existing.txt"
    target.write_text("keep me", encoding="utf-8")
    line = _clean_failure(_invoke("export", "bundle", str(target), "--db", url))
    assert "exists and is not a folder" in line
    assert target.read_text(encoding="utf-8") == "keep me"


def test_import_ssb_of_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = _invoke("import", "ssb", str(tmp_path), "--dry-run")
    _clean_failure(result)
    assert f"{tmp_path.name}: file: is a folder, not a file" in result.output


@pytest.mark.parametrize("packs", [str(2**63), str(-(2**63) - 1), "9" * 40])
def test_packs_beyond_64_bits_are_refused_before_the_store(
    tmp_path: Path, small_bundle_path: Path, packs: str
) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    assert _invoke("import", "bundle", str(small_bundle_path), "--db", url).exit_code == 0
    result = _invoke(
        "stock", "add", "--product", "800001", "--holder", "A", "--tier", "pharmacy",
        "--packs", packs, "--db", url,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "does not fit a 64-bit whole number" in result.output


def test_nul_in_a_cli_text_option_is_refused_and_nothing_written(
    tmp_path: Path, small_bundle_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    assert _invoke("import", "bundle", str(small_bundle_path), "--db", url).exit_code == 0
    result = _invoke(
        "shortage", "add", "--id", "NUL-1", "--atc", "N02BE01", "--status", "ongoing",
        "--start", "2026-10-01", "--title", "a\x00b", "--db", url,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "title: contains a NUL character" in result.output
    listed = _invoke("shortages", "--json", "-", "--db", url)
    assert "NUL-1" not in listed.stdout


def test_bundle_with_integers_beyond_64_bits_is_rejected_with_its_line(
    tmp_path: Path, small_bundle_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(small_bundle_path, bundle)
    stock = bundle / "stock.csv"
    lines = stock.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("packs")] = str(2**63)
    lines[1] = ",".join(cells)
    stock.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _invoke("import", "bundle", str(bundle), "--db", f"sqlite:///{tmp_path / 'b.db'}")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"stock.csv:2: packs: {2**63} does not fit a 64-bit whole number" in result.output


def test_run_with_a_bad_db_url_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "b.db"
    result = _invoke("run", "--db", f"sqlite:///{missing}", "--out", str(tmp_path / "out"))
    assert "does not exist" in _clean_failure(result)
