"""Shared machinery of the public-format importers (FEST, WHO ATC/DDD, shortage lists).

Each importer parses a file into complete entity rows (dicts keyed by the column names of
:mod:`beredt.domain.entities`) plus what it could not match, as a :class:`SourceImport`; nothing is
written while parsing. :func:`check_import` validates the rows merged into the store's current
state (keys, references, rules) and :func:`write_import` merges them by natural key, so a failed
import changes nothing and a re-import of the same file changes nothing either.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import itertools
import json
import re
import stat
import sys
import unicodedata
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from beredt.domain.atc import AtcCode, AtcError
from beredt.domain.bundle import Bundle, Row
from beredt.domain.enums import ShortageCause, ShortageStatus
from beredt.domain.schema import EARLIEST_DATE as EARLIEST_DATE  # one date range for all input
from beredt.domain.schema import ENTITIES, EntitySpec
from beredt.domain.schema import LATEST_DATE as LATEST_DATE
from beredt.ingest.bundle import validate_tables
from beredt.ingest.errors import ImportRejected, Problem

_SPECS = {spec.stem: spec for spec in ENTITIES}
#: Every column of each entity with its default, in declaration order (rows are built on these).
_DEFAULTS = {spec.stem: {c.name: c.default for c in spec.columns} for spec in ENTITIES}


# --- results --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Note:
    """A record that was not imported as it stands (unmatched or skipped), or a warning."""

    file: str
    line: int | None  # 1-based line of the record in the file (record number for JSON lists)
    key: str  # the record as the source names it: pack number, URL, NDC, name …
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.key}: {self.reason}"


@dataclass
class SourceImport:
    """What an importer read from one file: rows per entity, and what it did not import."""

    source: str  # FEST, WHO ATC/DDD, EMA, FDA, DMP
    file: str
    records: int = 0  # records read from the file
    rows: dict[str, list[Row]] = field(default_factory=dict)
    lines: dict[str, list[int | None]] = field(default_factory=dict)
    unmatched: list[Note] = field(default_factory=list)  # could not be tied to a substance
    skipped: list[Note] = field(default_factory=list)  # deliberately left out (inactive, …)
    warnings: list[Note] = field(default_factory=list)  # imported, with a caveat

    def add(self, stem: str, row: Row, line: int | None) -> None:
        """Add a complete row of entity `stem`, remembering the file line it came from."""
        defaults = _DEFAULTS[stem]
        complete = {**defaults, **row}
        if len(complete) != len(defaults):
            unknown = sorted(set(row) - set(defaults))
            raise KeyError(f"{stem} has no column {', '.join(unknown)}")
        self.rows.setdefault(stem, []).append(complete)
        self.lines.setdefault(stem, []).append(line)

    def unmatch(self, line: int | None, key: str, reason: str) -> None:
        """Record a record that could not be matched to a substance."""
        self.unmatched.append(Note(self.file, line, key, reason))

    def skip(self, line: int | None, key: str, reason: str) -> None:
        """Record a record deliberately not imported."""
        self.skipped.append(Note(self.file, line, key, reason))

    def warn(self, line: int | None, key: str, reason: str) -> None:
        """Record a caveat about an imported record."""
        self.warnings.append(Note(self.file, line, key, reason))

    def counts(self) -> dict[str, int]:
        """Rows per entity, in declaration order."""
        return {s.stem: len(self.rows[s.stem]) for s in ENTITIES if self.rows.get(s.stem)}

    def skipped_by_reason(self) -> dict[str, int]:
        """How many records were skipped for each reason (dates and names folded away)."""
        return dict(Counter(_reason_kind(n.reason) for n in self.skipped).most_common())


def _reason_kind(reason: str) -> str:
    return re.sub(r"\b\d{4}-\d{2}-\d{2}\b", "DATE", reason.split(":")[0])


@dataclass(frozen=True)
class EntityChange:
    """Rows of one entity a merge inserts, updates and leaves unchanged."""

    inserted: int
    updated: int
    unchanged: int


class MergeTarget(Protocol):
    """The part of :class:`beredt.store.Store` an import needs."""

    def export_bundle(self) -> Bundle: ...

    def merge_tables(
        self,
        tables: Mapping[str, Sequence[Mapping[str, Any]]],
        *,
        who: str | None = None,
        source: str | None = None,
    ) -> Mapping[str, Any]: ...


def plan_changes(existing: Bundle, result: SourceImport) -> dict[str, EntityChange]:
    """What merging `result` into `existing` would do, per entity (a dry run)."""
    plan: dict[str, EntityChange] = {}
    for stem, rows in result.rows.items():
        spec = _SPECS[stem]
        current = {_key(spec, r): r for r in existing.rows(stem)}
        inserted = updated = unchanged = 0
        for row in rows:
            old = current.get(_key(spec, row))
            if old is None:
                inserted += 1
            elif dict(old) != row:
                updated += 1
            else:
                unchanged += 1
        plan[stem] = EntityChange(inserted, updated, unchanged)
    return {s.stem: plan[s.stem] for s in ENTITIES if s.stem in plan}


def check_import(existing: Bundle, result: SourceImport) -> None:
    """Validate `result` merged into `existing` as a whole; raise :class:`ImportRejected` if bad.

    Problems in imported rows are reported at their line in the source file; problems the merge
    would cause in rows already stored are reported against the stored table.
    """
    offset = 1_000_000_000  # line numbers above this mark incoming rows
    tables: dict[str, list[Row]] = {}
    lines: dict[str, list[int]] = {}
    origin: dict[tuple[str, int], int | None] = {}
    for spec in ENTITIES:
        merged: dict[tuple[Any, ...], tuple[Row, int]] = {}
        for number, row in enumerate(existing.rows(spec.stem), start=1):
            merged[_key(spec, row)] = (dict(row), number)
        for i, (row, line) in enumerate(
            zip(result.rows.get(spec.stem, []), result.lines.get(spec.stem, []), strict=True)
        ):
            merged[_key(spec, row)] = (row, offset + i)
            origin[(spec.file, offset + i)] = line
        tables[spec.stem] = [r for r, _ in merged.values()]
        lines[spec.stem] = [n for _, n in merged.values()]
    problems = []
    for spec in ENTITIES:
        # Each value against its column (NUL characters, 64-bit whole numbers, date range …),
        # reported at the source's line before the store sees it.
        for row, line in zip(
            result.rows.get(spec.stem, []), result.lines.get(spec.stem, []), strict=True
        ):
            for column in spec.columns:
                try:
                    column.check(row[column.name])
                except ValueError as exc:
                    problems.append(Problem(result.file, line, column.name, str(exc)))
    for p in validate_tables(tables, lines):
        if p.line is not None and p.line >= offset:
            problems.append(Problem(result.file, origin[(p.file, p.line)], p.field, p.reason))
        else:
            problems.append(Problem(f"stored {p.file}", p.line, p.field, p.reason))
    if problems:
        raise ImportRejected(problems, what=f"{result.source} import of {result.file}")


def write_import(
    store: MergeTarget, result: SourceImport, *, who: str | None = None
) -> dict[str, EntityChange]:
    """Merge `result` into the store by natural key in one transaction (all or nothing).

    The merge is validated as a whole against the store's current state first, so problems are
    reported at their line in the source file; the store validates again inside its transaction.
    """
    existing = store.export_bundle()
    check_import(existing, result)
    label = f"{result.source} {Path(result.file).name}"
    rows = {spec.stem: result.rows[spec.stem] for spec in ENTITIES if result.rows.get(spec.stem)}
    if not rows:
        return {}
    summaries = store.merge_tables(rows, who=who, source=label)
    return {stem: EntityChange(m.inserted, m.updated, m.unchanged) for stem, m in summaries.items()}


def _key(spec: EntitySpec, row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(row[k] for k in spec.key)


# --- names and substance matching ------------------------------------------------------------
_FOLD = str.maketrans({"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "ß": "ss", "ł": "l", "đ": "d"})
#: Salt and hydrate words WHO/INN names carry or drop (amoxicillin vs amoxicillin trihydrate).
SALT_WORDS = frozenset(
    [
        "acetate",
        "acetat",
        "besilate",
        "besylate",
        "bitartrate",
        "bromide",
        "bromid",
        "calcium",
        "citrate",
        "citrat",
        "dihydrate",
        "dihydrat",
        "fumarate",
        "fumarat",
        "hemihydrate",
        "hyclate",
        "hydrobromide",
        "hydrochloride",
        "hydroklorid",
        "hydrochlorid",
        "hcl",
        "maleate",
        "maleat",
        "mesilate",
        "mesylate",
        "mesilat",
        "monohydrate",
        "monohydrat",
        "natrium",
        "potassium",
        "kalium",
        "phosphate",
        "fosfat",
        "sodium",
        "succinate",
        "suksinat",
        "sulfate",
        "sulphate",
        "sulfat",
        "tartrate",
        "tartrat",
        "trihydrate",
        "trihydrat",
    ]
)
#: Words of dosage forms and packaging that name no substance (openFDA generic names).
FORM_WORDS = frozenset(
    [
        "tablet",
        "tablets",
        "capsule",
        "capsules",
        "injection",
        "injectable",
        "solution",
        "suspension",
        "powder",
        "for",
        "oral",
        "extended",
        "release",
        "delayed",
        "film",
        "coated",
        "chewable",
        "orally",
        "disintegrating",
        "sublingual",
        "cream",
        "ointment",
        "gel",
        "spray",
        "inhalation",
        "aerosol",
        "vial",
        "vials",
        "bag",
        "premix",
        "in",
        "dextrose",
        "usp",
        "kit",
        "emulsion",
        "lyophilized",
        "concentrate",
        "infusion",
        "intravenous",
        "syrup",
        "drops",
        "ophthalmic",
        "nasal",
        "topical",
        "patch",
        "transdermal",
        "suppository",
        "rectal",
        "vaginal",
        "elixir",
        "liquid",
        "granules",
        "pellets",
        "er",
        "xr",
        "sr",
        "dr",
        "ir",
        "odt",
        "iv",
        "im",
        "sc",
    ]
)
_COMBINATION = re.compile(r"\b(and|with|og|med)\b|[/+&]")


def fold(text: str) -> str:
    """Text without case and diacritics, punctuation as spaces (``Østradiol-Valerat`` → ``ostradiol valerat``)."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def spelling_key(word: str) -> str:
    """A key under which English and Scandinavian INN spellings agree.

    Norwegian and Swedish write INNs phonetically (amoksicillin, fenoksymetylpenicillin,
    morfin, kodein); folding ph→f, th→t, qu→k, x→ks, c→k, y→i and a final e makes them meet.
    """
    for old, new in (("ph", "f"), ("th", "t"), ("qu", "k"), ("x", "ks"), ("c", "k"), ("y", "i")):
        word = word.replace(old, new)
    word = re.sub(r"(.)\1+", r"\1", word)  # doubled letters: penicillin / penisillin
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


