"""WHO ATC/DDD CSV importer: route choice, NA, new codes, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beredt.domain.bundle import Bundle, fingerprint
from beredt.domain.enums import DddSource
from beredt.ingest.atc_ddd import read_atc_ddd, same_quantity
from beredt.ingest.errors import ImportRejected
from beredt.ingest.sources import SourceImport, write_import
from beredt.store import Store

FIXTURE = Path(__file__).parent / "data" / "fixtures" / "who_atc_ddd_sample.csv"
TEXT = FIXTURE.read_text(encoding="utf-8")
HEADER = "atc_code,atc_name,ddd,uom,adm_r,note\n"


def _substances(result: SourceImport) -> dict[str, dict]:
    return {r["atc_code"]: r for r in result.rows.get("substances", [])}


def _write(tmp_path: Path, body: str, name: str = "who.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_stored_substances_take_the_who_ddd_of_their_products_route(
    small_bundle: Bundle,
) -> None:
    result = read_atc_ddd(FIXTURE, small_bundle)
    subs = _substances(result)
    assert len(subs) == 10  # every stored substance but the IV fluid (WHO: NA)
    assert (subs["A10AB01"]["ddd"], subs["A10AB01"]["ddd_unit"]) == (40, "U")
    assert subs["A10AB01"]["ddd_note"] == "WHO DDD, route P"
    # Amoxicillin's products are oral: the oral DDD, the parenteral one noted.
    assert (subs["J01CA04"]["ddd"], subs["J01CA04"]["ddd_unit"]) == (1.5, "g")
    assert subs["J01CA04"]["ddd_note"] == "WHO DDD, route O; other routes: 3 g P"
    # Names, criticality and WHO-essential flags stay as stored.
    assert (subs["J01CA04"]["name"], subs["J01CA04"]["criticality"]) == ("amoxicillin", "vital")
    assert "B05BB01" not in subs
    assert result.unmatched == []


def test_equal_doses_keep_their_stored_unit(small_bundle: Bundle) -> None:
    # Stored morphine is 100 mg; WHO writes 0.1 g: the same dose, so no change of unit and no
    # warning about DDD per pack.
    subs = _substances(read_atc_ddd(FIXTURE, small_bundle))
    assert (subs["N02AA01"]["ddd"], subs["N02AA01"]["ddd_unit"]) == (100, "mg")
    assert same_quantity(100, "mg", 0.1, "g")
    assert same_quantity(10, "TU", 10000, "U")
    assert not same_quantity(1, "g", 1, "ml")


def test_changed_ddd_is_flagged_and_assumed_becomes_who(
    tmp_path: Path, small_bundle: Bundle
) -> None:
    path = _write(tmp_path, "N02BE01,paracetamol,2,g,O,NA\nB05BB01,electrolytes,1,l,P,NA\n")
    result = read_atc_ddd(path, small_bundle)
    paracetamol = _substances(result)["N02BE01"]
    assert paracetamol["ddd"] == 2
    warning = next(w for w in result.warnings if w.key == "N02BE01")
    assert "3 g" in warning.reason
    assert "2 product(s)" in warning.reason
    # An unsupported unit is skipped, not imported.
    assert [n.key for n in result.skipped] == ["B05BB01"]
    unmatched = {n.key for n in result.unmatched}
    assert "N02BE01" not in unmatched
    assert "J01CA04" in unmatched  # stored, not in this file


def test_add_new_creates_substances_for_codes_the_store_lacks(small_bundle: Bundle) -> None:
    result = read_atc_ddd(FIXTURE, small_bundle, add_new=True)
    subs = _substances(result)
    assert {"N05CF02", "N05AH04", "N06BA04", "A10BJ02"} <= set(subs)
    zolpidem = subs["N05CF02"]
    assert (zolpidem["name"], zolpidem["ddd"], zolpidem["ddd_unit"]) == ("zolpidem", 10, "mg")
    assert zolpidem["ddd_source"] is DddSource.WHO
    assert zolpidem["criticality"] == "other"
    # Higher levels never become substances.
    assert all(len(code) == 7 for code in subs)


def test_route_preference_applies_when_products_do_not_decide(
    tmp_path: Path, small_bundle: Bundle
) -> None:
    path = _write(tmp_path, "N05CF02,zolpidem,10,mg,O,NA\nN05CF02,zolpidem,5,mg,SL,NA\n")
    default = _substances(read_atc_ddd(path, small_bundle, add_new=True))["N05CF02"]
    sublingual = _substances(read_atc_ddd(path, small_bundle, add_new=True, routes=("SL",)))
    assert default["ddd"] == 10
    assert sublingual["N05CF02"]["ddd"] == 5


def test_idempotent_through_the_store(tmp_path: Path, small_bundle: Bundle) -> None:
    store = Store(f"sqlite:///{tmp_path}/atc.db")
    store.init()
    store.import_bundle(small_bundle)
    first = write_import(store, read_atc_ddd(FIXTURE, store.export_bundle(), add_new=True))
    assert (first["substances"].inserted, first["substances"].updated) == (4, 10)
    after = fingerprint(store.export_bundle())
    again = write_import(store, read_atc_ddd(FIXTURE, store.export_bundle(), add_new=True))
    assert (again["substances"].inserted, again["substances"].updated) == (0, 0)
    assert again["substances"].unchanged == 14
    assert fingerprint(store.export_bundle()) == after


@pytest.mark.parametrize(
    ("body", "line", "field", "reason"),
    [
        ("N02BE01,paracetamol,abc,g,O,NA\n", 2, "ddd", "not a number"),
        ("N02BE01,paracetamol,-3,g,O,NA\n", 2, "ddd", "greater than 0"),
        ("N02BE01,paracetamol,3e9,g,O,NA\n", 2, "ddd", "implausibly large"),
        ("N02BE01,paracetamol,3,NA,O,NA\n", 2, "uom", "no unit"),
        ("N02XX1,paracetamol,3,g,O,NA\n", 2, "atc_code", "not an ATC code"),
        (",paracetamol,3,g,O,NA\n", 2, "atc_code", "missing"),
        ("N02BE01,NA,3,g,O,NA\n", 2, "atc_name", "missing"),
        ("N02BE,Anilides,3,g,O,NA\n", 2, "ddd", "level-4"),
        ("N02BE01,paracetamol,3,g\n", 2, "row", "has 4 fields"),
    ],
)
def test_bad_rows_are_rejected(
    tmp_path: Path, small_bundle: Bundle, body: str, line: int, field: str, reason: str
) -> None:
    with pytest.raises(ImportRejected) as caught:
        read_atc_ddd(_write(tmp_path, "A,ALIMENTARY,NA,NA,NA,NA\n" + body), small_bundle)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line + 0, problem.field) == ("who.csv", line + 1, field)
    assert reason in problem.reason


def test_missing_column_is_rejected(tmp_path: Path, small_bundle: Bundle) -> None:
    path = tmp_path / "who.csv"
    path.write_text("atc_code,atc_name,ddd,adm_r\nN02BE01,paracetamol,3,O\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        read_atc_ddd(path, small_bundle)
    assert {(p.line, p.field) for p in caught.value.problems} == {(1, "uom"), (1, "note")}


_DATA_LINES = [
    i
    for i, line in enumerate(TEXT.splitlines())
    if line[:1].isalpha() and '"' not in line and i > 5
]


@settings(max_examples=30)
@given(
    line_index=st.sampled_from(_DATA_LINES),
    column=st.sampled_from([0, 2]),
    value=st.sampled_from(["", "-1", "0", "x", "1e99", "N02", "Z99AA01", "nan"]),
)
def test_mutated_cells_are_rejected_and_the_store_is_unchanged(
    tmp_path_factory: pytest.TempPathFactory,
    shared_store: Store,
    line_index: int,
    column: int,
    value: str,
) -> None:
    lines = TEXT.splitlines()
    cells = lines[line_index].split(",")
    if column == 2 and cells[2] == "NA" and value in ("", "nan"):
        value = "-1"  # NA and empty are both "no DDD": make the cell wrong instead
    if column == 0 and value == "" and cells[2] == "NA":
        value = "x"  # an empty code is caught too, but test a visible one
    if column == 0 and value == "N02":
        value = "N02BE0"  # a level-2 code with NA is a legal row; an invalid code is not
    cells[column] = value
    lines[line_index] = ",".join(cells)
    folder = tmp_path_factory.mktemp("who")
    path = folder / "who.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = fingerprint(shared_store.export_bundle())
    with pytest.raises(ImportRejected) as caught:
        write_import(shared_store, read_atc_ddd(path, shared_store.export_bundle(), add_new=True))
    assert fingerprint(shared_store.export_bundle()) == before
    assert any(p.line == line_index + 1 for p in caught.value.problems)
    assert all(p.file == "who.csv" for p in caught.value.problems)


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory, small_bundle: Bundle) -> Store:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('who-hyp')}/h.db")
    store.init()
    store.import_bundle(small_bundle)
    return store
