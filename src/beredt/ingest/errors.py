"""Problems found in input files, reported as ``file:line: field: reason``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from beredt.errors import InvalidInput


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one place of one input file."""

    file: str
    line: int | None  # 1-based line (or record number where the format has no lines)
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.field}: {self.reason}"


class ImportRejected(InvalidInput):
    """An import found problems and wrote nothing."""

    def __init__(self, problems: Iterable[Problem], what: str = "import") -> None:
        self.problems = list(problems)
        self.what = what
        super().__init__(self.summary() + "\n" + self.report())

    def summary(self) -> str:
        """One line: what was rejected and how many problems."""
        n = len(self.problems)
        return f"{self.what} rejected: {n} problem{'s' if n != 1 else ''}; nothing was written"

    def report(self) -> str:
        """Every problem on its own line."""
        return "\n".join(str(p) for p in self.problems)

    def details(self) -> list[dict[str, Any]]:
        """Each problem as ``{file, line, field, reason}``."""
        return [
            {"file": p.file, "line": p.line, "field": p.field, "reason": p.reason}
            for p in self.problems
        ]