def _tokens(text: str) -> list[str]:
    return fold(text).split()


def _strip_salts(tokens: Sequence[str]) -> tuple[str, ...]:
    kept = tuple(t for t in tokens if t not in SALT_WORDS)
    return kept or tuple(tokens)


#: Words that qualify a substance without naming another: duration of action, route, form,
#: administration ("insulin (human), fast-acting", "immunoglobulins, normal human, for
#: intravascular adm."). Names equal once these are dropped name the same substance or family.
QUALIFIER_WORDS = frozenset(
    [
        "fast",
        "rapid",
        "short",
        "intermediate",
        "long",
        "acting",
        "mixed",
        "biphasic",
        "various",
        "forms",
        "form",
        "for",
        "intravascular",
        "extravascular",
        "intravenous",
        "subcutaneous",
        "intramuscular",
        "adm",
        "administration",
        "use",
        "plain",
    ]
)
#: A parenthesis that lists variants rather than naming a substance: "(various … forms)".
_VARIANTS = re.compile(r"\((?:various|several|all|different)\b[^)]*\)", re.IGNORECASE)
#: Classes that WHO's combination codes name instead of a substance, and their members:
#: ``J01CR02 amoxicillin and beta-lactamase inhibitor`` is amoxicillin with clavulanic acid.
COMBINATION_CLASSES: dict[str, tuple[str, ...]] = {
    "beta lactamase inhibitor": (
        "clavulanic acid",
        "clavulanate",
        "sulbactam",
        "tazobactam",
        "avibactam",
        "vaborbactam",
        "relebactam",
    ),
    "enzyme inhibitor": ("clavulanic acid", "clavulanate", "sulbactam", "tazobactam"),
    "decarboxylase inhibitor": ("carbidopa", "benserazide"),
    "dopa decarboxylase inhibitor": ("carbidopa", "benserazide"),
}


