"""Names of public shortage lists link to the catalogue's substances (issue 19, item 8).

The EMA writes ``insulin human`` where WHO's catalogue says ``insulin (human), fast-acting``,
``human normal immunoglobulin(s)`` for ``immunoglobulins, normal human, for intravascular adm.``
and ``amoxicillin;clavulanic acid`` for the combination J01CR02 ``amoxicillin and beta-lactamase
inhibitor``. The packaged Norwegian sample has all of these substances.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from beredt.domain.bundle import Bundle
from beredt.ingest.bundle import read_bundle
from beredt.ingest.shortages_dmp import _match as dmp_match
from beredt.ingest.shortages_ema import read_ema_shortages
from beredt.ingest.sources import SubstanceMatcher, name_tokens

FIXTURE = Path(__file__).parent / "data" / "fixtures" / "ema_shortages_names.json"
HUMAN_INSULINS = ["A10AB01", "A10AC01"]


@pytest.fixture(scope="module")
def sample() -> Bundle:
    return read_bundle(Path(str(resources.files("beredt").joinpath("data/sample-no"))))


@pytest.fixture(scope="module")
def matcher(sample: Bundle) -> SubstanceMatcher:
    return SubstanceMatcher(sample.rows("substances"))


def test_the_sample_has_the_substances_these_names_concern(sample: Bundle) -> None:
    names = {r["atc_code"]: r["name"] for r in sample.rows("substances")}
    assert names["A10AB01"] == "insulin (human), fast-acting"
    assert names["A10AC01"] == "insulin (human), intermediate-acting"
    assert names["J06BA02"] == "immunoglobulins, normal human, for intravascular adm."
    assert names["J01CR02"] == "amoxicillin and beta-lactamase inhibitor"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("insulin human", "insulin (human), fast-acting"),
        ("human normal immunoglobulins", "immunoglobulins, normal human, for intravascular adm."),
        ("Insulin (human insulin) (various short-, rapid- and long-acting forms)", "human insulin"),
    ],
)
def test_name_tokens_ignore_order_plurals_and_qualifiers(a: str, b: str) -> None:
    assert name_tokens(a) == name_tokens(b)


def test_name_tokens_keep_different_substances_apart() -> None:
    assert name_tokens("insulin human") != name_tokens("insulin glargine")
    assert name_tokens("amoxicillin") != name_tokens("ampicillin")
    assert name_tokens("immunoglobulin") != name_tokens("human normal immunoglobulin")


def test_real_ema_names_link_to_their_substances(sample: Bundle) -> None:
    result = read_ema_shortages(FIXTURE, sample)
    linked: dict[str, list[str]] = {}
    for row in result.rows["shortages"]:
        url, _, atc = row["notice_id"].rpartition("#")
        linked.setdefault(url.rsplit("/", 1)[-1], []).append(atc)
    assert linked == {
        "insulin-human-insulin-various-short-rapid-intermediate-mixed-long-acting-forms": (
            HUMAN_INSULINS
        ),
        "insulin-human": HUMAN_INSULINS,
        "ivig-1": ["J06BA02"],
        "ivig-2": ["J06BA02"],
        "co-amoxiclav": ["J01CR02"],  # the combination, not amoxicillin alone
        "pip-tazo": ["J01CR05"],
    }


def test_an_unmatched_name_reports_its_near_miss(sample: Bundle) -> None:
    result = read_ema_shortages(FIXTURE, sample)
    [note] = result.unmatched
    assert note.key.endswith("/near-miss")
    assert "no substance is called 'paracetamolum x' (near miss: N02BE01 paracetamol?)" in str(note)


def test_a_qualifier_in_the_record_picks_one_member_of_the_family(
    matcher: SubstanceMatcher,
) -> None:
    assert matcher.by_name("insulin human, intermediate-acting").codes == ("A10AC01",)
    family = matcher.by_name("insulin human")
    assert (family.atc_code, family.how, family.codes) == (None, "family", tuple(HUMAN_INSULINS))


def test_a_combination_needs_exactly_its_parts(matcher: SubstanceMatcher) -> None:
    assert matcher.by_names(["clavulanic acid", "amoxicillin"]).atc_code == "J01CR02"
    assert matcher.by_names(["amoxicillin", "clavulanate potassium"]).atc_code == "J01CR02"
    assert matcher.by_names(["sulfamethoxazole", "trimethoprim"]).atc_code == "J01EE01"
    assert matcher.by_names(["amoxicillin", "ibuprofen"]).atc_code is None
    assert matcher.by_names(["amoxicillin", "clavulanic acid", "ibuprofen"]).atc_code is None


def test_dmp_rows_naming_two_substances_link_to_their_combination(
    matcher: SubstanceMatcher,
) -> None:
    match = dmp_match(matcher, "", 0, "amoksicillin, klavulansyre", "Example tab")
    # Norwegian "klavulansyre" is no member name we know: no guess, an honest "combination".
    assert match.atc_code is None
    match = dmp_match(matcher, "", 0, "amoxicillin / clavulanic acid", "Example tab")
    assert match.atc_code == "J01CR02"
