"""FEST catalogue importer: mapping of the hand-written fixture, streaming, and bad input."""

from __future__ import annotations

import datetime as dt
import gzip
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beredt.domain.bundle import Bundle, fingerprint
from beredt.domain.enums import ShortageStatus
from beredt.ingest.errors import ImportRejected
from beredt.ingest.fest import read_fest, scan_fest
from beredt.ingest.sources import SourceImport, write_import
from beredt.store import Store

FIXTURE = Path(__file__).parent / "data" / "fixtures" / "fest_sample.xml"
TEXT = FIXTURE.read_text(encoding="utf-8")


def _rows(result: SourceImport, stem: str) -> dict[str, dict]:
    key = {"products": "product_id", "companies": "company_id", "substances": "atc_code"}
    return {r[key.get(stem, "notice_id")]: r for r in result.rows.get(stem, [])}


def _line_of(text: str, needle: str, start: int = 0) -> int:
    return text.count("\n", 0, text.index(needle, start)) + 1


@pytest.fixture(scope="module")
def result(small_bundle: Bundle) -> SourceImport:
    return read_fest(FIXTURE, small_bundle)


@pytest.fixture
def store(tmp_path: Path, small_bundle: Bundle) -> Store:
    store = Store(f"sqlite:///{tmp_path}/fest.db")
    store.init()
    store.import_bundle(small_bundle)
    return store


def test_marketed_packs_become_products(result: SourceImport) -> None:
    products = _rows(result, "products")
    assert sorted(products) == ["100001", "100002", "400001", "600001", "900001"]
    paracet = products["100001"]
    # DDD per pack = Statistikkfaktor / DDD = 48 g / 3 g; the AIP valid from the latest date.
    assert paracet["ddd_per_pack"] == 16
    assert paracet["price_per_pack"] == 58.5
    assert paracet["catalogue_id"] == "ID_PK-100001"
    assert paracet["name"] == "Paracet tab 500 mg"
    assert (paracet["form"], paracet["route"], paracet["strength"]) == ("tablet", "O", "500 mg")
    # Fields FEST does not know keep their stored values.
    assert (paracet["market_share"], paracet["spare_capacity_share"]) == (0.6, 0.2)
    nacl = products["600001"]
    assert (nacl["form"], nacl["route"], nacl["ddd_per_pack"]) == ("infusion", "P", 10)


def test_holders_match_by_name_and_new_ones_are_created(result: SourceImport) -> None:
    products = _rows(result, "products")
    assert products["100001"]["ma_holder_id"] == "nordpharma"  # "Nordpharma" ~ "Nordpharma AS"
    assert products["400001"]["ma_holder_id"] == "medindia"  # "Medindia Ltd." ~ "Medindia Ltd"
    new = products["900001"]
    assert new["ma_holder_id"] == "ibumaker-pharma-ab"
    assert new["market_share"] == 0  # unknown until sales data say otherwise
    assert new["ddd_per_pack"] == 50
    company = _rows(result, "companies")["ibumaker-pharma-ab"]
    assert (company["name"], company["country"], company["roles"]) == (
        "Ibumaker Pharma AB",
        "NO",
        ("ma_holder",),
    )
    assert any("does not give its country" in w.reason for w in result.warnings)


def test_temporarily_unavailable_pack_is_a_shortage_notice(result: SourceImport) -> None:
    notice = _rows(result, "shortages")["FEST:400001:2026-10-20"]
    assert notice["status"] is ShortageStatus.ONGOING
    assert notice["start_date"] == dt.date(2026, 10, 20)
    assert (notice["product_id"], notice["atc_code"], notice["source"]) == (
        "400001",
        "J01CA04",
        "FEST",
    )


def test_unmatched_and_skipped_are_listed_with_lines(result: SourceImport) -> None:
    unmatched = {n.key: n for n in result.unmatched}
    assert sorted(unmatched) == ["900002", "900006", "900007"]
    assert "N05CF02" in unmatched["900002"].reason
    assert "level 4" in unmatched["900006"].reason
    assert "no DDD per pack" in unmatched["900007"].reason
    assert unmatched["900002"].line == _line_of(TEXT, "<Id>ID_OPPF-P-5</Id>") - 1
    skipped = {n.key: n.reason for n in result.skipped}
    assert skipped == {
        "ID_OPPF-P-8": "entry status U: not an active entry",
        "900003": "deregistered on 2025-01-01",
        "900004": "not marketed (no Markedsforingsdato)",
    }
    assert result.records == 11