def _singular(word: str) -> str:
    # immunoglobulins → immunoglobulin; not tetanus, pertussis, glass (us, is, ss).
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def name_tokens(name: str) -> frozenset[str]:
    """A name's substance words, whatever their order, number and qualifiers.

    ``insulin human`` and ``insulin (human), fast-acting`` give the same tokens, as do
    ``human normal immunoglobulins`` and ``immunoglobulins, normal human, for intravascular
    adm.``: case, accents, order, plurals, salt words, qualifier words and "(various …)" are
    dropped, spellings folded with :func:`spelling_key`.
    """
    words = [w for w in _tokens(_VARIANTS.sub(" ", name)) if w not in QUALIFIER_WORDS]
    return frozenset(spelling_key(_singular(w)) for w in _strip_salts(words))


def _qualifiers(name: str) -> frozenset[str]:
    return frozenset(w for w in _tokens(_VARIANTS.sub(" ", name)) if w in QUALIFIER_WORDS)


_CLASS_TOKENS = {
    name_tokens(k): tuple(name_tokens(m) for m in v) for k, v in COMBINATION_CLASSES.items()
}


@dataclass(frozen=True)
class Match:
    """The outcome of matching a name to a substance: its ATC code, or why there is none.

    ``codes`` lists every substance the name concerns: the one matched, or a family of
    substances one name covers alike (``insulin human`` → each human insulin), with
    ``atc_code`` None and how ``family``.
    """

    atc_code: str | None
    how: str  # atc, name, spelling, tokens, text, combination; or none, ambiguous, family
    reason: str = ""
    codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.atc_code is not None and not self.codes:
            object.__setattr__(self, "codes", (self.atc_code,))


