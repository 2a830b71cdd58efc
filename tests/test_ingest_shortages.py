"""Shortage-list importers (EMA, openFDA, DMP): mapping, matching, keys, and bad input."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beredt.domain.bundle import Bundle, fingerprint
from beredt.domain.enums import ShortageCause, ShortageStatus
from beredt.ingest.bundle import read_bundle, write_bundle
from beredt.ingest.errors import ImportRejected
from beredt.ingest.shortages_dmp import read_dmp_shortages
from beredt.ingest.shortages_ema import expected_end_from_text, read_ema_shortages
from beredt.ingest.shortages_openfda import read_openfda_shortages
from beredt.ingest.sources import SourceImport, write_import
from beredt.store import Store

FIXTURES = Path(__file__).parent / "data" / "fixtures"
EMA = FIXTURES / "ema_shortages_sample.json"
FDA = FIXTURES / "openfda_shortages_sample.json"
DMP_CSV = FIXTURES / "dmp_shortages_sample.csv"
DMP_JSON = FIXTURES / "dmp_shortages_sample.json"
EXTRA_SUBSTANCES = [
    ("N05AH04", "quetiapine", 0.4, "g"),
    ("A10BJ02", "liraglutide", 1.5, "mg"),
    ("N06BA04", "methylphenidate", 30, "mg"),
    ("N06BA09", "atomoxetine", 80, "mg"),
    ("N05CF02", "zolpidem", 10, "mg"),
]


def _notices(result: SourceImport) -> dict[str, dict]:
    return {r["notice_id"]: r for r in result.rows.get("shortages", [])}


@pytest.fixture(scope="module")
def wider_bundle(small_bundle: Bundle, tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """The small bundle plus substances named in the real EMA sample (no demand, no products)."""
    tables = {stem: list(rows) for stem, rows in small_bundle.tables.items()}
    for atc, name, ddd, unit in EXTRA_SUBSTANCES:
        tables["substances"].append(
            {"atc_code": atc, "name": name, "ddd": ddd, "ddd_unit": unit, "ddd_source": "who"}
        )
    folder = tmp_path_factory.mktemp("wider")
    write_bundle(Bundle(small_bundle.meta, tables), folder)
    return read_bundle(folder)


def _store(folder: Path, bundle: Bundle) -> Store:
    store = Store(f"sqlite:///{folder}/s.db")
    store.init()
    store.import_bundle(bundle)
    return store


# --- EMA ---------------------------------------------------------------------------------------
def test_ema_real_sample_maps_matched_substances_and_lists_the_rest(wider_bundle: Bundle) -> None:
    result = read_ema_shortages(EMA, wider_bundle)
    notices = _notices(result)
    base = "https://www.ema.europa.eu/en/medicines/human/shortages/"
    assert sorted(notices) == sorted(
        [
            base + "adhd-medicines#N06BA04",
            base + "adhd-medicines#N06BA09",
            base
            + "insulin-human-insulin-various-short-rapid-intermediate-mixed-long-acting-forms#A10AB01",
            base + "quetiapine#N05AH04",
            base + "victoza#A10BJ02",
        ]
    )
    adhd = notices[base + "adhd-medicines#N06BA04"]
    # No start date: the first publication stands in; the free text gives the expected end.
    assert adhd["start_date"] == dt.date(2023, 12, 18)
    assert adhd["announced_date"] == dt.date(2023, 12, 18)
    assert adhd["expected_end_date"] == dt.date(2025, 12, 31)
    assert adhd["status"] is ShortageStatus.ONGOING
    assert adhd["cause"] is ShortageCause.UNKNOWN
    quetiapine = notices[base + "quetiapine#N05AH04"]  # no INN: matched by the medicine's name
    assert quetiapine["start_date"] == dt.date(2025, 3, 11)
    assert quetiapine["expected_end_date"] == dt.date(2026, 6, 30)
    insulin = notices[base + next(k for k in notices if "insulin-human" in k).split("/")[-1]]
    assert insulin["expected_end_date"] == dt.date(2026, 12, 31)
    unmatched = {n.key.rsplit("/", 1)[-1]: n.reason for n in result.unmatched}
    assert set(unmatched) == {
        "fiasp-pumpcart-insulin-aspart",
        "insulin-lispro-sanofi",
        "adhd-medicines",  # lisdexamfetamine is unknown; the other two matched
        "cyanokit",
        "fasturtec",
    }
    assert "lisdexamfetamine" in unmatched["adhd-medicines"]
    assert result.records == 8


def test_ema_resolved_notice_ends_on_its_last_update(tmp_path: Path, wider_bundle: Bundle) -> None:
    records = json.loads(EMA.read_text(encoding="utf-8"))
    record = records[7]  # Victoza
    record.update(supply_shortage_status="Resolved", last_updated_date="05/09/2025")
    path = tmp_path / "ema.json"
    path.write_text(json.dumps({"data": [record]}, indent=1), encoding="utf-8")
    (notice,) = read_ema_shortages(path, wider_bundle).rows["shortages"]
    assert notice["status"] is ShortageStatus.RESOLVED
    assert notice["end_date"] == dt.date(2025, 9, 5)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("End of 2026", dt.date(2026, 12, 31)),
        ("Within the second quarter of 2026.", dt.date(2026, 6, 30)),
        ("Expected in Q1 2027", dt.date(2027, 3, 31)),
        ("second half of 2026", dt.date(2026, 12, 31)),
        ("Expected by March 2027", dt.date(2027, 3, 31)),
        ("mid-2026", dt.date(2026, 6, 30)),
        ("Supplies resume on 15/02/2027", dt.date(2027, 2, 15)),
        ("The expected duration of the shortage is unknown.", None),
        ("", None),
        ("End of 9999", None),
    ],
)
def test_expected_end_from_free_text(text: str, day: dt.date | None) -> None:
    assert expected_end_from_text(text) == day


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"supply_shortage_status": "Paused"}, "supply_shortage_status", "not a known status"),
        ({"start_of_shortage_date": "2025-13-01"}, "start_of_shortage_date", "DD/MM/YYYY"),
        ({"first_published_date": "12.05.2025"}, "first_published_date", "not a date"),
        ({"start_of_shortage_date": "", "first_published_date": ""}, "start_of_shortage_date", "fall back"),
        ({"shortage_url": ""}, "shortage_url", "missing"),
        ({"shortage_url": "victoza"}, "shortage_url", "not a web address"),
        ({"medicine_affected": None}, "medicine_affected", "missing"),
    ],
)  # fmt: skip
def test_ema_bad_records_are_rejected(
    tmp_path: Path, wider_bundle: Bundle, change: dict, field: str, reason: str
) -> None:
    records = json.loads(EMA.read_text(encoding="utf-8"))
    records[7].update(change)
    path = tmp_path / "ema.json"
    path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        read_ema_shortages(path, wider_bundle)
    (problem,) = caught.value.problems
    assert (problem.file, problem.field) == ("ema.json", field)
    assert reason in problem.reason
    text = path.read_text(encoding="utf-8")
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line == " {"]
    assert problem.line == starts[7]  # the line of the record's "{"


def test_ema_duplicate_url_is_rejected(tmp_path: Path, wider_bundle: Bundle) -> None:
    records = json.loads(EMA.read_text(encoding="utf-8"))
    path = tmp_path / "ema.json"
    path.write_text(json.dumps([*records, records[0]], indent=1), encoding="utf-8")
    with pytest.raises(ImportRejected, match="duplicate"):
        read_ema_shortages(path, wider_bundle)


# --- openFDA -----------------------------------------------------------------------------------
def test_openfda_maps_status_reason_and_both_date_formats(small_bundle: Bundle) -> None:
    result = read_openfda_shortages(FDA, small_bundle)
    notices = _notices(result)
    current = notices["FDA:12345-678-01:2026-09-15"]  # YYYYMMDD
    assert (current["atc_code"], current["status"], current["cause"]) == (
        "J01CA04",
        ShortageStatus.ONGOING,
        ShortageCause.DEMAND_INCREASE,
    )
    resolved = notices["FDA:12345-679-10:2025-01-15"]  # MM/DD/YYYY; matched via generic_name
    assert resolved["status"] is ShortageStatus.RESOLVED
    assert resolved["end_date"] == dt.date(2025, 3, 1)
    assert resolved["cause"] is ShortageCause.QUALITY
    discontinued = notices["FDA:0409-4888-02:2026-10-01"]
    assert (discontinued["atc_code"], discontinued["status"], discontinued["cause"]) == (
        "N02AA01",
        ShortageStatus.ANNOUNCED,
        ShortageCause.COMMERCIAL,
    )
    reasons = {n.key: n.reason for n in result.unmatched}
    assert "combination" in reasons["FDA:55555-101-30:2026-06-01"]
    assert set(reasons) == {
        "FDA:55555-101-30:2026-06-01",
        "FDA:66666-202-01:2023-10-02",
        "FDA:77777-303-05:2026-11-03",
    }


def test_openfda_accepts_empty_dates(tmp_path: Path, small_bundle: Bundle) -> None:
    doc = json.loads(FDA.read_text(encoding="utf-8"))
    first, second = copy.deepcopy(doc["results"][0]), copy.deepcopy(doc["results"][1])
    first.update(initial_posting_date="", update_date="10/01/2026")
    second.update(initial_posting_date=None, update_date="")
    path = tmp_path / "fda.json"
    path.write_text(json.dumps({"results": [first, second]}, indent=2), encoding="utf-8")
    result = read_openfda_shortages(path, small_bundle)
    (notice,) = result.rows["shortages"]
    assert notice["notice_id"] == "FDA:12345-678-01"
    assert (notice["start_date"], notice["announced_date"]) == (dt.date(2026, 10, 1), None)
    assert [n.key for n in result.skipped] == ["FDA:12345-679-10"]
    assert "no initial_posting_date" in result.warnings[0].reason


def test_openfda_matches_more_once_the_store_knows_more(wider_bundle: Bundle) -> None:
    notices = _notices(read_openfda_shortages(FDA, wider_bundle))
    assert notices["FDA:66666-202-01:2023-10-02"]["atc_code"] == "N06BA04"


_FDA_DOC = json.loads(FDA.read_text(encoding="utf-8"))


@settings(max_examples=40)
@given(
    index=st.integers(min_value=0, max_value=len(_FDA_DOC["results"]) - 1),
    field=st.sampled_from(["initial_posting_date", "update_date", "status", "package_ndc"]),
    value=st.sampled_from(
        ["2026-09-15", "15.09.2026", "13/45/2026", "99999999", "yesterday", "Delayed", "12-34", 42]
    )
    | st.text(alphabet="abcxyz-/.", min_size=1, max_size=12),
)
def test_openfda_mutated_fields_are_rejected_and_the_store_is_unchanged(
    shared_store: Store, tmp_path_factory: pytest.TempPathFactory, index: int, field: str, value
) -> None:
    doc = copy.deepcopy(_FDA_DOC)
    doc["results"][index][field] = value
    path = tmp_path_factory.mktemp("fda") / "fda.json"
    text = json.dumps(doc, indent=2)
    path.write_text(text, encoding="utf-8")
    before = fingerprint(shared_store.export_bundle())
    with pytest.raises(ImportRejected) as caught:
        write_import(shared_store, read_openfda_shortages(path, shared_store.export_bundle()))
    assert fingerprint(shared_store.export_bundle()) == before
    problem = caught.value.problems[0]
    assert (problem.file, problem.field) == ("fda.json", field)
    record_lines = [i + 1 for i, line in enumerate(text.splitlines()) if line == "    {"]
    assert problem.line == record_lines[index]


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory, small_bundle: Bundle) -> Store:
    return _store(tmp_path_factory.mktemp("shortage-hyp"), small_bundle)


# --- DMP ---------------------------------------------------------------------------------------
def test_dmp_csv_maps_rows_links_packs_and_lists_the_unmatched(small_bundle: Bundle) -> None:
    result = read_dmp_shortages(DMP_CSV, small_bundle)
    notices = _notices(result)
    amoxi = notices["DMP:400001:2026-10-15"]
    assert amoxi == {
        "notice_id": "DMP:400001:2026-10-15",
        "atc_code": "J01CA04",
        "status": ShortageStatus.ONGOING,
        "start_date": dt.date(2026, 10, 20),
        "product_id": "400001",
        "cause": ShortageCause.MANUFACTURING,
        "announced_date": dt.date(2026, 10, 15),
        "expected_end_date": dt.date(2026, 12, 31),
        "end_date": None,
        "source": "DMP",
        "title": "Amoxi kaps 500 mg 30 stk (Medindia Ltd)",
    }
    resolved = notices["DMP:400202:2025-01-05"]
    assert (resolved["status"], resolved["end_date"], resolved["cause"]) == (
        ShortageStatus.RESOLVED,
        dt.date(2025, 3, 1),
        ShortageCause.API_SUPPLY,
    )
    assert notices["DMP:500001:2026-10-28"]["status"] is ShortageStatus.ANNOUNCED
    ibux = notices["DMP:200002:2026-09-02"]  # no ATC: matched by the substance name
    assert (ibux["atc_code"], ibux["cause"]) == ("M01AE01", ShortageCause.DEMAND_INCREASE)
    assert {n.key for n in result.unmatched} == {"DMP:123456:2026-08-12", "DMP:900002:2026-11-01"}
    assert result.unmatched[0].line == 11


def test_dmp_json_and_scandinavian_spelling(small_bundle: Bundle) -> None:
    notices = _notices(read_dmp_shortages(DMP_JSON, small_bundle))
    lamotrigin = notices["DMP:800001:2026-08-01"]  # ATC null: "Lamotrigin" ~ lamotrigine
    assert (lamotrigin["atc_code"], lamotrigin["product_id"]) == ("N03AX09", "800001")
    assert notices["DMP:300101:2026-09-20"]["cause"] is ShortageCause.LOGISTICS


def test_dmp_spreadsheet_quirks(tmp_path: Path, small_bundle: Bundle) -> None:
    # cp1252, comma-separated, loose headers, a pack number that lost its leading zero, and a
    # pack whose stored substance differs from the row's.
    text = (
        "Legemiddelnavn,Virkestoff,ATC kode,Meldingsdato,Fra,Til,Arsak,Status,Firma,Varenr\n"
        "Paracet 500 mg,Paracetamol,N02BE01,01.02.2026,,,Økt salg,Pågående,Nordpharma,12345\n"
        "Ibux,Ibuprofen,M01AE01,01.02.2026,,,,Aktiv,Sanex,100001\n"
    )
    path = tmp_path / "dmp.csv"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(ImportRejected, match="--encoding"):
        read_dmp_shortages(path, small_bundle)
    result = read_dmp_shortages(path, small_bundle, encoding="cp1252")
    notices = _notices(result)
    paracet = notices["DMP:012345:2026-02-01"]
    assert (paracet["status"], paracet["cause"]) == (
        ShortageStatus.ONGOING,
        ShortageCause.DEMAND_INCREASE,
    )
    assert notices["DMP:100001:2026-02-01"]["product_id"] is None
    assert "not linked" in result.warnings[0].reason


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        (";Aktiv;Medindia Ltd;400001", ";Ukjent status;Medindia Ltd;400001", "Status", "not a known status"),
        ("15.10.2026;20.10.2026", "2026/10/15;20.10.2026", "Meldingsdato", "DD.MM.YYYY"),
        ("20.10.2026;31.12.2026", "20.10.2026;31.12.2025", "Mangelperiode til", "before the start"),
        (";J01CA04;15.10.2026", ";J01C04;15.10.2026", "ATC-kode", "not an ATC code"),
        (";Medindia Ltd;400001", ";Medindia Ltd;4000011", "Varenummer", "six-digit"),
        (";Medindia Ltd;400001", ";Medindia Ltd;", "Varenummer", "missing"),
        ("15.10.2026;20.10.2026", ";20.10.2026", "Meldingsdato", "missing"),
        (";Produksjonsproblemer;Aktiv", ";Produksjonsproblemer;Aktiv;ekstra", "row", "fields"),
    ],
)  # fmt: skip
def test_dmp_bad_rows_are_rejected_with_their_line(
    tmp_path: Path, small_bundle: Bundle, old: str, new: str, field: str, reason: str
) -> None:
    text = DMP_CSV.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "dmp.csv"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        read_dmp_shortages(path, small_bundle)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.field) == ("dmp.csv", 7, field)
    assert reason in problem.reason


def test_dmp_missing_columns_are_named(tmp_path: Path, small_bundle: Bundle) -> None:
    path = tmp_path / "dmp.csv"
    path.write_text("Legemiddelnavn;Firma\nX;Y\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        read_dmp_shortages(path, small_bundle)
    assert {p.field for p in caught.value.problems} == {
        "Meldingsdato",
        "Status",
        "Varenummer",
        "ATC-kode",
    }


# --- through the store -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reader", "path"),
    [
        (read_ema_shortages, EMA),
        (read_openfda_shortages, FDA),
        (read_dmp_shortages, DMP_CSV),
        (read_dmp_shortages, DMP_JSON),
    ],
    ids=["ema", "openfda", "dmp-csv", "dmp-json"],
)
def test_reimport_is_idempotent(tmp_path: Path, wider_bundle: Bundle, reader, path: Path) -> None:
    store = _store(tmp_path, wider_bundle)
    first = write_import(store, reader(path, store.export_bundle()))
    assert first["shortages"].inserted > 0
    after = fingerprint(store.export_bundle())
    again = write_import(store, reader(path, store.export_bundle()))
    assert (again["shortages"].inserted, again["shortages"].updated) == (0, 0)
    assert again["shortages"].unchanged == first["shortages"].inserted
    assert fingerprint(store.export_bundle()) == after


_DMP_LINES = DMP_CSV.read_text(encoding="utf-8").splitlines()
_DMP_DATA = [i for i, line in enumerate(_DMP_LINES) if not line.startswith("#")][1:]
_DMP_BAD = [
    (2, "X12"),
    (2, "J01CA0"),
    (3, "2026-13-01"),
    (3, "31.02.2026"),
    (3, "i går"),
    (4, "01.01.1800"),
    (5, "32.12.2026"),
    (7, "Kanskje"),
    (7, ""),
    (9, "abc"),
    (9, "1234567"),
    (9, "-5"),
]


@settings(max_examples=40)
@given(index=st.sampled_from(_DMP_DATA), change=st.sampled_from(_DMP_BAD))
def test_dmp_mutated_cells_are_rejected_and_the_store_is_unchanged(
    shared_store: Store, tmp_path_factory: pytest.TempPathFactory, index: int, change
) -> None:
    column, value = change
    lines = list(_DMP_LINES)
    cells = lines[index].split(";")
    cells[column] = value
    lines[index] = ";".join(cells)
    path = tmp_path_factory.mktemp("dmp") / "dmp.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = fingerprint(shared_store.export_bundle())
    with pytest.raises(ImportRejected) as caught:
        write_import(shared_store, read_dmp_shortages(path, shared_store.export_bundle()))
    assert fingerprint(shared_store.export_bundle()) == before
    header = _DMP_LINES[_DMP_DATA[0] - 1].split(";")
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.field) == ("dmp.csv", index + 1, header[column])


_EMA_RECORDS = json.loads(EMA.read_text(encoding="utf-8"))


@settings(max_examples=30)
@given(
    index=st.integers(min_value=0, max_value=len(_EMA_RECORDS) - 1),
    field=st.sampled_from(
        [
            "start_of_shortage_date",
            "first_published_date",
            "last_updated_date",
            "supply_shortage_status",
        ]
    ),
    value=st.sampled_from(["2025-13-01", "31/02/2025", "12.05.2025", "soon", "1/1/1800", "Paused"])
    | st.text(alphabet="0123456789/", min_size=1, max_size=11).filter(lambda t: t.count("/") != 2),
)
def test_ema_mutated_fields_are_rejected_and_the_store_is_unchanged(
    shared_store: Store,
    tmp_path_factory: pytest.TempPathFactory,
    index: int,
    field: str,
    value: str,
) -> None:
    records = copy.deepcopy(_EMA_RECORDS)
    records[index][field] = value
    path = tmp_path_factory.mktemp("ema") / "ema.json"
    text = json.dumps(records, indent=1)
    path.write_text(text, encoding="utf-8")
    before = fingerprint(shared_store.export_bundle())
    with pytest.raises(ImportRejected) as caught:
        write_import(shared_store, read_ema_shortages(path, shared_store.export_bundle()))
    assert fingerprint(shared_store.export_bundle()) == before
    problem = caught.value.problems[0]
    assert (problem.file, problem.field) == ("ema.json", field)
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line == " {"]
    assert problem.line == starts[index]


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1"])
def test_json_in_another_encoding_is_rejected(
    tmp_path: Path, small_bundle: Bundle, encoding: str
) -> None:
    records = json.loads(EMA.read_text(encoding="utf-8"))
    records[0]["medicine_affected"] = "Fiasp PumpCart (insulin aspart), Ørsted"
    path = tmp_path / "ema.json"
    path.write_bytes(json.dumps(records, ensure_ascii=False).encode(encoding))
    with pytest.raises(ImportRejected) as caught:
        read_ema_shortages(path, small_bundle)
    assert caught.value.problems[0].field == "encoding"
