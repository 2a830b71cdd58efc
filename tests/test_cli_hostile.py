"""Hostile text through the real CLI: printed as it is, never a crash after a commit (issue 19).

Rich parses ``[...]`` as markup and ``:name:`` as emoji codes; a name such as ``Apotek [/]`` used
to make ``status`` fail on every run and write commands fail *after* their commit (a retry then
wrote twice). Every console now prints data literally, and write commands report a commit in a
way that cannot fail.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from beredt.cli import get_app

HOSTILE = ["[/]", "[bold]x[/bold", "[link=x]", ":100:", ":thumbs_up:", "[red]", "\\[/]", "[/x]"]


@pytest.fixture
def cli(sqlite_url: str) -> Callable[..., Result]:
    """Invoke ``beredt`` against a fresh SQLite store."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(
            get_app(), list(args), env={"BEREDT_DATABASE_URL": sqlite_url, "COLUMNS": "250"}
        )

    return invoke


def _ledger_rows(sqlite_url: str, table: str = "stock_ledger") -> int:
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _bundle_with(tmp_path: Path, small: Path, edit: Callable[[Path], None]) -> Path:
    folder = tmp_path / "bundle"
    shutil.copytree(small, folder)
    edit(folder)
    return folder


def _rename_paracetamol(name: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / "substances.csv"
        text = path.read_text(encoding="utf-8")
        assert "N02BE01,paracetamol," in text
        path.write_text(text.replace("N02BE01,paracetamol,", f'N02BE01,"{name}",'), "utf-8")

    return edit


def _no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["paracetamol [/]", "paracetamol :100: [red]"])
def test_status_and_risk_print_a_markup_like_name_as_it_is(
    cli, small_bundle_path: Path, tmp_path: Path, name: str
) -> None:
    bundle = _bundle_with(tmp_path, small_bundle_path, _rename_paracetamol(name))
    assert cli("import", "bundle", str(bundle)).exit_code == 0
    status = cli("status", "--limit", "20")
    assert status.exit_code == 0, status.output
    assert name in status.output
    risk = cli("risk", "--top", "20")
    assert risk.exit_code == 0, risk.output
    assert "paracetamol" in risk.output


def test_import_of_a_bundle_with_a_markup_title_succeeds_once(
    cli, small_bundle_path: Path, tmp_path: Path, sqlite_url: str
) -> None:
    def retitle(folder: Path) -> None:
        toml = folder / "bundle.toml"
        text = toml.read_text(encoding="utf-8")
        head, _, rest = text.partition("title = ")
        toml.write_text(head + 'title = "Sample [/] 2026 :100:"\n' + rest.split("\n", 1)[1])

    bundle = _bundle_with(tmp_path, small_bundle_path, retitle)
    result = cli("import", "bundle", str(bundle))
    assert result.exit_code == 0, result.output
    assert "Sample [/] 2026 :100:" in result.output
    status = cli("status")
    assert status.exit_code == 0, status.output
    assert "Sample [/] 2026 :100:" in status.output