class SubstanceMatcher:
    """Matches source records to the store's substances by ATC code or by name.

    Names match case- and diacritics-insensitively, ignoring salt words, then by
    :func:`spelling_key`, then by their :func:`name_tokens` (order, plurals and qualifiers
    ignored; a name shared by several substances that differ only in qualifiers is a family);
    a list of substances matches the combination code that names exactly them; free text (a
    product description) matches when exactly one substance's name occurs in it as a run of
    whole words. A failed name says which substance it nearly names.
    """

    def __init__(self, substances: Iterable[Mapping[str, Any]]) -> None:
        self.names: dict[str, str] = {}
        exact: dict[tuple[str, ...], set[str]] = defaultdict(set)
        spelled: dict[tuple[str, ...], set[str]] = defaultdict(set)
        tokens: dict[frozenset[str], set[str]] = defaultdict(set)
        self._qualifiers: dict[str, frozenset[str]] = {}
        self._combinations: dict[str, list[frozenset[str] | tuple[frozenset[str], ...]]] = {}
        for row in substances:
            atc, name = str(row["atc_code"]), str(row["name"])
            self.names[atc] = name
            words = _strip_salts(_tokens(name))
            exact[words].add(atc)
            spelled[tuple(spelling_key(w) for w in words)].add(atc)
            key = name_tokens(name)
            if key:
                tokens[key].add(atc)
            self._qualifiers[atc] = _qualifiers(name)
            parts = _combination_parts(name)
            if parts:
                self._combinations[atc] = parts
        self._exact = exact
        self._spelled = spelled
        self._tokens = tokens
        self._folded = {fold(" ".join(_strip_salts(_tokens(n)))): a for a, n in self.names.items()}
        # For free text: every substance's word run, also with a parenthesised qualifier put
        # first, so "insulin (human)" is found in "Insulin (human insulin) …" and "human insulin".
        self._runs: list[tuple[tuple[str, ...], str]] = []
        for atc, name in self.names.items():
            for variant in {name, _parenthesis_first(name)}:
                words = tuple(spelling_key(w) for w in _strip_salts(_tokens(variant)))
                if words and len(" ".join(words)) >= 4:
                    self._runs.append((words, atc))

    def __contains__(self, atc_code: object) -> bool:
        return atc_code in self.names

    def by_atc(self, code: str) -> Match:
        """The substance with ATC code `code` (level 5), if the store has it."""
        if code in self.names:
            return Match(code, "atc")
        return Match(None, "none", f"ATC {code} is not among the substances")

    def by_name(self, name: str) -> Match:
        """The substance called `name` (INN, any case or accents, salts ignored), or its family."""
        words = _strip_salts(_tokens(name))
        if not words:
            return Match(None, "none", "no name")
        for how, index, key in (
            ("name", self._exact, words),
            ("spelling", self._spelled, tuple(spelling_key(w) for w in words)),
        ):
            found = index.get(key, set())
            if len(found) == 1:
                return Match(next(iter(found)), how)
            if len(found) > 1:
                return Match(None, "ambiguous", f"{name!r} names {', '.join(sorted(found))}")
        found = self._tokens.get(name_tokens(name), set())
        if found:
            # "insulin human, fast-acting" picks the fast-acting one; "insulin human" all.
            wanted = _qualifiers(name)
            narrowed = sorted(a for a in found if wanted <= self._qualifiers[a]) or sorted(found)
            if len(narrowed) == 1:
                return Match(narrowed[0], "tokens")
            listed = ", ".join(f"{a} {self.names[a]}" for a in narrowed)
            return Match(None, "family", f"{name!r} names {listed}", tuple(narrowed))
        return Match(None, "none", f"no substance is called {name!r}{self.near_miss(name)}")

    def by_names(self, names: Sequence[str]) -> Match:
        """The combination substance made of exactly the substances `names` (any order).

        ``amoxicillin`` + ``clavulanic acid`` → ``J01CR02 amoxicillin and beta-lactamase
        inhibitor``; a class in the combination's name matches any of its members.
        """
        wanted = [name_tokens(n) for n in names]
        if len(wanted) < 2 or not all(wanted):
            return Match(None, "none", "not a combination")
        hits = sorted(atc for atc, parts in self._combinations.items() if _covers(parts, wanted))
        if len(hits) == 1:
            return Match(hits[0], "combination")
        shown = " + ".join(names)
        if hits:
            return Match(None, "ambiguous", f"{shown} is each of {', '.join(hits)}")
        return Match(None, "none", f"no combination of {shown} among the substances")

    def near_miss(self, name: str) -> str:
        """`` (near miss: N02BE01 paracetamol?)`` when a substance's name is close, else ''.

        Close: spelled nearly alike (difflib ratio ≥ 0.8), or sharing most words (at least 60 %
        of the words of both together, e.g. ``human normal immunoglobulin (IVIg)``).
        """
        folded = fold(" ".join(_strip_salts(_tokens(name))))
        close = difflib.get_close_matches(folded, list(self._folded), n=1, cutoff=0.8)
        atc = self._folded[close[0]] if close else None
        if atc is None:
            words = name_tokens(name)
            best = 0.6
            for key, codes in self._tokens.items():
                overlap = len(words & key) / len(words | key) if words else 0.0
                if overlap >= best and len(codes) == 1:
                    best, atc = overlap, next(iter(codes))
        return f" (near miss: {atc} {self.names[atc]}?)" if atc else ""

    def in_text(self, text: str) -> Match:
        """The one substance whose name occurs in `text` as whole words (longest names win)."""
        words = [spelling_key(w) for w in _strip_salts(_tokens(text))]
        hits: dict[str, int] = {}
        for run, atc in self._runs:
            n = len(run)
            if any(tuple(words[i : i + n]) == run for i in range(len(words) - n + 1)):
                hits[atc] = max(hits.get(atc, 0), n)
        if not hits:
            return Match(
                None, "none", f"no substance name occurs in {text!r}{self.near_miss(text)}"
            )
        longest = max(hits.values())
        best = sorted(a for a, n in hits.items() if n == longest)
        # "and", "/" or "+" outside parentheses joins substances: a combination product.
        combination = _COMBINATION.search(fold(re.sub(r"\([^)]*\)", " ", text)))
        if len(best) > 1 or (len(hits) > 1 and combination):
            names = ", ".join(f"{self.names[a]} ({a})" for a in sorted(hits))
            return Match(None, "ambiguous", f"{text!r} names several substances: {names}")
        if combination:
            return Match(None, "combination", f"{text!r} looks like a combination product")
        return Match(best[0], "text")


