"""Nothing but the JSON on stdout under ``--json -``, in a real process.

The in-process runner only sees what Python writes; a C library (HiGHS's banner, a solver
notice) or a compiler writes to file descriptor 1 directly, which only a real process shows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample-no"
BEREDT = [sys.executable, "-c", "from beredt.cli import main; main()"]


def _beredt(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BEREDT, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
def test_json_on_stdout_is_alone_and_human_output_has_no_solver_banner(tmp_path: Path) -> None:
    env = {**os.environ, "BEREDT_DATABASE_URL": f"sqlite:///{tmp_path / 'o.db'}", "COLUMNS": "80"}
    assert _beredt(env, "import", "bundle", str(SAMPLE)).returncode == 0
    for args in (
        ["plan", "--budget", "150e6", "--scenarios", "64"],
        ["frontier", "--budgets", "0:300e6:2", "--scenarios", "64"],
        ["simulate", "export-ban-analgesics-api", "--scenarios", "64"],
        ["outlook", "--scenarios", "32"],
        ["respond", "--notice", "SMP-2026-0123", "--samples", "64"],
    ):
        done = _beredt(env, *args, "--json", "-")
        assert done.returncode == 0, done.stderr
        json.loads(done.stdout)  # strict: one JSON document and nothing else
        assert done.stderr.strip(), "the human output goes to stderr"
    human = _beredt(env, "plan", "--budget", "150e6", "--scenarios", "64")
    assert human.returncode == 0, human.stderr
    assert "Preparedness plan" in human.stdout
    for leak in ("Running HiGHS", "Copyright", "HiGHS run time"):
        assert leak not in human.stdout + human.stderr
