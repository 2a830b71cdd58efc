"""Statistics Norway trade tables → trade figures: mapping, refusal, query building."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from beredt.domain.bundle import Bundle
from beredt.domain.dataset import build_dataset
from beredt.domain.enums import TradeFlow
from beredt.industry.jsonstat import parse_jsonstat, read_jsonstat
from beredt.industry.query import parse_years, trade_query
from beredt.industry.ssb import is_trade_table, read_trade_file, trade_rows
from beredt.ingest.errors import ImportRejected

FIXTURES = Path(__file__).parent / "data" / "fixtures" / "ssb"
TRADE = FIXTURES / "trade_08801_sample.json"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(TRADE.read_text(encoding="utf-8"))
    return doc


def _index(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    return {(r["period"], r["hs_code"], r["flow"].value, r["partner_country"]): r for r in rows}


def test_trade_fixture_maps_to_trade_rows() -> None:
    result = read_trade_file(TRADE)
    assert result.table_id == "08801"
    assert result.source == "SSB 08801"
    rows = _index(result.rows)
    # Read off the fixture: 30049000_2017, export (2), SE, Verdi, 2019 = 400 million kroner.
    r = rows[("2019", "30049000", "export", "SE")]
    assert r["value"] == 400e6
    assert r["quantity_kg"] == 400e6 // 2000
    assert r["flow"] is TradeFlow.EXPORT
    assert rows[("2021", "90189000", "import", "US")]["value"] == 370e6
    # 6 codes with data × 2 flows × 3 countries × 3 years = 108 figures, less the confidential
    # cell and three zero rows (vaccine exports to the US).
    assert len(result.rows) == 104
    assert ("2021", "30021500", "export", "SE") not in rows
    assert ("2019", "30021500", "export", "US") not in rows
    assert result.missing_by_status == {".": 18, ":": 1}
    assert result.zero_rows_dropped == 3
    assert result.periods == ("2019", "2020", "2021")
    assert "38221900" not in {r["hs_code"] for r in result.rows}


def test_rows_pass_the_bundle_validation(small_bundle: Bundle) -> None:
    rows = read_trade_file(TRADE).rows
    tables = {**small_bundle.tables, "trade": rows}
    ds = build_dataset(Bundle(small_bundle.meta, tables))
    assert len(ds.trade) == 104
    assert set(ds.trade["partner_country"]) == {"SE", "DE", "US"}


def test_real_non_trade_table_is_refused_with_a_clear_message() -> None:
    ds = read_jsonstat(FIXTURES / "dataset_05300.json")
    assert not is_trade_table(ds)
    with pytest.raises(ImportRejected) as info:
        trade_rows(ds)
    text = info.value.report()
    assert "dataset_05300.json" in text
    assert "table 05300 is not a Statistics Norway external-trade table" in text
    assert "Avstand1, Kulturtilbud, ContentsCode, Tid" in text
    assert "missing: Varekoder, ImpEks" in text


def test_table_without_land_gives_all_country_figures(raw: dict[str, Any]) -> None:
    doc = copy.deepcopy(raw)
    # Eliminate Land the way PxWeb does: sum over countries (nulls stay null when any is null).
    sizes = doc["size"]
    n_inner = sizes[3] * sizes[4]  # ContentsCode × Tid below Land
    values = doc["value"]
    summed = []
    for outer in range(sizes[0] * sizes[1]):
        block = values[outer * sizes[2] * n_inner : (outer + 1) * sizes[2] * n_inner]
        for k in range(n_inner):
            cells = [block[c * n_inner + k] for c in range(sizes[2])]
            summed.append(None if any(v is None for v in cells) else sum(cells))
    doc["id"].remove("Land")
    del doc["size"][2]
    del doc["dimension"]["Land"]
    doc["value"] = summed
    doc.pop("status")
    result = trade_rows(parse_jsonstat(doc, "zz.json"))
    rows = _index(result.rows)
    assert rows[("2019", "30049000", "export", "ZZ")]["value"] == (400 + 300 + 200) * 1e6
    # All-country zeros are kept: vaccine exports are 0 nowhere here, but US-only zeros vanish.
    assert {r["partner_country"] for r in result.rows} == {"ZZ"}


def test_code_versions_are_summed(raw: dict[str, Any]) -> None:
    doc = copy.deepcopy(raw)
    index = doc["dimension"]["Varekoder"]["category"]["index"]
    # Pretend the laptop code is an older version of the medicaments code.
    position = index.pop("84713000_2017")
    index["30049000_2012"] = position
    doc["dimension"]["Varekoder"]["category"]["label"].pop("84713000_2017")
    result = trade_rows(parse_jsonstat(doc, "versions.json"))
    rows = _index(result.rows)
    assert rows[("2019", "30049000", "export", "SE")]["value"] == (400 + 50) * 1e6
    assert result.code_versions_merged == 18


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (
            lambda d: d["dimension"]["ImpEks"]["category"]["index"].update({"3": 2}),
            "ImpEks '3' is not 1 (import) or 2 (export)",
        ),
        (
            lambda d: d["dimension"]["Land"]["category"]["index"].update({"Sverige": 3}),
            "Land 'Sverige' is not a two-letter country code",
        ),
        (
            lambda d: d["dimension"]["Tid"]["category"]["index"].update({"2021K1": 3}),
            "Tid '2021K1' is not a year",
        ),
        (
            lambda d: d["dimension"]["Varekoder"]["category"]["index"].update({"3004x": 7}),
            "Varekoder '3004x' is not a commodity code",
        ),
        (
            lambda d: d["dimension"]["ContentsCode"]["category"]["unit"]["Verdi"].update(
                base="euro"
            ),
            "unit 'euro' is not understood",
        ),
    ],
)
def test_bad_trade_codes_are_refused(raw: dict[str, Any], mutate: Any, words: str) -> None:
    doc = copy.deepcopy(raw)
    mutate(doc)
    # Keep sizes consistent with the added category so that only the mapping can fail.
    for i, dim_id in enumerate(doc["id"]):
        doc["size"][i] = len(doc["dimension"][dim_id]["category"]["index"])
    n = 1
    for s in doc["size"]:
        n *= s
    doc["value"] = [1.0] * n
    doc.pop("status")
    with pytest.raises(ImportRejected) as info:
        trade_rows(parse_jsonstat(doc, "bad_trade.json"))
    assert words in info.value.report()
    assert "bad_trade.json" in info.value.report()


def test_missing_value_content_is_refused(raw: dict[str, Any]) -> None:
    doc = copy.deepcopy(raw)
    doc["dimension"]["ContentsCode"]["category"]["index"] = {"Mengde1": 0, "Mengde2": 1}
    doc["dimension"]["ContentsCode"]["category"]["label"] = {"Mengde1": "kg", "Mengde2": "x"}
    with pytest.raises(ImportRejected, match="Statistics Norway") as info:
        trade_rows(parse_jsonstat(doc, "noverdi.json"))
    assert "not Verdi" in info.value.report()


def test_negative_value_is_refused(raw: dict[str, Any]) -> None:
    doc = copy.deepcopy(raw)
    doc["value"][3] = -5  # Varekoder 0, ImpEks 1, Land SE, Verdi, 2019
    with pytest.raises(ImportRejected) as info:
        trade_rows(parse_jsonstat(doc, "neg.json"))
    assert "is negative" in info.value.report()


def test_monthly_periods_become_year_month(raw: dict[str, Any]) -> None:
    doc = copy.deepcopy(raw)
    doc["dimension"]["Tid"]["category"]["index"] = {"2021M01": 0, "2021M02": 1, "2021M12": 2}
    doc["dimension"]["Tid"]["category"]["label"] = {}
    doc["extension"]["px"]["tableid"] = "08799"
    result = trade_rows(parse_jsonstat(doc, "monthly.json"))
    assert result.periods == ("2021-01", "2021-02", "2021-12")
    assert result.source == "SSB 08799"


# --- query building ---------------------------------------------------------------------------
def test_v2_url_and_v0_body_for_codes_and_years() -> None:
    q = trade_query(["3004", "9018"], "2019-2021")
    assert q.v2_url == (
        "https://data.ssb.no/api/pxwebapi/v2/tables/08801/data?lang=no&outputFormat=json-stat2"
        "&valueCodes[Varekoder]=3004*,9018*&valueCodes[ImpEks]=1,2"
        "&valueCodes[ContentsCode]=Verdi,Mengde1&valueCodes[Tid]=2019,2020,2021"
    )
    assert "valueCodes%5BVarekoder%5D=3004*,9018*" in q.v2_url_encoded
    assert q.v0_url == "https://data.ssb.no/api/v0/no/table/08801/"
    assert q.v0_body == {
        "query": [
            {"code": "Varekoder", "selection": {"filter": "all", "values": ["3004*", "9018*"]}},
            {"code": "ImpEks", "selection": {"filter": "item", "values": ["1", "2"]}},
            {
                "code": "ContentsCode",
                "selection": {"filter": "item", "values": ["Verdi", "Mengde1"]},
            },
            {"code": "Tid", "selection": {"filter": "item", "values": ["2019", "2020", "2021"]}},
        ],
        "response": {"format": "json-stat2"},
    }
    assert q.curl_v2("out.json").startswith("curl -g -o out.json 'https://")


def test_query_by_country_and_monthly_table() -> None:
    q = trade_query(["30"], ["2023M01", "2023M02"], table="08799", by_country=True, lang="en")
    assert "valueCodes[Land]=*" in q.v2_url
    assert "lang=en" in q.v2_url
    land = next(s for s in q.v0_body["query"] if s["code"] == "Land")
    assert land["selection"] == {"filter": "all", "values": ["*"]}
    q = trade_query(["30"], "2023", countries=["SE", "DK"], flows=["export"])
    land = next(s for s in q.v0_body["query"] if s["code"] == "Land")
    assert land["selection"] == {"filter": "item", "values": ["SE", "DK"]}
    assert "valueCodes[ImpEks]=2&" in q.v2_url


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"codes": ["30"], "years": "2023", "table": "05300"}, "not a trade table"),
        ({"codes": ["3O04"], "years": "2023"}, "not a commodity-code prefix"),
        ({"codes": ["30"], "years": "2023M01"}, "table 08801 is annual"),
        ({"codes": ["30"], "years": "2023", "table": "08799"}, "table 08799 is monthly"),
        ({"codes": ["30"], "years": "2023", "countries": ["Sweden"]}, "two-letter"),
        ({"codes": [], "years": "2023"}, "no commodity codes"),
    ],
)
def test_bad_queries_are_refused(kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        trade_query(**kwargs)


def test_parse_years() -> None:
    assert parse_years("2019-2021,2023") == ["2019", "2020", "2021", "2023"]
    assert parse_years("2022M11-2023M02") == ["2022M11", "2022M12", "2023M01", "2023M02"]
    with pytest.raises(ValueError, match="backwards"):
        parse_years("2023-2019")
    with pytest.raises(ValueError, match="not a year"):
        parse_years("last year")