def _combination_parts(name: str) -> list[frozenset[str] | tuple[frozenset[str], ...]]:
    """The parts of a combination substance's name: each a substance's tokens or a class's
    members (``amoxicillin and beta-lactamase inhibitor``); [] for other names."""
    folded = fold(re.sub(r"\([^)]*\)", " ", name))
    if " and " not in f" {folded} " or "combination" in folded:
        return []
    parts: list[frozenset[str] | tuple[frozenset[str], ...]] = []
    for text in re.split(r"\band\b", folded):
        key = name_tokens(text)
        if not key:
            return []
        parts.append(_CLASS_TOKENS.get(key, key))
    return parts if len(parts) >= 2 else []


def _covers(
    parts: Sequence[frozenset[str] | tuple[frozenset[str], ...]], wanted: Sequence[frozenset[str]]
) -> bool:
    """Whether each wanted substance fills exactly one part (a class part takes a member)."""
    if len(parts) != len(wanted):
        return False
    return any(
        all(w in p if isinstance(p, tuple) else w == p for p, w in zip(parts, order, strict=True))
        for order in itertools.permutations(wanted)
    )


def _parenthesis_first(name: str) -> str:
    """``insulin (human)`` → ``human insulin``; names without a parenthesis are returned as is."""
    match = re.fullmatch(r"\s*([^()]+?)\s*\(([^()]+)\)\s*", name)
    return f"{match.group(2)} {match.group(1)}" if match else name


def parse_atc(text: str) -> AtcCode:
    """A validated ATC code of any level; raises ValueError with the reason."""
    try:
        return AtcCode.parse(text)
    except AtcError as exc:
        raise ValueError(str(exc)) from None


# --- values ----------------------------------------------------------------------------------
def parse_date(text: str, formats: Sequence[str], what: str = "date") -> dt.date:
    """Parse `text` with the first matching strptime format; ValueError naming the formats."""
    text = text.strip()
    for fmt in formats:
        try:
            if fmt == "%Y-%m-%d" and len(text) == 10:
                value = dt.date.fromisoformat(text)  # C-fast; FEST has millions of these
            else:
                value = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ValueError(
                f"{text!r} is outside {EARLIEST_DATE.year}–{LATEST_DATE.year}: not a plausible {what}"
            )
        return value
    shown = " or ".join(_FORMAT_NAMES.get(f, f) for f in formats)
    raise ValueError(f"{text!r} is not a {what} ({shown})")


_FORMAT_NAMES = {
    "%Y-%m-%d": "YYYY-MM-DD",
    "%d/%m/%Y": "DD/MM/YYYY",
    "%m/%d/%Y": "MM/DD/YYYY",
    "%Y%m%d": "YYYYMMDD",
    "%d.%m.%Y": "DD.MM.YYYY",
}


def parse_number(
    text: str, *, positive: bool = False, maximum: float | None = None, decimal_comma: bool = False
) -> float:
    """A finite number from text (``NA``/empty are the caller's business); ValueError if bad."""
    raw = text.strip()
    if decimal_comma:
        raw = raw.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{text.strip()!r} is not a finite number")
    if positive and value <= 0:
        raise ValueError(f"{text.strip()} must be greater than 0")
    if not positive and value < 0:
        raise ValueError(f"{text.strip()} is negative")
    if maximum is not None and value > maximum:
        raise ValueError(f"{text.strip()} is implausibly large (more than {maximum:g})")
    return value