def test_add_substances_creates_them_from_the_catalogue(small_bundle: Bundle) -> None:
    result = read_fest(FIXTURE, small_bundle, add_substances=True)
    substance = _rows(result, "substances")["N05CF02"]
    assert (substance["name"], substance["ddd"], substance["ddd_unit"]) == ("Zolpidem", 0.01, "g")
    assert _rows(result, "products")["900002"]["ddd_per_pack"] == 7  # 0.07 g / 0.01 g
    assert "900002" not in {n.key for n in result.unmatched}


def test_import_is_idempotent_and_resolves_notices_of_packs_back_in_stock(store: Store) -> None:
    first = write_import(store, read_fest(FIXTURE, store.export_bundle()))
    assert (first["products"].inserted, first["products"].updated) == (1, 4)
    after_first = fingerprint(store.export_bundle())
    again = write_import(store, read_fest(FIXTURE, store.export_bundle()))
    assert all(c.inserted == c.updated == 0 for c in again.values())
    assert fingerprint(store.export_bundle()) == after_first
    # A later catalogue where the pack is available again closes the notice.
    later = TEXT.replace("<MidlUtgattDato>2026-10-20</MidlUtgattDato>", "").replace(
        "2026-11-20T03:11:43", "2026-12-05T03:00:00"
    )
    path = store.engine.url.database
    assert path is not None
    next_file = Path(path).parent / "fest_later.xml"
    next_file.write_text(later, encoding="utf-8")
    changes = write_import(store, read_fest(next_file, store.export_bundle()))
    assert changes["shortages"].updated == 1
    notice = next(
        r for r in store.export_bundle().rows("shortages") if r["notice_id"].startswith("FEST:")
    )
    assert notice["status"] is ShortageStatus.RESOLVED
    assert notice["end_date"] == dt.date(2026, 12, 5)


def test_reads_gzip_and_zip_archives(tmp_path: Path, small_bundle: Bundle) -> None:
    packed = tmp_path / "fest251.xml.gz"
    packed.write_bytes(gzip.compress(TEXT.encode("utf-8")))
    archive = tmp_path / "fest251.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("fest251.xml", TEXT)
    plain = read_fest(FIXTURE, small_bundle).rows
    assert read_fest(packed, small_bundle).rows == plain
    assert read_fest(archive, small_bundle).rows == plain


def test_scan_releases_entries_as_it_goes(tmp_path: Path) -> None:
    # Many entries of a catalogue the importer does not use: each is cleared after reading, so
    # the tree never holds more than the entry being read.
    entries = "".join(
        f"<OppfInteraksjon><Id>I{i}</Id><Status V='A'/><Interaksjon><Id>X{i}</Id>"
        f"<KliniskKonsekvens>{'x' * 200}</KliniskKonsekvens></Interaksjon></OppfInteraksjon>"
        for i in range(3000)
    )
    path = tmp_path / "big.xml"
    path.write_text(
        f"<FEST xmlns='urn:x'><HentetDato>2026-01-01T00:00:00</HentetDato>"
        f"<KatInteraksjon>{entries}</KatInteraksjon></FEST>",
        encoding="utf-8",
    )
    catalogue = scan_fest(path)
    assert catalogue.entries == 3000
    assert catalogue.problems == []


@pytest.mark.parametrize(
    ("mutate", "field", "needle"),
    [
        (lambda t: t.replace("<Varenr>900001</Varenr>", ""), "Varenr", "ID_OPPF-P-4"),
        (lambda t: t.replace("<Varenr>900001</Varenr>", "<Varenr>9001</Varenr>"), "Varenr", "9001"),
        (lambda t: t.replace('<Pris V="95.40"', '<Pris V="-95.40"'), "Pris", "-95.40"),
        (lambda t: t.replace('<Pris V="95.40"', '<Pris V="1e15"'), "Pris", "1e15"),
        (lambda t: t.replace("<Statistikkfaktor>60<", "<Statistikkfaktor>6e9<"), "Statistikkfaktor", "6e9"),
        (lambda t: t.replace('<DDD V="1.2"', '<DDD V="abc"'), "DDD", '"abc"'),
        (lambda t: t.replace('<Atc V="M01AE01" DN="Ibuprofen" />\n        <NavnFormStyrke>Ibumax tab 600 mg</NavnFormStyrke>\n        <Legemiddelform', '<Atc V="X99" />\n        <NavnFormStyrke>Ibumax tab 600 mg</NavnFormStyrke>\n        <Legemiddelform'), "Atc", "X99"),
        (lambda t: t.replace("<Markedsforingsdato>2026-09-15<", "<Markedsforingsdato>15.09.2026<"), "Markedsforingsdato", "15.09.2026"),
        (lambda t: t.replace("<Varenr>900001</Varenr>", "<Varenr>100001</Varenr>"), "Varenr", "ID_OPPF-P-4"),
        (lambda t: t.replace("<HentetDato>2026-11-20T03:11:43</HentetDato>", ""), "HentetDato", "<FEST "),
    ],
    ids=["no-varenr", "short-varenr", "negative-price", "absurd-price", "absurd-ddd-count", "text-ddd", "bad-atc", "bad-date", "duplicate", "no-date"],
)  # fmt: skip
def test_bad_fields_are_rejected_with_file_line_and_field(
    tmp_path: Path, small_bundle: Bundle, mutate, field: str, needle: str
) -> None:
    text = mutate(TEXT)
    assert text != TEXT
    path = tmp_path / "fest.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        read_fest(path, small_bundle)
    problems = caught.value.problems
    assert {p.field for p in problems} == {field}
    assert problems[0].file == "fest.xml"
    if field not in ("HentetDato", "Varenr"):
        assert problems[0].line == _line_of(text, needle)


