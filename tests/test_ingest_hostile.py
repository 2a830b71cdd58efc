"""Hostile input files: bounded memory and a clear ``file:line: field: reason`` (issue 19).

The corpus here is what a probe of every importer found: inputs that grew memory without bound,
raised tracebacks, rounded numbers silently or were accepted against the documentation. Every
importer must answer each with :class:`ImportRejected` (or a clean result), never another
exception, and never read more than it needs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from beredt.domain.bundle import Bundle
from beredt.domain.schema import EARLIEST_DATE, LATEST_DATE
from beredt.industry.jsonstat import read_jsonstat
from beredt.ingest import sources
from beredt.ingest.atc_ddd import read_atc_ddd
from beredt.ingest.bundle import read_bundle
from beredt.ingest.errors import ImportRejected
from beredt.ingest.fest import scan_fest
from beredt.ingest.shortages_dmp import read_dmp_shortages
from beredt.ingest.shortages_ema import read_ema_shortages
from beredt.ingest.shortages_openfda import read_openfda_shortages

M30 = "http://www.kith.no/xmlstds/eresept/m30/2014-12-01"
FIXTURES = Path(__file__).parent / "data" / "fixtures"


def _rejected(read: Callable[[], object]) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        read()
    return [str(p) for p in caught.value.problems]


# --- JSON importers ---------------------------------------------------------------------------
JSON_READERS: dict[str, Callable[[Path, Bundle], object]] = {
    "ema": read_ema_shortages,
    "openfda": read_openfda_shortages,
    "dmp": read_dmp_shortages,
    "jsonstat": lambda path, _bundle: read_jsonstat(path),
}

#: name → (file text, where the problem is, what it says)
JSON_CORPUS: dict[str, tuple[str, str, str]] = {
    "deep-nesting": ('{"data":\n' + "[" * 100_000, "x.json:2: json: ", "nested more than 200"),
    "long-integer": ('[\n{"a": ' + "7" * 5000 + "}]", "x.json:2: json: ", "more than 4,300 digits"),
    "truncated": ('[{"a": 1},\n{"b": ', "x.json:2: json: ", "Expecting value (column 7)"),
    "empty": ("", "x.json:1: json: ", "Expecting value (column 1)"),
}


@pytest.mark.parametrize("reader", list(JSON_READERS))
@pytest.mark.parametrize("case", list(JSON_CORPUS))
def test_malformed_json_is_rejected_with_its_line(
    tmp_path: Path, small_bundle: Bundle, reader: str, case: str
) -> None:
    text, where, reason = JSON_CORPUS[case]
    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    problems = _rejected(lambda: JSON_READERS[reader](path, small_bundle))
    assert any(p.startswith(where) and reason in p for p in problems), problems


@pytest.mark.parametrize("reader", ["ema", "openfda", "dmp"])
def test_a_repeated_envelope_member_is_rejected(
    tmp_path: Path, small_bundle: Bundle, reader: str
) -> None:
    key = {"ema": "data", "openfda": "results", "dmp": "data"}[reader]
    path = tmp_path / "x.json"
    path.write_text(f'{{"{key}": 5,\n "meta": {{}},\n "{key}": []}}', encoding="utf-8")
    problems = _rejected(lambda: JSON_READERS[reader](path, small_bundle))
    assert problems == [
        f"x.json:3: json: the member '{key}' appears twice in the top-level object (first on line 1)"
    ]


@pytest.mark.parametrize("reader", list(JSON_READERS))
def test_non_regular_files_are_refused_before_reading(
    tmp_path: Path, small_bundle: Bundle, reader: str
) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # opening it would block until a writer came
    problems = _rejected(lambda: JSON_READERS[reader](fifo, small_bundle))
    assert any("pipe.json: file: is not a regular file" in p for p in problems), problems
    problems = _rejected(lambda: JSON_READERS[reader](Path("/dev/zero"), small_bundle))
    assert any("zero: file: is not a regular file" in p for p in problems), problems
    problems = _rejected(lambda: JSON_READERS[reader](tmp_path, small_bundle))
    assert any("is a folder, not a file" in p for p in problems), problems


@pytest.mark.parametrize("reader", list(JSON_READERS))
def test_files_beyond_the_size_cap_are_refused_unread(
    tmp_path: Path, small_bundle: Bundle, reader: str
) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as f:  # sparse: no disk used
        f.truncate(sources.MAX_INPUT_BYTES + 1)
    problems = _rejected(lambda: JSON_READERS[reader](big, small_bundle))
    assert any("MB this importer reads" in p for p in problems), problems


def test_nul_in_an_imported_text_is_rejected_at_its_line(
    tmp_path: Path, small_bundle: Bundle
) -> None:
    records = json.loads((FIXTURES / "ema_shortages_sample.json").read_text(encoding="utf-8"))
    insulin = next(r for r in records if r["medicine_affected"].startswith("Insulin (human"))
    insulin["medicine_affected"] = "Insulin (human insulin)\u0000"
    path = tmp_path / "x.json"
    path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    from beredt.ingest.sources import check_import

    result = read_ema_shortages(path, small_bundle)
    problems = _rejected(lambda: check_import(small_bundle, result))
    assert any(p.startswith("x.json:") and "title: contains a NUL character" in p for p in problems)


# --- JSON-stat: declared sizes are checked before anything is allocated ----------------------
def _jsonstat_declaring(tmp_path: Path, sizes: list[int]) -> Path:
    ids = [f"d{i}" for i in range(len(sizes))]
    dimension = {
        i: {"category": {"index": [f"{i}{k}" for k in range(n)]}}
        for i, n in zip(ids, sizes, strict=True)
    }
    doc = {"version": "2.0", "class": "dataset", "id": ids, "size": sizes}
    doc |= {"dimension": dimension, "value": {}}
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("sizes", [[10_000, 10_000, 10_000], [3_000, 7_001]])
def test_jsonstat_declaring_too_many_cells_is_refused(tmp_path: Path, sizes: list[int]) -> None:
    path = _jsonstat_declaring(tmp_path, sizes)
    assert path.stat().st_size < 2_000_000  # a small file …
    problems = _rejected(lambda: read_jsonstat(path))
    cells = sizes[0] * sizes[1] * (sizes[2] if len(sizes) > 2 else 1)
    assert problems == [
        f"huge.json: size: declares {cells:,} cells (the product of {sizes}), more than the "
        "20,000,000 read: ask the statistics API for a smaller table"
    ]


# --- FEST: memory bounded by what is kept, not by the file ------------------------------------
def _hostile_fest(path: Path, megabytes: int, root: str = "FEST") -> Path:
    """A zip whose catalogue is `megabytes` MB of elements no FEST reader knows."""
    block = b"<Ukjent><a/></Ukjent>" * 10_000
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("f.xml", "w") as f,
    ):
        f.write(f'<?xml version="1.0"?><{root} xmlns="{M30}"><HentetDato>2026-11-01'.encode())
        f.write(b"T00:00:00</HentetDato>")
        for _ in range(megabytes * 2**20 // len(block)):
            f.write(block)
        f.write(f"</{root}>".encode())
    return path


_MEASURE = """
import resource, sys
from pathlib import Path
from beredt.ingest.fest import scan_fest
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
catalogue = scan_fest(Path(sys.argv[1]))
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
print(grown // 1024, catalogue.entries, len(catalogue.problems))
"""


@pytest.mark.slow
def test_unknown_elements_in_fest_do_not_grow_memory(tmp_path: Path) -> None:
    # 40 MB of unknown elements (a 100 kB zip) kept whole took 485 MB; freed, nothing measurable.
    path = _hostile_fest(tmp_path / "hostile.zip", 40)
    assert path.stat().st_size < 300_000
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    grown_mb, entries, problems = (int(x) for x in out)
    assert (entries, problems) == (0, 0)
    assert grown_mb < 60, f"peak RSS grew {grown_mb} MB"


def test_a_file_without_a_fest_root_is_refused_early(tmp_path: Path) -> None:
    catalogue = scan_fest(_hostile_fest(tmp_path / "other.zip", 3, root="Other"))
    assert [str(p) for p in catalogue.problems] == [
        "other.zip:1: FEST: the root element is not FEST: not a FEST catalogue"
    ]
    assert catalogue.bytes_read < 2 * 2**20


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_fest_refuses_what_is_not_a_regular_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "fest.xml"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    problems = _rejected(lambda: scan_fest(path))
    assert problems[0].startswith("fest.xml: file: is ")


# --- bundles ---------------------------------------------------------------------------------
def _bundle(small: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "bundle"
    shutil.copytree(small, folder)
    return folder


def _set_cell(folder: Path, file: str, line: int, column: str, value: str) -> None:
    path = folder / file
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("value", ["20261001", "2026-W40-1", "2026-10-1", " 2026-10-01x"])
def test_bundle_dates_are_yyyy_mm_dd_only(
    small_bundle_path: Path, tmp_path: Path, value: str
) -> None:
    folder = _bundle(small_bundle_path, tmp_path)
    _set_cell(folder, "stock.csv", 2, "date", value)
    assert _rejected(lambda: read_bundle(folder)) == [
        f"stock.csv:2: date: {value.strip()!r} is not a date (YYYY-MM-DD)"
    ]


@pytest.mark.parametrize("value", ["0001-01-01", "1949-12-31", "2101-01-01", "9999-12-31"])
def test_bundles_and_importers_share_one_date_range(
    small_bundle_path: Path, tmp_path: Path, value: str
) -> None:
    folder = _bundle(small_bundle_path, tmp_path)
    _set_cell(folder, "stock.csv", 2, "date", value)
    assert _rejected(lambda: read_bundle(folder)) == [
        f"stock.csv:2: date: {value} is outside 1950–2100: not a plausible date"
    ]
    assert (sources.EARLIEST_DATE, sources.LATEST_DATE) == (EARLIEST_DATE, LATEST_DATE)
    with pytest.raises(ValueError, match="outside 1950–2100"):
        sources.parse_date(value, ("%Y-%m-%d",))


def test_bundle_as_of_outside_the_range_is_refused(small_bundle_path: Path, tmp_path: Path) -> None:
    folder = _bundle(small_bundle_path, tmp_path)
    toml = folder / "bundle.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("as_of = 2026-11-01", "as_of = 0001-01-01"), encoding="utf-8")
    problems = _rejected(lambda: read_bundle(folder))
    assert any("as_of: 0001-01-01 is outside 1950–2100" in p for p in problems), problems


def test_integers_above_2_53_are_stored_exactly(
    small_bundle_path: Path, tmp_path: Path, store_url: str
) -> None:
    from beredt.store import Store

    folder = _bundle(small_bundle_path, tmp_path)
    _set_cell(folder, "stock.csv", 2, "packs", "9007199254740993")
    bundle = read_bundle(folder)
    assert 9007199254740993 in [r["packs"] for r in bundle.rows("stock")]
    store = Store(store_url)
    store.init()
    store.import_bundle(bundle)
    assert 9007199254740993 in [r["packs"] for r in store.export_bundle().rows("stock")]
    store.dispose()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (str(2**63), f"{2**63} does not fit a 64-bit whole number"),
        ("9" * 5000, "is not a whole number that fits 64 bits"),
        ("1e400", "does not fit a 64-bit whole number"),
        ("12.5", "'12.5' is not a whole number"),
    ],
)
def test_whole_numbers_that_do_not_fit_are_rejected(
    small_bundle_path: Path, tmp_path: Path, value: str, reason: str
) -> None:
    folder = _bundle(small_bundle_path, tmp_path)
    _set_cell(folder, "stock.csv", 2, "packs", value)
    [problem] = _rejected(lambda: read_bundle(folder))
    assert problem.startswith("stock.csv:2: packs: ")
    assert reason in problem


def test_nul_in_a_bundle_cell_is_rejected_on_every_backend(
    small_bundle_path: Path, tmp_path: Path, store_url: str, dump_db
) -> None:
    from beredt.store import Store

    folder = _bundle(small_bundle_path, tmp_path)
    _set_cell(folder, "stock.csv", 2, "holder", "Apotek\x001")
    assert _rejected(lambda: read_bundle(folder)) == [
        "stock.csv:2: holder: contains a NUL character (at position 7)"
    ]
    # Through the store (a merge), on SQLite and on PostgreSQL alike: refused, nothing written.
    store = Store(store_url)
    store.init()
    store.import_bundle(read_bundle(small_bundle_path))
    before = dump_db(store_url)
    row = dict(store.export_bundle().rows("stock")[0])
    with pytest.raises(ImportRejected, match="contains a NUL character"):
        store.merge_rows("stock", [{**row, "holder": "Apotek\x002"}])
    with pytest.raises(ImportRejected, match="contains a NUL character"):
        store.add_shortage_notice(
            {
                "notice_id": "N\x00",
                "atc_code": "N02BE01",
                "status": "ongoing",
                "start_date": EARLIEST_DATE,
            }
        )
    assert dump_db(store_url) == before
    store.dispose()


def test_a_bom_in_bundle_toml_is_accepted(small_bundle_path: Path, tmp_path: Path) -> None:
    folder = _bundle(small_bundle_path, tmp_path)
    toml = folder / "bundle.toml"
    toml.write_bytes(b"\xef\xbb\xbf" + toml.read_bytes())
    assert read_bundle(folder).meta == read_bundle(small_bundle_path).meta


def test_a_bundle_refuses_symlinks_out_of_its_folder(
    small_bundle_path: Path, tmp_path: Path
) -> None:
    folder = _bundle(small_bundle_path, tmp_path)
    outside = tmp_path / "elsewhere.csv"
    shutil.move(folder / "trade.csv", outside)
    (folder / "trade.csv").symlink_to(outside)
    assert _rejected(lambda: read_bundle(folder)) == [
        "trade.csv: file: is a symbolic link to a file outside the bundle folder: copy the file in"
    ]
    # A link inside the folder is just another name for a file of the bundle.
    (folder / "trade.csv").unlink()
    shutil.move(outside, folder / "trade-2026.txt")
    (folder / "trade.csv").symlink_to(folder / "trade-2026.txt")
    assert read_bundle(folder) == read_bundle(small_bundle_path)


def test_an_empty_substances_file_reports_only_itself(
    small_bundle_path: Path, tmp_path: Path
) -> None:
    folder = _bundle(small_bundle_path, tmp_path)
    (folder / "substances.csv").write_text("", encoding="utf-8")
    assert _rejected(lambda: read_bundle(folder)) == [
        "substances.csv:1: header: the file is empty (a header line is needed)"
    ]


def test_a_missing_required_column_reports_only_itself(
    small_bundle_path: Path, tmp_path: Path
) -> None:
    folder = _bundle(small_bundle_path, tmp_path)
    path = folder / "substances.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("atc_code,", "code,", 1), encoding="utf-8")
    assert _rejected(lambda: read_bundle(folder)) == [
        "substances.csv:1: atc_code: required column is missing",
        "substances.csv:1: code: unknown column",
    ]


# --- WHO ATC/DDD -----------------------------------------------------------------------------
def test_atc_rows_repeating_code_and_route_with_another_ddd_are_warned(
    tmp_path: Path, small_bundle: Bundle
) -> None:
    path = tmp_path / "atc.csv"
    path.write_text(
        "atc_code,atc_name,ddd,uom,adm_r,note\n"
        "N02BE01,paracetamol,3,g,O,\n"
        "N02BE01,paracetamol,3,g,R,\n"
        "N02BE01,paracetamol,4,g,O,\n"
        "N02BE01,paracetamol,3000,mg,O,\n",  # the same dose written in mg: no conflict
        encoding="utf-8",
    )
    result = read_atc_ddd(path, small_bundle)
    warnings = [str(w) for w in result.warnings if "repeats" in w.reason]
    assert warnings == [
        "atc.csv:4: N02BE01: route O repeats line 2 with another DDD (4 g O here, 3 g O there): "
        "line 2's is used; check which the substance needs"
    ]
    [row] = result.rows["substances"]
    assert (row["ddd"], row["ddd_unit"]) == (3, "g")


@pytest.mark.parametrize("text", ["Apotek\r1", "Apotek\u20281", "Apotek\x1c1", "Apotek\x851"])
def test_line_break_characters_in_a_cell_round_trip(
    small_bundle: Bundle, tmp_path: Path, text: str
) -> None:
    from beredt.ingest.bundle import write_bundle

    tables = {stem: [dict(r) for r in small_bundle.rows(stem)] for stem in small_bundle.tables}
    tables["stock"][0]["holder"] = text
    write_bundle(Bundle(small_bundle.meta, tables), tmp_path / "a")
    first = read_bundle(tmp_path / "a")
    assert text in [r["holder"] for r in first.rows("stock")]
    write_bundle(first, tmp_path / "b")
    for name in ("stock.csv", "bundle.toml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
