"""Commodity groups of the health industry: which trade codes count as which group.

The groups are data, not code: a documented TOML file (``commodity_groups.toml`` beside this
module, the default) that users can copy and edit. A code belongs to the group with the longest
matching prefix, so a subheading can be moved out of a broad chapter.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from beredt.ingest.errors import ImportRejected, Problem

_PREFIX = re.compile(r"^[0-9]{2,10}$")
_GROUP_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: Name of the pseudo-group of codes that match no group.
UNASSIGNED = "unassigned"
#: Name of the row that sums every group.
TOTAL = "total"
_RESERVED = {UNASSIGNED, TOTAL, "excluded"}
DEFAULT_GROUPS_FILE = "commodity_groups.toml"


@dataclass(frozen=True)
class CommodityGroup:
    """A group of commodity codes (HS prefixes) with its name and the rationale for it."""

    id: str
    name: str
    hs_prefixes: tuple[str, ...]
    rationale: str
    name_nb: str | None = None


@dataclass(frozen=True)
class CommodityGroups:
    """The groups in file order plus the excluded prefixes; assigns codes by longest prefix."""

    groups: tuple[CommodityGroup, ...]
    excluded_prefixes: tuple[str, ...] = ()
    excluded_rationale: str = ""
    source: str = DEFAULT_GROUPS_FILE

    @property
    def ids(self) -> tuple[str, ...]:
        """Group ids in file order."""
        return tuple(g.id for g in self.groups)

    def group(self, group_id: str) -> CommodityGroup:
        """The group called `group_id`."""
        for g in self.groups:
            if g.id == group_id:
                return g
        raise KeyError(f"no commodity group {group_id!r} (groups: {', '.join(self.ids)})")

    def name_of(self, group_id: str, lang: str = "en") -> str:
        """Display name of a group id (``total`` and ``unassigned`` included)."""
        if group_id == TOTAL:
            return "Alle helseindustrigrupper" if lang == "nb" else "All health-industry groups"
        if group_id == UNASSIGNED:
            return "Utenfor gruppene" if lang == "nb" else "Outside the groups"
        g = self.group(group_id)
        return (g.name_nb or g.name) if lang == "nb" else g.name

    @cached_property
    def _prefix_table(self) -> list[tuple[str, str | None]]:
        table: list[tuple[str, str | None]] = [
            (p, g.id) for g in self.groups for p in g.hs_prefixes
        ]
        table += [(p, None) for p in self.excluded_prefixes]
        return sorted(table, key=lambda pg: -len(pg[0]))

    def assign(self, hs_code: str) -> str | None:
        """The group of `hs_code` (longest matching prefix); None when excluded or unmatched."""
        for prefix, group_id in self._prefix_table:
            if hs_code.startswith(prefix):
                return group_id
        return None

    def is_excluded(self, hs_code: str) -> bool:
        """True when the longest matching prefix of `hs_code` is an excluded one."""
        for prefix, group_id in self._prefix_table:
            if hs_code.startswith(prefix):
                return group_id is None
        return False

    def assign_many(self, hs_codes: Iterable[str]) -> dict[str, str | None]:
        """Group (or None) of each distinct code."""
        return {code: self.assign(code) for code in set(hs_codes)}

    def all_prefixes(self) -> tuple[str, ...]:
        """Every group prefix (not the excluded ones), in file order: what a query should ask for."""
        return tuple(p for g in self.groups for p in g.hs_prefixes)


def load_groups(path: str | Path | None = None) -> CommodityGroups:
    """Read commodity groups from `path` (default: the documented file shipped in the package)."""
    if path is None:
        return _default_groups()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ImportRejected(
            [Problem(path.name, None, "file", "no such file")], "commodity groups"
        ) from None
    return parse_groups(text, path.name)


@lru_cache(maxsize=1)
def _default_groups() -> CommodityGroups:
    text = resources.files("beredt.industry").joinpath(DEFAULT_GROUPS_FILE).read_text("utf-8")
    return parse_groups(text, DEFAULT_GROUPS_FILE)


def parse_groups(text: str, file: str = "<toml>") -> CommodityGroups:
    """Validate commodity-group TOML text; raise ImportRejected naming file and field."""
    problems: list[Problem] = []

    def bad(fld: str, reason: str, line: int | None = None) -> None:
        problems.append(Problem(file, line, fld, reason))

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise ImportRejected(
            [Problem(file, line, "toml", f"not valid TOML: {exc}")], "commodity groups"
        ) from None
    version = doc.get("schema_version", 1)
    if version != 1:
        bad("schema_version", f"version {version!r} is not supported (1 is)")
    raw_groups = doc.get("group")
    if not isinstance(raw_groups, list) or not raw_groups:
        bad("group", "at least one [[group]] table is needed")
        raise ImportRejected(problems, "commodity groups")
    groups: list[CommodityGroup] = []
    owner: dict[str, str] = {}
    for i, raw in enumerate(raw_groups):
        where = f"group[{i}]"
        if not isinstance(raw, Mapping):
            bad(where, "must be a table")
            continue
        gid = raw.get("id")
        if not isinstance(gid, str) or not _GROUP_ID.match(gid) or gid in _RESERVED:
            bad(
                f"{where}.id",
                f"{gid!r} is not a valid group id (lower-case letters, digits, _; "
                f"not {', '.join(sorted(_RESERVED))})",
            )
            continue
        where = f"group.{gid}"
        if gid in {g.id for g in groups}:
            bad(f"{where}.id", "group id used twice")
            continue
        prefixes = _prefixes(raw.get("hs_prefixes"), f"{where}.hs_prefixes", bad)
        for p in prefixes:
            if p in owner:
                bad(f"{where}.hs_prefixes", f"prefix {p} is already in {owner[p]}")
            owner[p] = f"group {gid}"
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            bad(f"{where}.name", "a display name is required")
            continue
        rationale = raw.get("rationale", "")
        if not isinstance(rationale, str) or not rationale.strip():
            bad(f"{where}.rationale", "say why these codes belong together (required)")
            continue
        name_nb = raw.get("name_nb")
        unknown = sorted(set(raw) - {"id", "name", "name_nb", "hs_prefixes", "rationale"})
        if unknown:
            bad(where, f"unknown key(s): {', '.join(unknown)}")
        groups.append(
            CommodityGroup(
                id=gid,
                name=name.strip(),
                hs_prefixes=tuple(prefixes),
                rationale=" ".join(rationale.split()),
                name_nb=name_nb.strip() if isinstance(name_nb, str) else None,
            )
        )
    excluded: Sequence[str] = ()
    excluded_rationale = ""
    raw_ex = doc.get("excluded")
    if raw_ex is not None:
        if not isinstance(raw_ex, Mapping):
            bad("excluded", "must be a table")
        else:
            excluded = _prefixes(raw_ex.get("hs_prefixes", []), "excluded.hs_prefixes", bad)
            for p in excluded:
                if p in owner:
                    bad("excluded.hs_prefixes", f"prefix {p} is already in {owner[p]}")
                owner[p] = "excluded"
            excluded_rationale = " ".join(str(raw_ex.get("rationale", "")).split())
    unknown_top = sorted(set(doc) - {"schema_version", "group", "excluded"})
    if unknown_top:
        bad("(top level)", f"unknown key(s): {', '.join(unknown_top)}")
    if problems:
        raise ImportRejected(problems, "commodity groups")
    return CommodityGroups(tuple(groups), tuple(excluded), excluded_rationale, file)


def _prefixes(raw: Any, where: str, bad: Any) -> list[str]:
    if not isinstance(raw, list) or (not raw and not where.startswith("excluded")):
        bad(where, "a non-empty list of commodity-code prefixes (2–10 digits) is required")
        return []
    out: list[str] = []
    for p in raw:
        text = str(p).replace(".", "").strip() if isinstance(p, str | int) else None
        if text is None or not _PREFIX.match(text):
            bad(where, f"{p!r} is not a commodity-code prefix (2–10 digits, e.g. '3004')")
            continue
        if text in out:
            bad(where, f"prefix {text} listed twice")
            continue
        out.append(text)
    return out


def group_table(groups: CommodityGroups) -> list[dict[str, Any]]:
    """The groups as plain rows (id, names, prefixes, rationale) for JSON and spreadsheets."""
    return [
        {
            "group": g.id,
            "name": g.name,
            "name_nb": g.name_nb,
            "hs_prefixes": ";".join(g.hs_prefixes),
            "rationale": g.rationale,
        }
        for g in groups.groups
    ]


def groups_by_id(groups: CommodityGroups) -> Mapping[str, CommodityGroup]:
    """Groups keyed by id."""
    return {g.id: g for g in groups.groups}