#: Free-text causes (English: EMA, FDA; Norwegian: DMP) to the normalised causes, first hit wins.
_CAUSE_WORDS: tuple[tuple[ShortageCause, tuple[str, ...]], ...] = (
    (
        ShortageCause.EXPORT_RESTRICTION,
        ("export restriction", "export ban", "eksportrestrik", "eksportforbud"),
    ),
    (
        ShortageCause.API_SUPPLY,
        (
            "active ingredient",
            "active pharmaceutical",
            "inactive ingredient",
            "raw material",
            "api",
            "ravare",
            "virkestoff",
            "innsatsfaktor",
            "starting material",
        ),
    ),
    (
        ShortageCause.QUALITY,
        (
            "good manufacturing practice",
            "gmp",
            "quality",
            "kvalitet",
            "recall",
            "tilbakekall",
            "defect",
            "contamina",
            "sterility",
            "steril",
        ),
    ),
    (
        ShortageCause.DEMAND_INCREASE,
        ("demand", "ettersporsel", "okt salg", "okt forbruk", "increased use", "okt behov"),
    ),
    (
        ShortageCause.COMMERCIAL,
        (
            "discontinu",
            "withdraw",
            "business decision",
            "commercial",
            "kommersiel",
            "avregistr",
            "market exit",
            "utgar fra markedet",
            "avslutt",
            "opphor",
            "nedlegg",
        ),
    ),
    (
        ShortageCause.REGULATORY,
        (
            "regulator",
            "licen",
            "labelling",
            "labeling",
            "variation",
            "myndighet",
            "godkjenning",
            "tillatelse",
            "merking",
        ),
    ),
    (
        ShortageCause.MANUFACTURING,
        (
            "manufactur",
            "production",
            "produksjon",
            "tilvirk",
            "capacity",
            "kapasitet",
            "fabrik",
            "plant",
        ),
    ),
    (
        ShortageCause.LOGISTICS,
        (
            "shipping",
            "transport",
            "logist",
            "distribut",
            "delivery",
            "levering",
            "leveranse",
            "forsinke",
            "delay in shipping",
        ),
    ),
)
_UNKNOWN_WORDS = ("unknown", "ukjent", "not specified", "ikke oppgitt", "n a", "na", "none")


def normalise_cause(text: str | None) -> ShortageCause:
    """The normalised cause of a free-text shortage reason (English or Norwegian)."""
    folded = fold(text or "")
    if not folded or folded in _UNKNOWN_WORDS:
        return ShortageCause.UNKNOWN
    padded = f" {folded} "
    for cause, words in _CAUSE_WORDS:
        for word in words:
            if (f" {word} " in padded) if len(word) <= 3 else (word in folded):
                return cause
    return ShortageCause.OTHER