def test_not_a_fest_file(tmp_path: Path, small_bundle: Bundle) -> None:
    path = tmp_path / "other.xml"
    path.write_text("<?xml version='1.0'?><catalogue><item/></catalogue>", encoding="utf-8")
    with pytest.raises(ImportRejected, match="not a FEST catalogue"):
        read_fest(path, small_bundle)


def test_wrong_encoding_is_named(tmp_path: Path, small_bundle: Bundle) -> None:
    path = tmp_path / "latin1.xml"
    path.write_bytes(TEXT.encode("latin-1"))  # declares utf-8, holds latin-1 bytes (ø, å)
    with pytest.raises(ImportRejected) as caught:
        read_fest(path, small_bundle)
    problem = caught.value.problems[0]
    assert problem.field == "xml"
    assert "encoding" in problem.reason
    assert problem.line == _line_of(TEXT, "ø")


# --- Hypothesis: mutated files give a clear error and leave the store unchanged ------------------
_END = TEXT.index("</FEST>")
_NUMBER_SITES = [
    (m.start(1), m.end(1), field)
    for pattern, field in (
        (r"<Statistikkfaktor>([^<]*)<", "Statistikkfaktor"),
        (r'<DDD V="([^"]*)"', "DDD"),
        (r'<Type V="3"[^>]*/><Pris V="([^"]*)"', "Pris"),
        (r"<Pakningsstr>([^<]*)<", "Pakningsstr"),
    )
    for m in re.finditer(pattern, TEXT)
]
_PACKS = (TEXT.index("<KatLegemiddelpakning>"), TEXT.index("</KatLegemiddelpakning>"))
_INACTIVE = (
    TEXT.index("<Id>ID_OPPF-P-8</Id>"),
    TEXT.index("</OppfLegemiddelpakning>", TEXT.index("<Id>ID_OPPF-P-8</Id>")),
)
_REQUIRED_SITES = [
    (m.start(), m.end(), field)
    for pattern, field in (
        (r"<Varenr>\d+</Varenr>", "Varenr"),
        (r"<NavnFormStyrke>[^<]*</NavnFormStyrke>", "NavnFormStyrke"),
        (r"<Id>ID_PK-[^<]*</Id>", "Id"),
    )
    for m in re.finditer(pattern, TEXT)
    if _PACKS[0] < m.start() < _PACKS[1] and not _INACTIVE[0] < m.start() < _INACTIVE[1]
]
_ABSURD = (
    st.sampled_from(["-1", "0", "abc", "NaN", "inf", "1e12", "1,5", "--3", "0x10"])
    | st.floats(max_value=-1e-3, allow_nan=False, allow_infinity=False).map(repr)
    | st.floats(min_value=1e13, allow_infinity=False).map(repr)
)


def _assert_rejected_and_unchanged(store: Store, path: Path, before: str) -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        write_import(store, read_fest(path, store.export_bundle()))
    assert fingerprint(store.export_bundle()) == before
    for problem in caught.value.problems:
        assert problem.file == path.name
        assert problem.reason
    return caught.value


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory, small_bundle: Bundle) -> Store:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('fest-hyp')}/h.db")
    store.init()
    store.import_bundle(small_bundle)
    return store


