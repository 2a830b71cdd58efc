"""Unknown ids are answered with at most five close ones, never with the whole list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from beredt.cli import get_app
from beredt.views.terminal import MAX_SUGGESTIONS, close_matches, did_you_mean

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample-no"
NOTICES = [f"SMP-2026-{i:04d}" for i in range(1, 200)] + [
    f"SMP-2025-{i:04d}" for i in range(1, 200)
]


def test_close_matches_prefers_case_then_prefix_then_spelling() -> None:
    assert close_matches("smp-2026-0001", NOTICES)[0] == "SMP-2026-0001"
    assert close_matches("SMP-2026-001", NOTICES)[:3] == [
        "SMP-2026-0010",
        "SMP-2026-0011",
        "SMP-2026-0012",
    ]
    assert close_matches("DMP-2026-0001", NOTICES)[0] == "SMP-2026-0001"
    assert len(close_matches("SMP", NOTICES)) == MAX_SUGGESTIONS
    assert close_matches("zzz", NOTICES) == []


def test_names_find_an_id_and_are_shown_beside_it() -> None:
    codes = ["N02BE01", "M01AE01", "N02AJ06"]
    names = {"N02BE01": "paracetamol", "M01AE01": "ibuprofen", "N02AJ06": "codeine and paracetamol"}
    assert close_matches("Paracetamol", codes, names=names)[0] == "N02BE01"
    assert did_you_mean("ibuprofen", codes, names=names) == "did you mean M01AE01 (ibuprofen)?"
    assert did_you_mean("zzz", codes, names=names) == ""


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory):
    """``beredt`` on a store holding the Norwegian sample."""
    env = {"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('dym') / 's.db'}"}

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(get_app(), list(args), env=env)

    assert invoke("import", "bundle", str(SAMPLE)).exit_code == 0
    return invoke


def _suggested(output: str) -> list[str]:
    """The ids between "did you mean" and the "?" that ends the suggestions."""
    flat = " ".join(output.split())
    match = re.search(r"did you mean (.*?)\?", flat)
    assert match, output
    return [s.split(" (")[0] for s in re.split(r", | or ", match.group(1))]


def test_a_notice_from_another_list_gets_five_close_ids_not_all_650(cli) -> None:
    result = cli("respond", "--notice", "DMP-2026-0001")
    assert result.exit_code == 1
    suggested = _suggested(result.output)
    assert suggested[0] == "SMP-2026-0001"
    assert len(suggested) <= MAX_SUGGESTIONS
    assert len(re.findall(r"SMP-\d{4}-\d{4}", result.output)) == len(suggested)
    assert "beredt shortages" in result.output  # where the whole list is


@pytest.mark.parametrize(
    ("args", "first"),
    [
        (["respond", "--atc", "paracetamol", "--from", "2026-11-02"], "N02BE01"),
        (["respond", "--product", "N02BE01-9", "--from", "2026-11-02"], "N02BE01-6"),
        (["risk", "--explain", "N02BE"], "N02BE01"),
        (["simulate", "export-ban"], "export-ban-analgesics-api"),
        (
            ["stock", "add", "--product", "n02be01-3", "--holder", "X", "--tier", "pharmacy",
             "--packs", "1"],
            "N02BE01-3",
        ),
    ],
)  # fmt: skip
def test_unknown_ids_get_the_closest_known_ones(cli, args: list[str], first: str) -> None:
    result = cli(*args)
    assert result.exit_code != 0
    suggested = _suggested(result.output)
    assert suggested[0] == first
    assert len(suggested) <= MAX_SUGGESTIONS


def test_a_scenario_naming_an_unknown_site_or_country_gets_close_ones(cli, tmp_path: Path) -> None:
    scenario = tmp_path / "typo.toml"
    scenario.write_text(
        'name = "typo"\n\n[[event]]\nkind = "site_outage"\nsites = ["kragnes-kragero"]\n'
        'duration = 30\n\n[[event]]\nkind = "export_restriction"\ncountry = "China"\n'
        "duration = 30\n",
        encoding="utf-8",
    )
    result = cli("simulate", str(scenario), "--scenarios", "16")
    assert result.exit_code == 2
    flat = " ".join(result.output.split())
    assert "unknown site 'kragnes-kragero'; did you mean kragnes-kragero-fdf" in flat
    assert "unknown country 'China'; did you mean CN (China)" in flat
