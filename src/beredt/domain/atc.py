"""The WHO Anatomical Therapeutic Chemical (ATC) code hierarchy.

Levels by code length (WHO Collaborating Centre for Drug Statistics Methodology, *Guidelines for
ATC classification and DDD assignment*): 1 anatomical main group (``N``), 2 therapeutic subgroup
(``N02``), 3 pharmacological subgroup (``N02B``), 4 chemical subgroup (``N02BE``), 5 chemical
substance (``N02BE01``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

from beredt.errors import InvalidInput

_LENGTH_TO_LEVEL = {1: 1, 3: 2, 4: 3, 5: 4, 7: 5}
_LEVEL_TO_LENGTH = {level: length for length, level in _LENGTH_TO_LEVEL.items()}
# Letter, two digits, letter, letter, two digits: each level adds its part.
_PATTERN = re.compile(r"^[A-Z](?:[0-9]{2}(?:[A-Z](?:[A-Z](?:[0-9]{2})?)?)?)?$")
_MAIN_GROUPS = frozenset("ABCDGHJLMNPRSV")


class AtcError(InvalidInput, ValueError):
    """A string is not a valid ATC code."""


@total_ordering
@dataclass(frozen=True, slots=True)
class AtcCode:
    """A validated ATC code at any level 1–5."""

    code: str

    def __post_init__(self) -> None:
        if not isinstance(self.code, str):
            raise AtcError(f"ATC code must be text, got {type(self.code).__name__}")
        if len(self.code) not in _LENGTH_TO_LEVEL or not _PATTERN.match(self.code):
            raise AtcError(
                f"{self.code!r} is not an ATC code (expected e.g. N, N02, N02B, N02BE, N02BE01)"
            )
        if self.code[0] not in _MAIN_GROUPS:
            raise AtcError(f"{self.code!r}: {self.code[0]!r} is not an ATC anatomical main group")

    @classmethod
    def parse(cls, text: str) -> AtcCode:
        """Parse a code, tolerating surrounding spaces and lower case."""
        return cls(text.strip().upper().replace(" ", ""))

    @property
    def level(self) -> int:
        """Level 1 (anatomical main group) to 5 (chemical substance)."""
        return _LENGTH_TO_LEVEL[len(self.code)]

    @property
    def parent(self) -> AtcCode | None:
        """The code one level up, or None at level 1."""
        if self.level == 1:
            return None
        return AtcCode(self.code[: _LEVEL_TO_LENGTH[self.level - 1]])

    def at_level(self, level: int) -> AtcCode:
        """This code truncated to a higher (smaller-numbered) level."""
        if not 1 <= level <= self.level:
            raise AtcError(f"cannot take level {level} of {self.code} (level {self.level})")
        return AtcCode(self.code[: _LEVEL_TO_LENGTH[level]])

    def is_ancestor_of(self, other: AtcCode) -> bool:
        """True when `other` lies strictly below this code in the hierarchy."""
        return other.level > self.level and other.code.startswith(self.code)

    def is_parent_of(self, other: AtcCode) -> bool:
        """True when this code is the direct parent of `other`."""
        return other.parent == self

    def same_group(self, other: AtcCode, level: int = 4) -> bool:
        """True when both codes share the group at `level` (default ATC4, the substitution group)."""
        if self.level < level or other.level < level:
            return False
        return self.code[: _LEVEL_TO_LENGTH[level]] == other.code[: _LEVEL_TO_LENGTH[level]]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, AtcCode):
            return NotImplemented
        return self.code < other.code

    def __str__(self) -> str:
        return self.code


def atc4_group(code: str) -> str:
    """The ATC level-4 group (first five characters) of a level-4 or level-5 code."""
    return AtcCode.parse(code).at_level(4).code


def matches_prefix(code: str, prefixes: list[str] | tuple[str, ...]) -> bool:
    """True when `code` equals or lies below any of the ATC `prefixes`."""
    return any(code.startswith(p.strip().upper()) for p in prefixes)