@settings(max_examples=25)
@given(cut=st.integers(min_value=0, max_value=_END - 1))
def test_truncated_xml_is_rejected(shared_store: Store, tmp_path_factory, cut: int) -> None:
    path = tmp_path_factory.mktemp("cut") / "fest.xml"
    path.write_text(TEXT[:cut], encoding="utf-8")
    before = fingerprint(shared_store.export_bundle())
    rejected = _assert_rejected_and_unchanged(shared_store, path, before)
    assert [p.field for p in rejected.problems] == ["xml"]


@settings(max_examples=30)
@given(site=st.sampled_from(_NUMBER_SITES), value=_ABSURD)
def test_absurd_numbers_are_rejected(
    shared_store: Store, tmp_path_factory, site, value: str
) -> None:
    start, end, field = site
    if field == "Pris" and value in ("0", "0x10"):
        value = "-1"  # a price of 0 is allowed
    text = TEXT[:start] + value + TEXT[end:]
    path = tmp_path_factory.mktemp("num") / "fest.xml"
    path.write_text(text, encoding="utf-8")
    before = fingerprint(shared_store.export_bundle())
    rejected = _assert_rejected_and_unchanged(shared_store, path, before)
    assert field in {p.field for p in rejected.problems}
    assert TEXT.count("\n", 0, start) + 1 in {p.line for p in rejected.problems}


@settings(max_examples=20)
@given(site=st.sampled_from(_REQUIRED_SITES))
def test_missing_required_fields_are_rejected(shared_store: Store, tmp_path_factory, site) -> None:
    start, end, field = site
    path = tmp_path_factory.mktemp("miss") / "fest.xml"
    path.write_text(TEXT[:start] + TEXT[end:], encoding="utf-8")
    before = fingerprint(shared_store.export_bundle())
    rejected = _assert_rejected_and_unchanged(shared_store, path, before)
    assert field in {p.field for p in rejected.problems}


@settings(max_examples=15)
@given(
    position=st.integers(min_value=TEXT.index("<KatLegemiddelpakning>"), max_value=_END),
    junk=st.sampled_from([b"\xe6\xf8\xe5", b"\xff\xfe", b"\xc3", b"\x80abc"]),
)
def test_bytes_in_a_wrong_encoding_are_rejected(
    shared_store: Store, tmp_path_factory, position: int, junk: bytes
) -> None:
    # Put the stray bytes into a text node so that only the encoding is wrong.
    start = (
        TEXT.index("<NavnFormStyrke>", position)
        if "<NavnFormStyrke>" in TEXT[position:]
        else TEXT.index("<NavnFormStyrke>")
    )
    start += len("<NavnFormStyrke>")
    data = TEXT[:start].encode() + junk + TEXT[start:].encode()
    path = tmp_path_factory.mktemp("enc") / "fest.xml"
    path.write_bytes(data)
    before = fingerprint(shared_store.export_bundle())
    rejected = _assert_rejected_and_unchanged(shared_store, path, before)
    assert rejected.problems[0].field == "xml"
    assert rejected.problems[0].line == TEXT.count("\n", 0, start) + 1


def test_brand_without_producer_and_reclassified_pack(tmp_path: Path, small_bundle: Bundle) -> None:
    text = TEXT.replace(
        "<RefLegemiddelMerkevare>ID_MV-IBUMAX</RefLegemiddelMerkevare>", ""
    ).replace(
        '<Atc V="N02BE01" DN="Paracetamol" />\n        <NavnFormStyrke>Pinex tab 500 mg</NavnFormStyrke>\n        <Legemiddelform',
        '<Atc V="M01AE01" DN="Ibuprofen" />\n        <NavnFormStyrke>Pinex tab 500 mg</NavnFormStyrke>\n        <Legemiddelform',
    )
    path = tmp_path / "fest.xml"
    path.write_text(text, encoding="utf-8")
    result = read_fest(path, small_bundle)
    products = _rows(result, "products")
    assert products["900001"]["ma_holder_id"] == "unknown-ma-holder"
    assert "unknown-ma-holder" in _rows(result, "companies")
    assert products["100002"]["atc_code"] == "N02BE01"  # the stored classification is kept
    assert any("classifies the pack as M01AE01" in w.reason for w in result.warnings)


def test_progress_reports_bytes_read(small_bundle: Bundle) -> None:
    calls: list[tuple[int, int]] = []
    read_fest(FIXTURE, small_bundle, progress=lambda done, total: calls.append((done, total)))
    size = FIXTURE.stat().st_size
    assert calls[-1] == (size, size)