# --- reading files ---------------------------------------------------------------------------
def read_text(path: Path, encoding: str = "utf-8") -> str:
    """The text of `path`; :class:`ImportRejected` naming line and byte when it is not `encoding`."""
    data = read_bytes(path)
    try:
        return data.decode(
            "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        )
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRejected(
            [
                Problem(
                    path.name,
                    line,
                    "encoding",
                    f"not {encoding} ({exc.reason} at byte {exc.start}); save the file as "
                    f"{encoding} or give its encoding with --encoding",
                )
            ],
            what=str(path),
        ) from None
    except LookupError:
        raise ImportRejected(
            [Problem(path.name, None, "encoding", f"unknown encoding {encoding!r}")], what=str(path)
        ) from None


#: Largest file read whole into memory (JSON and CSV sources; FEST is streamed, any size).
#: Real exports are a few MB (EMA, DMP) to tens of MB (openFDA, a large SSB table).
MAX_INPUT_BYTES = 256 << 20
#: Nesting of JSON arrays and objects named in the error when the decoder runs out of depth
#: (the sources nest a handful of levels; Python's decoder stops near 1,000).
MAX_JSON_DEPTH = 200


def check_regular_file(path: Path, limit: int | None = None) -> int:
    """The size of `path` when it is a regular file (of at most `limit` bytes); else refused.

    Checked before opening: a FIFO would block the open, and a device (``/dev/zero``) or a
    folder has no end or no content to read.
    """
    try:
        info = path.stat()
    except OSError as exc:
        raise ImportRejected(
            [Problem(path.name, None, "file", exc.strerror or str(exc))], what=str(path)
        ) from None
    reason = None
    if stat.S_ISDIR(info.st_mode):
        reason = "is a folder, not a file"
    elif not stat.S_ISREG(info.st_mode):
        reason = "is not a regular file (a pipe, device or socket): save the data to a file first"
    elif limit is not None and info.st_size > limit:
        reason = (
            f"is {info.st_size / 2**20:,.0f} MB, more than the {limit / 2**20:,.0f} MB this "
            "importer reads: not an export of this source, or split it"
        )
    if reason:
        raise ImportRejected([Problem(path.name, None, "file", reason)], what=str(path))
    return int(info.st_size)


def read_bytes(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of the regular file `path` (at most `limit`); :class:`ImportRejected` if not."""
    check_regular_file(path, limit)
    try:
        with path.open("rb") as stream:
            data = stream.read(limit + 1)  # a file that grew since the check stops here too
    except OSError as exc:
        raise ImportRejected(
            [Problem(path.name, None, "file", exc.strerror or str(exc))], what=str(path)
        ) from None
    if len(data) > limit:
        check_regular_file(path, limit)  # reports the size
    return data


def load_json(text: str, file: str, what: str = "", **options: Any) -> Any:
    """Decode JSON text; :class:`ImportRejected` with file and line for anything it cannot take.

    Besides syntax errors: nesting deeper than the decoder recurses (reported at the line
    where it passes :data:`MAX_JSON_DEPTH` levels) and integers longer than Python converts
    (4,300 digits).
    """

    def reject(line: int | None, reason: str) -> ImportRejected:
        return ImportRejected([Problem(file, line, "json", reason)], what=what or file)

    try:
        return json.loads(text, **options)
    except json.JSONDecodeError as exc:
        raise reject(exc.lineno, f"{exc.msg} (column {exc.colno})") from None
    except RecursionError:
        line = _deep_nesting(text, MAX_JSON_DEPTH)
        raise reject(
            line, f"arrays and objects nested more than {MAX_JSON_DEPTH} levels deep"
        ) from None
    except ValueError as exc:
        digits = sys.get_int_max_str_digits()
        long_number = re.search(rf"\d{{{digits + 1},}}", text)
        if long_number is not None:
            line = text.count("\n", 0, long_number.start()) + 1
            raise reject(line, f"a number with more than {digits:,} digits") from None
        raise reject(None, str(exc)) from None


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _deep_nesting(text: str, limit: int) -> int | None:
    """The line where arrays and objects first nest deeper than `limit`, or None."""
    if text.count("[") + text.count("{") <= limit:
        return None  # cannot nest that deep: skip the scan
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        kind = token.group()
        if kind in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, token.start()) + 1
        elif kind in "]}":
            depth -= 1
    return None


def _header_line(text: str) -> tuple[int, str]:
    """(0-based index, text) of the header: the first line not starting with ``#``."""
    for index, line in enumerate(text.split("\n")):
        if not line.lstrip().startswith("#"):
            return index, line.rstrip("\r")
    return 0, ""


def _delimiter(header: str) -> str:
    return max((";", ",", "\t"), key=header.count)


def csv_records(
    path: Path, text: str, problems: list[Problem]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {header: cell}) of each CSV record; the delimiter (``,`` ``;`` or tab) is sniffed.

    Lines starting with ``#`` before the header are comments (fixtures say where they come from).
    Headers are stripped; a record with the wrong number of cells is reported, not yielded.
    """
    skip, header_text = _header_line(text)
    offset = sum(len(line) + 1 for line in text.split("\n")[:skip])
    reader = csv.reader(
        io.StringIO(text[offset:], newline=""), delimiter=_delimiter(header_text), strict=True
    )
    start = skip + 1
    header: list[str] | None = None
    try:
        for cells in reader:
            line, start = start, skip + reader.line_num + 1
            if header is None:
                header = [h.strip() for h in cells]
                continue
            if not cells or all(not c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                problems.append(
                    Problem(
                        path.name,
                        line,
                        "row",
                        f"has {len(cells)} fields, the header has {len(header)}",
                    )
                )
                continue
            yield line, dict(zip(header, cells, strict=True))
    except csv.Error as exc:
        problems.append(Problem(path.name, skip + reader.line_num, "csv", str(exc)))


def csv_header(text: str) -> list[str]:
    """The stripped header cells of CSV `text` (same rules as :func:`csv_records`)."""
    _, header = _header_line(text)
    return [h.strip() for h in next(csv.reader([header], delimiter=_delimiter(header)), [])]


def json_records(path: Path, text: str, keys: Sequence[str] = ()) -> list[tuple[int, Any]]:
    """(line, record) of each element of a JSON list, with the line where the element starts.

    The list is the document itself or, in an envelope, the value of the first of `keys` that the
    top-level object has (``results`` for openFDA). Malformed JSON is rejected with its line.
    """
    document = load_json(text, path.name, str(path))
    start = _list_start(path, text, document, keys)
    if start is None:
        wanted = " or ".join(f"an object with {k!r}" for k in keys)
        raise ImportRejected(
            [
                Problem(
                    path.name,
                    1,
                    "json",
                    f"expected a list of records{(' or ' + wanted) if keys else ''}, "
                    f"found {type(document).__name__}",
                )
            ],
            what=str(path),
        )
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]
    decoder = json.JSONDecoder()
    records: list[tuple[int, Any]] = []
    i = start + 1
    while True:
        while text[i] in " \t\r\n,":
            i += 1
        if text[i] == "]":
            break
        value, end = decoder.raw_decode(text, i)
        records.append((bisect_right(newlines, i - 1) + 1, value))
        i = end
    return records


def _list_start(path: Path, text: str, document: Any, keys: Sequence[str]) -> int | None:
    """Offset of the '[' that opens the records list (the document or an envelope's value).

    A member name that appears twice in the envelope is refused: JSON decoders keep the last,
    which would hide records (or read the wrong ones).
    """
    if isinstance(document, list):
        return text.index("[")
    if not isinstance(document, dict):
        return None
    key = next((k for k in keys if isinstance(document.get(k), list)), None)
    if key is None:
        return None
    # Walk the top-level object's members with the decoder to find the key's value.
    decoder = json.JSONDecoder()
    i = text.index("{") + 1
    seen: dict[str, int] = {}
    found = None
    while True:
        while text[i] in " \t\r\n,":
            i += 1
        if text[i] == "}":
            return found
        line = text.count("\n", 0, i) + 1
        name, i = decoder.raw_decode(text, i)
        if name in seen:
            raise ImportRejected(
                [
                    Problem(
                        path.name,
                        line,
                        "json",
                        f"the member {name!r} appears twice in the top-level object "
                        f"(first on line {seen[name]})",
                    )
                ],
                what=str(path),
            )
        seen[name] = line
        while text[i] in " \t\r\n:":
            i += 1
        if name == key:
            found = i
        _, i = decoder.raw_decode(text, i)


def text_field(record: Mapping[str, Any], name: str) -> str:
    """A record's text value (None and missing as ''), stripped; lists joined by ``;``."""
    value = record.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v).strip() for v in value if v is not None and str(v).strip())
    return str(value).strip()


def slug(text: str) -> str:
    """An identifier from a name (``Orifarm Healthcare AS`` → ``orifarm-healthcare-as``)."""
    return re.sub(r"-+", "-", fold(text).replace(" ", "-")).strip("-") or "unknown"


# --- shortage notices ------------------------------------------------------------------------
def shortage_status(text: str, table: Mapping[str, ShortageStatus]) -> ShortageStatus:
    """The normalised status of a source's status word; ValueError listing the accepted words."""
    status = table.get(fold(text))
    if status is None:
        accepted = ", ".join(sorted({k for k in table if k}))
        raise ValueError(f"{text.strip()!r} is not a known status (accepted: {accepted})")
    return status


class KeyTracker:
    """Reports a natural key that appears twice in one file, naming the first line."""

    def __init__(self, file: str, field: str) -> None:
        self.file, self.field = file, field
        self.first: dict[str, int | None] = {}

    def seen(self, key: str, line: int | None, problems: list[Problem]) -> bool:
        """True (and a problem) when `key` was already seen."""
        if key in self.first:
            problems.append(
                Problem(
                    self.file,
                    line,
                    self.field,
                    f"duplicate {key!r} (first on line {self.first[key]})",
                )
            )
            return True
        self.first[key] = line
        return False


#: Reads one JSON record of a source into `result` (see :func:`read_json_source`).
RecordReader = Callable[
    [SourceImport, SubstanceMatcher, KeyTracker, int, Mapping[str, Any], list[Problem]], None
]


def read_json_source(
    path: str | Path,
    existing: Bundle,
    *,
    source: str,
    what: str,
    record_keys: Sequence[str],
    key_name: str,
    read_record: RecordReader,
) -> SourceImport:
    """Read a JSON export record by record with `read_record`; all problems or a result.

    Shared by the shortage lists delivered as a JSON array of objects (EMA, openFDA): each
    record that is not an object is a problem, and :class:`ImportRejected` lists every one.
    """
    file = Path(path)
    records = json_records(file, read_text(file), keys=record_keys)
    result = SourceImport(source, file.name)
    matcher = SubstanceMatcher(existing.rows("substances"))
    problems: list[Problem] = []
    keys = KeyTracker(file.name, key_name)
    for line, record in records:
        result.records += 1
        if not isinstance(record, dict):
            problems.append(Problem(file.name, line, "record", "is not an object"))
            continue
        read_record(result, matcher, keys, line, record, problems)
    if problems:
        raise ImportRejected(problems, what=f"{what} {file.name}")
    return result


def clamp_end(
    result: SourceImport, line: int | None, key: str, start: dt.date, end: dt.date | None, what: str
) -> dt.date | None:
    """`end` unless it lies before `start` (then None, with a warning naming `what`)."""
    if end is not None and end < start:
        result.warn(line, key, f"{what} {end} is before the start {start}; left empty")
        return None
    return end