@pytest.mark.parametrize("text", HOSTILE)
def test_write_commands_with_markup_in_every_text_option_commit_once_and_exit_0(
    cli, small_bundle_path: Path, sqlite_url: str, text: str
) -> None:
    assert cli("import", "bundle", str(small_bundle_path)).exit_code == 0
    before = _ledger_rows(sqlite_url)
    added = cli(
        "stock", "add", "--product", "800001", "--holder", f"Apotek {text}", "--tier", "pharmacy",
        "--packs", "5", "--source", text, "--who", text,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert f"Apotek {text}" in added.output
    assert _ledger_rows(sqlite_url) == before + 1
    notice = cli(
        "shortage", "add", "--id", f"X-{text}", "--atc", "N02BE01", "--status", "ongoing",
        "--start", "2026-10-01", "--title", text, "--who", text,
    )  # fmt: skip
    assert notice.exit_code == 0, notice.output
    assert f"notice X-{text}: created" in notice.output
    audit = cli("audit", "--limit", "5")
    assert audit.exit_code == 0, audit.output
    assert text in audit.output
    shortages = cli("shortages")
    assert shortages.exit_code == 0, shortages.output


def test_a_problem_on_line_100_prints_its_line_number_not_an_emoji(
    cli, small_bundle_path: Path, tmp_path: Path
) -> None:
    def pad_stock(folder: Path) -> None:
        path = folder / "stock.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        row = lines[1].split(",")
        while len(lines) < 99:
            row[2] = f"Holder {len(lines)}"  # a new key per line
            lines.append(",".join(row))
        row[0] = "not-a-date"
        lines.append(",".join(row))  # line 100
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    header = (small_bundle_path / "stock.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    assert header.startswith("date,"), header
    bundle = _bundle_with(tmp_path, small_bundle_path, pad_stock)
    result = cli("import", "bundle", str(bundle))
    assert result.exit_code == 2, result.output
    assert "stock.csv:100: date: 'not-a-date' is not a date (YYYY-MM-DD)" in result.output
    assert "💯" not in result.output


def test_idempotency_key_makes_a_retry_a_no_op(cli, small_bundle_path: Path, sqlite_url) -> None:
    assert cli("import", "bundle", str(small_bundle_path)).exit_code == 0
    before = _ledger_rows(sqlite_url)
    args = ["stock", "add", "--product", "800001", "--holder", "Apotek 1", "--tier", "pharmacy",
            "--packs", "-40", "--date", "2026-10-20", "--idempotency-key", "delivery-2026-118"]  # fmt: skip
    first = cli(*args, "--json", "-")
    assert first.exit_code == 0, first.output
    first_json = json.loads(first.stdout)
    assert first_json["replayed"] is False
    retry = cli(*args, "--json", "-")
    assert retry.exit_code == 0, retry.output
    retry_json = json.loads(retry.stdout)
    assert retry_json["replayed"] is True
    assert retry_json["entry_id"] == first_json["entry_id"]
    assert "already recorded" in retry.output
    assert _ledger_rows(sqlite_url) == before + 1
    # The same key for a different entry is a mistake, not a retry: refused, nothing written.
    other = cli(*[a if a != "-40" else "-41" for a in args])
    assert other.exit_code == 2, other.output
    assert "idempotency_key: 'delivery-2026-118' was already used for entry" in other.output
    assert "packs '-40' ≠ '-41'" in other.output
    assert _ledger_rows(sqlite_url) == before + 1
    # Without a key every call is a new entry, as before.
    plain = [a for a in args if a not in ("--idempotency-key", "delivery-2026-118")]
    assert cli(*plain).exit_code == 0
    assert cli(*plain).exit_code == 0
    assert _ledger_rows(sqlite_url) == before + 3


def test_json_target_that_cannot_be_written_fails_before_the_commit(
    cli, small_bundle_path: Path, sqlite_url: str, tmp_path: Path
) -> None:
    assert cli("import", "bundle", str(small_bundle_path)).exit_code == 0
    before = _ledger_rows(sqlite_url)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    result = cli(
        "stock", "add", "--product", "800001", "--holder", "Apotek 1", "--tier", "pharmacy",
        "--packs", "5", "--json", str(folder),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "is a folder" in result.output
    assert _ledger_rows(sqlite_url) == before


# --- property-based: arbitrary text in every text option of the write commands ---------------
_CHARS = st.text(
    alphabet=st.sampled_from(string.printable + "[]/:\\æøå💯\u202e\u00a0\x00\x1b"),
    min_size=1,
    max_size=12,
)
#: Random text with rich markup, emoji codes and control characters mixed in.
_TEXT = st.lists(st.one_of(st.sampled_from(HOSTILE), _CHARS), min_size=1, max_size=4).map("".join)


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory: pytest.TempPathFactory, small_bundle_path: Path) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'beredt.db'}"
    result = CliRunner().invoke(
        get_app(), ["import", "bundle", str(small_bundle_path)], env={"BEREDT_DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    return url


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(holder=_TEXT, source=_TEXT, who=_TEXT, key=st.none() | _TEXT)
def test_stock_add_never_crashes_on_any_text(
    seeded_store: str, holder: str, source: str, who: str, key: str | None
) -> None:
    before = _ledger_rows(seeded_store)
    keyed = [] if key is None else ["--idempotency-key", key]
    result = CliRunner().invoke(
        get_app(),
        ["stock", "add", "--product", "800001", "--holder", holder, "--tier", "pharmacy",
         "--packs", "3", "--source", source, "--who", who, *keyed],
        env={"BEREDT_DATABASE_URL": seeded_store},
    )  # fmt: skip
    _no_traceback(result)
    after = _ledger_rows(seeded_store)
    if result.exit_code == 0:
        # Written (or, for a key drawn twice, already written): said so, never an error.
        assert after in (before, before + 1)
        assert ("recorded movement" in result.output) == (after == before + 1)
    else:
        # Refused before the commit (NUL, control characters, blank): nothing written.
        assert result.exit_code in (1, 2), result.output
        assert after == before


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notice_id=_TEXT, title=_TEXT, source=_TEXT, who=_TEXT)
def test_shortage_add_never_crashes_on_any_text(
    seeded_store: str, notice_id: str, title: str, source: str, who: str
) -> None:
    before = _ledger_rows(seeded_store, "shortage_ledger")
    result = CliRunner().invoke(
        get_app(),
        ["shortage", "add", "--id", notice_id, "--atc", "N02BE01", "--status", "ongoing",
         "--start", "2026-10-01", "--title", title, "--source", source, "--who", who],
        env={"BEREDT_DATABASE_URL": seeded_store},
    )  # fmt: skip
    _no_traceback(result)
    after = _ledger_rows(seeded_store, "shortage_ledger")
    if result.exit_code == 0:
        assert after in (before, before + 1)
    else:
        assert result.exit_code in (1, 2, 3), result.output
        assert after == before
    audit = CliRunner().invoke(
        get_app(), ["audit", "--limit", "3"], env={"BEREDT_DATABASE_URL": seeded_store}
    )
    assert audit.exit_code == 0, audit.output


# --- property-based: arbitrary text in the bundle's text cells -----------------------------------
_ANY_TEXT = st.lists(
    st.one_of(st.sampled_from([*HOSTILE, "=cmd|' /C calc'!A0", "\r", "\u2028", "\x00"]), st.text()),
    min_size=1,
    max_size=3,
).map("".join)


@pytest.fixture(scope="module")
def replace_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("bundles")
    return f"sqlite:///{folder / 'beredt.db'}", folder


@pytest.mark.slow
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(substance=_ANY_TEXT, product=_ANY_TEXT, holder=_ANY_TEXT, notice=_ANY_TEXT, title=_ANY_TEXT)
def test_any_text_in_bundle_cells_imports_prints_and_round_trips_or_is_refused(
    replace_store: tuple[str, Path],
    small_bundle,
    substance: str,
    product: str,
    holder: str,
    notice: str,
    title: str,
) -> None:
    import dataclasses
    import uuid

    from beredt.domain.bundle import Bundle
    from beredt.ingest.bundle import read_bundle, write_bundle

    url, base = replace_store
    env = {"BEREDT_DATABASE_URL": url, "COLUMNS": "250"}
    tables = {stem: [dict(r) for r in small_bundle.rows(stem)] for stem in small_bundle.tables}
    tables["substances"][0]["name"] = substance
    tables["products"][0]["name"] = product
    tables["stock"][0]["holder"] = holder
    tables["shortages"][0]["title"] = notice
    meta = dataclasses.replace(small_bundle.meta, title=title)
    folder = base / uuid.uuid4().hex
    write_bundle(Bundle(meta, tables), folder)
    runner = CliRunner()
    before = _ledger_rows(url, "audit_log") if Path(url.removeprefix("sqlite:///")).exists() else 0
    imported = runner.invoke(get_app(), ["import", "bundle", "--replace", str(folder)], env=env)
    _no_traceback(imported)
    if imported.exit_code != 0:
        assert imported.exit_code == 2, imported.output  # refused (e.g. NUL), nothing written
        assert "rejected" in imported.output
        after = _ledger_rows(url, "audit_log") if before else 0
        assert after == before
        return
    for command in (["status"], ["risk", "--top", "3"], ["audit", "--limit", "2"], ["shortages"]):
        shown = runner.invoke(get_app(), command, env=env)
        _no_traceback(shown)
        assert shown.exit_code == 0, (command, shown.output)
    exported = base / uuid.uuid4().hex
    assert runner.invoke(get_app(), ["export", "bundle", str(exported)], env=env).exit_code == 0
    assert read_bundle(exported) == read_bundle(folder)
    shutil.rmtree(folder)
    shutil.rmtree(exported)
