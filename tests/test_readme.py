"""The README's everyday commands run as written, in order, on the store `make demo` leaves."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beredt.cli import get_app

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
BEREDT = ".venv/bin/beredt"


def everyday_block() -> str:
    """The first ``sh`` block under the README's "Everyday commands" heading."""
    section = README.read_text(encoding="utf-8").split("\n## Everyday commands\n", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def everyday_commands() -> list[list[str]]:
    """Each ``.venv/bin/beredt …`` line of the block as arguments (continuations joined)."""
    lines = everyday_block().replace("\\\n", " ").splitlines()
    return [shlex.split(line, comments=True)[1:] for line in lines if line.strip()]


def test_every_line_of_the_block_is_a_beredt_command_without_placeholders() -> None:
    lines = [line for line in everyday_block().replace("\\\n", " ").splitlines() if line.strip()]
    assert len(lines) >= 15
    for line in lines:
        words = shlex.split(line, comments=True)
        assert words[0] == BEREDT, line
        # placeholders (FILE, DIR, a|b choices) belong in other sections: they cannot run
        assert not any(re.fullmatch(r"[A-Z]{2,}", w) for w in words), line
        assert "|" not in " ".join(words), line


@pytest.mark.slow
def test_the_everyday_commands_run_in_order_on_the_demo_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A checkout's folder layout, and the default ./beredt.db the README's lines rely on.
    (tmp_path / "data").symlink_to(REPO / "data", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BEREDT_DATABASE_URL", raising=False)
    env = {"COLUMNS": "80"}
    runner = CliRunner()
    # what `make demo` does, with fewer scenarios
    demo = ["run", "--bundle", "data/sample-no", "--scenarios", "50", "--out", "out"]
    prepared = runner.invoke(get_app(), demo, env=env)
    assert prepared.exit_code == 0, prepared.output
    assert (tmp_path / "beredt.db").is_file()
    commands = everyday_commands()
    for args in commands:
        result = runner.invoke(get_app(), args, env=env)
        assert result.exit_code == 0, (
            f"beredt {shlex.join(args)} → exit {result.exit_code}\n{result.output}"
            f"{result.exception!r}"
        )
    assert (tmp_path / "out" / "response.html").is_file()
    assert (tmp_path / "out" / "plan.xlsx").is_file()
