"""``beredt import fest|atc|ema|openfda|dmp``: summaries, JSON, dry runs, rejection, idempotence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beredt.cli import get_app
from beredt.domain.bundle import fingerprint
from beredt.store import Store

FIXTURES = Path(__file__).parent / "data" / "fixtures"


@pytest.fixture
def env(tmp_path: Path, small_bundle_path: Path) -> dict[str, str]:
    env = {"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"}
    result = CliRunner().invoke(get_app(), ["import", "bundle", str(small_bundle_path)], env=env)
    assert result.exit_code == 0, result.output
    return env


def _fingerprint(env: dict[str, str]) -> str:
    return fingerprint(Store(env["BEREDT_DATABASE_URL"]).export_bundle())


def _invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(get_app(), ["import", *args], env=env)
    return result.exit_code, result.output


def test_fest_prints_a_summary_and_a_second_run_changes_nothing(env: dict[str, str]) -> None:
    code, output = _invoke(env, "fest", str(FIXTURES / "fest_sample.xml"))
    assert code == 0, output
    assert "FEST: imported fest_sample.xml (11 records)" in output
    assert "unmatched: 3" in output
    assert "900002" in output
    code, output = _invoke(env, "fest", str(FIXTURES / "fest_sample.xml"), "--json", "-")
    assert code == 0, output
    summary = json.loads(output[output.index("{") :])
    assert summary["created"] == summary["updated"] == 0
    assert summary["changes"]["products"] == {"created": 0, "updated": 0, "unchanged": 5}
    assert [n["key"] for n in summary["unmatched"]] == ["900002", "900006", "900007"]
    assert summary["skipped_by_reason"]["deregistered on DATE"] == 1


def test_json_to_a_file(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "out" / "atc.json"
    code, output = _invoke(
        env, "atc", str(FIXTURES / "who_atc_ddd_sample.csv"), "--add-new", "--json", str(target)
    )
    assert code == 0, output
    summary = json.loads(target.read_text(encoding="utf-8"))
    assert summary["source"] == "WHO ATC/DDD"
    assert summary["changes"]["substances"] == {"created": 4, "updated": 10, "unchanged": 0}


def test_dry_run_writes_nothing(env: dict[str, str]) -> None:
    before = _fingerprint(env)
    code, output = _invoke(env, "dmp", str(FIXTURES / "dmp_shortages_sample.csv"), "--dry-run")
    assert code == 0, output
    assert "would import" in output
    assert "dry run: nothing was written" in output
    assert _fingerprint(env) == before


@pytest.mark.parametrize(
    ("command", "file", "created"),
    [
        ("ema", "ema_shortages_sample.json", 1),
        ("openfda", "openfda_shortages_sample.json", 3),
        ("dmp", "dmp_shortages_sample.csv", 5),
        ("dmp", "dmp_shortages_sample.json", 2),
    ],
)
def test_shortage_lists(env: dict[str, str], command: str, file: str, created: int) -> None:
    code, output = _invoke(env, command, str(FIXTURES / file), "--json", "-")
    assert code == 0, output
    summary = json.loads(output[output.index("{") :])
    assert summary["changes"]["shortages"]["created"] == created


def test_rejected_file_exits_2_lists_problems_and_changes_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    text = (FIXTURES / "fest_sample.xml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.xml"
    bad.write_text(text.replace('<Pris V="95.40"', '<Pris V="-1"'), encoding="utf-8")
    before = _fingerprint(env)
    code, output = _invoke(env, "fest", str(bad))
    assert code == 2
    assert "bad.xml:" in output
    assert "Pris" in output
    assert "nothing was written" in output
    assert _fingerprint(env) == before


def test_empty_store_is_refused_with_a_hint(tmp_path: Path) -> None:
    env = {"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"}
    code, output = _invoke(env, "ema", str(FIXTURES / "ema_shortages_sample.json"))
    assert code == 3
    assert "import bundle" in output
