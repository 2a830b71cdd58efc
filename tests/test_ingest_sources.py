"""Shared importer machinery: name folding, substance matching, causes, dates, CSV/JSON records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from beredt.domain.bundle import Bundle
from beredt.domain.enums import ShortageCause
from beredt.ingest.errors import ImportRejected, Problem
from beredt.ingest.sources import (
    SourceImport,
    SubstanceMatcher,
    check_import,
    csv_records,
    fold,
    json_records,
    normalise_cause,
    parse_date,
    parse_number,
    plan_changes,
    read_text,
    spelling_key,
)


@pytest.fixture(scope="module")
def matcher(small_bundle: Bundle) -> SubstanceMatcher:
    return SubstanceMatcher(small_bundle.rows("substances"))


def test_fold_drops_case_accents_and_punctuation() -> None:
    assert fold("Østradiol-Valerat") == "ostradiol valerat"
    assert fold("  Økt ETTERSPØRSEL ") == "okt ettersporsel"
    assert fold("Léxico/ÅBC") == "lexico abc"


@pytest.mark.parametrize(
    ("english", "norwegian"),
    [
        ("amoxicillin", "amoksicillin"),
        ("phenoxymethylpenicillin", "fenoksymetylpenicillin"),
        ("morphine", "morfin"),
        ("codeine", "kodein"),
        ("quinine", "kinin"),
        ("lamotrigine", "lamotrigin"),
    ],
)
def test_spelling_key_joins_english_and_scandinavian_inns(english: str, norwegian: str) -> None:
    assert spelling_key(english) == spelling_key(norwegian)


def test_spelling_key_keeps_different_substances_apart() -> None:
    assert spelling_key("amoxicillin") != spelling_key("ampicillin")
    assert spelling_key("metoprolol") != spelling_key("propranolol")


@pytest.mark.parametrize(
    ("name", "atc", "how"),
    [
        ("Paracetamol", "N02BE01", "name"),
        ("PARACETAMOL", "N02BE01", "name"),
        ("Insulin, human", "A10AB01", "name"),
        ("metoprolol tartrate", "C07AB02", "name"),  # salt words ignored
        ("Amoksicillin", "J01CA04", "spelling"),
        ("Fenoksymetylpenicillin", "J01CE02", "spelling"),
    ],
)
def test_by_name(matcher: SubstanceMatcher, name: str, atc: str, how: str) -> None:
    match = matcher.by_name(name)
    assert (match.atc_code, match.how) == (atc, how)


def test_by_name_lists_why_it_failed(matcher: SubstanceMatcher) -> None:
    match = matcher.by_name("quetiapine")
    assert match.atc_code is None
    assert "quetiapine" in match.reason


def test_by_name_refuses_ambiguous_names() -> None:
    matcher = SubstanceMatcher(
        [
            {"atc_code": "A01AA01", "name": "sodium fluoride"},
            {"atc_code": "A12CD01", "name": "fluoride"},
        ]
    )
    match = matcher.by_name("fluoride")
    assert match.atc_code is None
    assert match.how == "ambiguous"


@pytest.mark.parametrize(
    ("text", "atc"),
    [
        (
            "Insulin (human insulin) (various short-, rapid-, mixed- and long-acting forms)",
            "A10AB01",
        ),
        ("Ibuprofen Tablets 400 mg", "M01AE01"),
        ("Metoprolol Succinate Extended-Release Tablet", "C07AB02"),
        ("Morfin tab 10 mg", "N02AA01"),
    ],
)
def test_in_text_finds_one_substance(matcher: SubstanceMatcher, text: str, atc: str) -> None:
    assert matcher.in_text(text).atc_code == atc


@pytest.mark.parametrize(
    ("text", "how"),
    [
        ("Amoxicillin and Clavulanate Potassium Tablet", "combination"),
        ("Paracetamol/ibuprofen tablets", "ambiguous"),
        ("Fiasp PumpCart (insulin aspart)", "none"),  # "insulin" alone names no substance
        ("Victoza", "none"),
    ],
)
def test_in_text_refuses_combinations_and_strangers(
    matcher: SubstanceMatcher, text: str, how: str
) -> None:
    match = matcher.in_text(text)
    assert match.atc_code is None
    assert match.how == how


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("Demand increase for the drug", ShortageCause.DEMAND_INCREASE),
        ("Discontinuation of the manufacture of the drug", ShortageCause.COMMERCIAL),
        (
            "Requirements related to complying with good manufacturing practices",
            ShortageCause.QUALITY,
        ),
        ("Regulatory delay", ShortageCause.REGULATORY),
        ("Shortage of an active ingredient", ShortageCause.API_SUPPLY),
        ("Shortage of an inactive ingredient component", ShortageCause.API_SUPPLY),
        ("Delay in shipping of the drug", ShortageCause.LOGISTICS),
        ("Produksjonsproblemer", ShortageCause.MANUFACTURING),
        ("Forsinkelse i produksjonen", ShortageCause.MANUFACTURING),
        ("Økt etterspørsel", ShortageCause.DEMAND_INCREASE),
        ("Mangel på virkestoff", ShortageCause.API_SUPPLY),
        ("Kvalitetsproblem, tilbakekalling av batch", ShortageCause.QUALITY),
        ("Kommersielle årsaker", ShortageCause.COMMERCIAL),
        ("Forsinket levering", ShortageCause.LOGISTICS),
        ("Eksportrestriksjoner i India", ShortageCause.EXPORT_RESTRICTION),
        ("Apixaban", ShortageCause.OTHER),  # 'api' only as a whole word
        ("Other", ShortageCause.OTHER),
        ("Ukjent", ShortageCause.UNKNOWN),
        ("", ShortageCause.UNKNOWN),
        (None, ShortageCause.UNKNOWN),
    ],
)
def test_normalise_cause(text: str | None, cause: ShortageCause) -> None:
    assert normalise_cause(text) is cause


def test_parse_date_accepts_the_formats_given_and_nothing_else() -> None:
    assert parse_date("03/08/2023", ("%d/%m/%Y",)) == dt.date(2023, 8, 3)
    assert parse_date("20260915", ("%Y%m%d", "%m/%d/%Y")) == dt.date(2026, 9, 15)
    assert parse_date("09/15/2026", ("%Y%m%d", "%m/%d/%Y")) == dt.date(2026, 9, 15)
    with pytest.raises(ValueError, match=r"YYYYMMDD or MM/DD/YYYY"):
        parse_date("2026-09-15", ("%Y%m%d", "%m/%d/%Y"))
    with pytest.raises(ValueError, match="not a plausible"):
        parse_date("01/01/3026", ("%d/%m/%Y",))


def test_parse_number_rejects_absurd_values() -> None:
    assert parse_number("1.5", positive=True) == 1.5
    assert parse_number("1,5", decimal_comma=True) == 1.5
    for text, message in [
        ("abc", "not a number"),
        ("nan", "not a finite"),
        ("-2", "negative"),
        ("1e12", "implausibly large"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_number(text, maximum=1e9)
    with pytest.raises(ValueError, match="greater than 0"):
        parse_number("0", positive=True)


def test_json_records_give_the_line_each_record_starts_on(tmp_path: Path) -> None:
    text = '{\n "meta": {"n": [1, 2]},\n "results": [\n  {"a": "x]"},\n\n  {"a": 2}\n ]\n}\n'
    records = json_records(tmp_path / "f.json", text, keys=("results",))
    assert records == [(4, {"a": "x]"}), (6, {"a": 2})]
    assert json_records(tmp_path / "g.json", '[{"a": 1},\n{"a": 2}]') == [
        (1, {"a": 1}),
        (2, {"a": 2}),
    ]


def test_json_records_reject_malformed_json_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(ImportRejected) as caught:
        json_records(tmp_path / "f.json", '[\n {"a": 1},\n {"a": }\n]')
    assert caught.value.problems[0].line == 3
    assert caught.value.problems[0].field == "json"
    with pytest.raises(ImportRejected, match="expected a list"):
        json_records(tmp_path / "f.json", '{"other": []}', keys=("results",))


def test_csv_records_skip_comments_sniff_the_delimiter_and_report_bad_rows(tmp_path: Path) -> None:
    text = '# a comment with "quotes\n# another\na;b\n1;2\n\n3;4;5\n"x;y";z\n'
    problems: list[Problem] = []
    records = list(csv_records(tmp_path / "f.csv", text, problems))
    assert records == [(4, {"a": "1", "b": "2"}), (7, {"a": "x;y", "b": "z"})]
    assert problems == [Problem("f.csv", 6, "row", "has 3 fields, the header has 2")]


def test_read_text_names_the_line_of_a_wrong_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("a,b\n1,2\nø,3\n".encode("latin-1"))
    with pytest.raises(ImportRejected) as caught:
        read_text(path)
    problem = caught.value.problems[0]
    assert (problem.line, problem.field) == (3, "encoding")
    assert "--encoding" in problem.reason
    assert read_text(path, "latin-1").splitlines()[2] == "ø,3"


def test_check_import_reports_broken_references_at_the_source_line(small_bundle: Bundle) -> None:
    result = SourceImport("TEST", "x.csv")
    product = dict(small_bundle.rows("products")[0])
    result.add(
        "products",
        {**product, "product_id": "999999", "ma_holder_id": "nobody", "market_share": 0.0},
        12,
    )
    with pytest.raises(ImportRejected) as caught:
        check_import(small_bundle, result)
    assert [(p.file, p.line, p.field) for p in caught.value.problems] == [
        ("x.csv", 12, "ma_holder_id")
    ]


def test_check_import_reports_rule_breaks_in_stored_rows(small_bundle: Bundle) -> None:
    # Moving a pack to another substance breaks a stored notice that names the pack.
    result = SourceImport("TEST", "x.csv")
    product = next(r for r in small_bundle.rows("products") if r["product_id"] == "400001")
    result.add("products", {**product, "atc_code": "J01CA08", "market_share": 0.0}, 3)
    with pytest.raises(ImportRejected) as caught:
        check_import(small_bundle, result)
    assert any(p.file == "stored shortages.csv" for p in caught.value.problems)


def test_plan_changes_counts_inserts_updates_and_unchanged(small_bundle: Bundle) -> None:
    result = SourceImport("TEST", "x.csv")
    rows = small_bundle.rows("products")
    result.add("products", dict(rows[0]), 1)
    result.add("products", {**rows[1], "price_per_pack": 1.0}, 2)
    result.add("products", {**rows[2], "product_id": "999999", "market_share": 0.0}, 3)
    change = plan_changes(small_bundle, result)["products"]
    assert (change.inserted, change.updated, change.unchanged) == (1, 1, 1)
