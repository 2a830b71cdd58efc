"""Scenario files (TOML): forced disruption events plus the background hazards from the data.

The format is documented in ``docs/scenarios.md``; examples are in ``scenarios/``. Parsing checks
the file on its own (:func:`parse_scenario`, :func:`load_scenario`); :func:`check_scenario`
checks it against a dataset (do the named sites, companies, countries, products, holders and ATC
codes exist). Both report every problem as ``file:line: field: reason``
(:class:`~beredt.ingest.errors.ImportRejected`).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from beredt.domain.atc import AtcCode, AtcError
from beredt.domain.enums import SiteStage, StockTier
from beredt.ingest.errors import ImportRejected, Problem
from beredt.sim.durations import Duration, DurationError, ShortageHistory, parse_duration

if TYPE_CHECKING:
    from beredt.domain.dataset import Dataset

#: Kinds of forced event and the keys each accepts besides the common ones.
EVENT_KINDS: dict[str, frozenset[str]] = {
    "site_outage": frozenset({"sites"}),
    "company_outage": frozenset({"companies"}),
    "export_restriction": frozenset({"country", "stages", "atc"}),
    "product_withdrawal": frozenset({"products", "atc"}),
    "demand_surge": frozenset({"atc", "multiplier"}),
    "stock_loss": frozenset({"holder", "tiers", "atc", "share"}),
}
_COMMON_EVENT_KEYS = frozenset({"kind", "name", "start_day", "duration", "probability"})
_TOP_KEYS = frozenset(
    {
        "name",
        "description",
        "name_nb",
        "description_nb",
        "horizon_days",
        "scenarios",
        "seed",
        "probability_per_year",
        "background",
        "model",
        "event",
    }
)
SURGE_TRIGGERS = ("notice", "stock")
DURATION_FAMILIES = ("data", "geometric", "fixed", "lognormal")


@dataclass(frozen=True)
class Background:
    """Background hazards from the data: site outages and country export restrictions.

    A site fails with daily probability 1 − exp(−hazard_per_year × multiplier / 365) while up and
    stays down for a duration of the chosen family with the site's (or country's) mean from the
    data; the geometric family makes this the two-state Markov chain. Runs start from the
    stationary state of these processes.
    """

    site_outages: bool = True
    export_restrictions: bool = True
    #: A pack's own outages and a substance's common-cause outages (products.csv and
    #: substances.csv ``outage_hazard_per_year``, e.g. from ``beredt calibrate``).
    product_outages: bool = True
    site_hazard_multiplier: float = 1.0
    country_hazard_multiplier: float = 1.0
    product_hazard_multiplier: float = 1.0
    #: Duration family of site, pack and substance outages: ``data`` (the lognormal with the
    #: row's σ where the data gives one, else geometric), ``geometric``, ``fixed``, ``lognormal``.
    site_duration: str = "data"
    country_duration: str = "data"
    duration_sigma: float = 0.8
    #: Start every process from its stationary state (a run that starts with everything up
    #: under-counts). Unset: stationary unless the model forces the dataset's open notices and
    #: the dataset has a shortage record — then today's state is observed (the open notices are
    #: what is down, everything else is up) and starting stationary would count it twice.
    stationary_start: bool | None = None


@dataclass(frozen=True)
class ModelParameters:
    """Behavioural parameters of the supply model (DESIGN.md §4), with documented defaults."""

    #: Extra output an up supplier can make, as a share of its normal output: limits how much of
    #: a demand surge is met and how fast depleted stock is rebuilt (share of demand per day).
    supply_headroom: float = 0.1
    #: Largest share of a substance's daily demand that therapeutic alternatives (same ATC4
    #: group) may cover, drawn from the alternatives' own commercial stock (joint mode only).
    alternative_max_share: float = 0.3
    #: Treat the dataset's open shortage notices as forced product outages.
    open_shortages: bool = True
    #: Log-sd of the remaining length of an open notice around its announced end.
    open_shortage_sigma: float = 0.5
    #: What activates domestic surge agreements: ``notice`` (the first day of a supply gap, plus
    #: ``notice_delay_days``) or ``stock`` (commercial stock below ``stock_trigger_days`` of
    #: mean demand).
    surge_trigger: str = "notice"
    notice_delay_days: int = 0
    stock_trigger_days: float = 14.0
    #: Day-to-day demand noise (coefficient of variation from the data); off gives deterministic
    #: demand.
    demand_noise: bool = True
    #: Exemption import where the dataset's levers.csv configures it; false switches it off.
    exemption_import: bool = True
    #: Override the levers for every substance: share of mean demand a day, and lead days.
    exemption_import_share: float | None = None
    exemption_import_lead_days: int | None = None


@dataclass(frozen=True)
class Event:
    """A forced event of a scenario; which target fields apply depends on `kind`."""

    kind: str
    start_day: int = 0
    duration: Duration | ShortageHistory | None = None
    probability: float = 1.0
    name: str = ""
    sites: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()
    country: str | None = None
    stages: tuple[str, ...] = ()
    atc: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    multiplier: float = 1.0
    holder: str | None = None
    tiers: tuple[str, ...] = ()
    share: float = 1.0
    #: Line of the event's ``[[event]]`` header in its file (for error messages), 0 if built in code.
    line: int = 0

    @property
    def label(self) -> str:
        """A short human label: the name, else kind and target."""
        if self.name:
            return self.name
        target = (
            self.sites
            or self.companies
            or ((self.country,) if self.country else ())
            or self.products
            or ((self.holder,) if self.holder else ())
            or self.atc
        )
        return f"{self.kind} {','.join(target)}".strip()


@dataclass(frozen=True)
class Scenario:
    """A disruption scenario: forced events, background hazards and model parameters."""

    name: str = "background"
    description: str = ""
    events: tuple[Event, ...] = ()
    background: Background = field(default_factory=Background)
    model: ModelParameters = field(default_factory=ModelParameters)
    horizon_days: int | None = None
    n_scenarios: int | None = None
    seed: int | None = None
    source: str = "<scenario>"
    #: How often the whole scenario happens (events a year), for plans that weigh a stress
    #: library; an event's own `probability` stays conditional on the scenario happening.
    probability_per_year: float | None = None
    name_nb: str = ""
    description_nb: str = ""

    def with_events(self, *events: Event) -> Scenario:
        """A copy with more forced events."""
        return replace(self, events=(*self.events, *events))


class _Lines:
    """Line numbers of sections and keys in a TOML text, for error messages."""

    _HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-]+)\s*\]\]?")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[int, str]] = []
        for number, line in enumerate(self.lines, start=1):
            m = self._HEADER.match(line)
            if m:
                self.headers.append((number, m.group(1)))

    def section(self, name: str, occurrence: int = 0) -> int | None:
        found = [n for n, h in self.headers if h == name]
        return found[occurrence] if occurrence < len(found) else None

    def key(self, key: str, section_line: int | None = None) -> int | None:
        start = section_line or 0
        end = len(self.lines)
        for n, _ in self.headers:
            if n > start:
                end = n - 1
                break
        if section_line is None and self.headers:
            end = self.headers[0][0] - 1
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start + 1, end + 1):
            if pattern.match(self.lines[number - 1]):
                return number
        return section_line


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file; raise ImportRejected listing every problem."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportRejected(
            [Problem(str(file), None, "file", f"cannot read: {exc.strerror or exc}")],
            what="scenario",
        ) from exc
    return parse_scenario(text, source=str(file))


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Parse the TOML text of a scenario; raise ImportRejected listing every problem."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise ImportRejected([Problem(source, line, "toml", str(exc))], what="scenario") from exc
    lines = _Lines(text)
    problems: list[Problem] = []

    def bad(line: int | None, fld: str, reason: str) -> None:
        problems.append(Problem(source, line, fld, reason))

    for key in sorted(set(doc) - _TOP_KEYS):
        bad(lines.key(key), key, f"unknown key (allowed: {', '.join(sorted(_TOP_KEYS))})")

    name = doc.get("name", Path(source).stem if source != "<scenario>" else "scenario")
    if not isinstance(name, str) or not name.strip():
        bad(lines.key("name"), "name", "must be non-empty text")
        name = "scenario"
    description = doc.get("description", "")
    if not isinstance(description, str):
        bad(lines.key("description"), "description", "must be text")
        description = ""
    texts = {}
    for key in ("name_nb", "description_nb"):
        value = doc.get(key, "")
        if not isinstance(value, str):
            bad(lines.key(key), key, "must be text")
            value = ""
        texts[key] = value.strip()
    probability = doc.get("probability_per_year")
    if probability is not None and (
        isinstance(probability, bool)
        or not isinstance(probability, (int, float))
        or not 0 <= probability <= 1
    ):
        bad(
            lines.key("probability_per_year"),
            "probability_per_year",
            f"must be a number of events a year in [0, 1], got {probability!r}",
        )
        probability = None
    horizon = _opt_int(doc, "horizon_days", 1, 36500, lines.key("horizon_days"), bad)
    n_scen = _opt_int(doc, "scenarios", 1, 10**8, lines.key("scenarios"), bad)
    seed = _opt_int(doc, "seed", 0, 2**63 - 1, lines.key("seed"), bad)

    background = _parse_section(doc, "background", Background, lines, bad)
    model = _parse_section(doc, "model", ModelParameters, lines, bad)
    if isinstance(background, Background):
        for key in ("site_duration", "country_duration"):
            if getattr(background, key) not in DURATION_FAMILIES:
                bad(
                    lines.key(key, lines.section("background")),
                    key,
                    f"must be one of {', '.join(DURATION_FAMILIES)}",
                )
    if isinstance(model, ModelParameters) and model.surge_trigger not in SURGE_TRIGGERS:
        bad(
            lines.key("surge_trigger", lines.section("model")),
            "surge_trigger",
            f"must be one of {', '.join(SURGE_TRIGGERS)}",
        )

    raw_events = doc.get("event", [])
    events: list[Event] = []
    if not isinstance(raw_events, list):
        bad(lines.section("event"), "event", "use [[event]] tables, one per event")
        raw_events = []
    for i, raw in enumerate(raw_events):
        header = lines.section("event", i)
        event = _parse_event(raw, header, lines, bad)
        if event is not None:
            events.append(event)

    if problems:
        raise ImportRejected(problems, what=f"scenario {source}")
    assert isinstance(background, Background)
    assert isinstance(model, ModelParameters)
    return Scenario(
        name=name.strip(),
        description=description.strip(),
        events=tuple(events),
        background=background,
        model=model,
        horizon_days=horizon,
        n_scenarios=n_scen,
        seed=seed,
        source=source,
        probability_per_year=float(probability) if probability is not None else None,
        name_nb=texts["name_nb"],
        description_nb=texts["description_nb"],
    )


def _opt_int(
    doc: Mapping[str, Any], key: str, lo: int, hi: int, line: int | None, bad: Any
) -> int | None:
    if key not in doc:
        return None
    value = doc[key]
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        bad(line, key, f"must be a whole number in [{lo}, {hi}], got {value!r}")
        return None
    return int(value)


#: Switches whose default (None) is decided from the dataset.
_OPTIONAL_BOOLS = frozenset({"stationary_start"})
#: Numbers whose default (None) means "from the dataset".
_OPTIONAL_NUMBERS = {"exemption_import_share": float, "exemption_import_lead_days": int}

_LIMITS: dict[str, tuple[float, float]] = {
    "site_hazard_multiplier": (0.0, 1e6),
    "country_hazard_multiplier": (0.0, 1e6),
    "product_hazard_multiplier": (0.0, 1e6),
    "duration_sigma": (1e-6, 10.0),
    "supply_headroom": (0.0, 100.0),
    "alternative_max_share": (0.0, 1.0),
    "open_shortage_sigma": (1e-6, 10.0),
    "notice_delay_days": (-3650, 3650),
    "stock_trigger_days": (0.0, 36500.0),
    "exemption_import_share": (0.0, 1.0),
    "exemption_import_lead_days": (0, 3650),
}


def _parse_section(doc: Mapping[str, Any], name: str, cls: type, lines: _Lines, bad: Any) -> Any:
    raw = doc.get(name, {})
    header = lines.section(name)
    if not isinstance(raw, Mapping):
        bad(lines.key(name), name, "must be a table")
        return cls()
    defaults = cls()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        line = lines.key(key, header)
        if not hasattr(defaults, key):
            allowed = ", ".join(sorted(f for f in defaults.__dataclass_fields__))
            bad(line, f"{name}.{key}", f"unknown key (allowed: {allowed})")
            continue
        default = getattr(defaults, key)
        if key in _OPTIONAL_NUMBERS:
            default = _OPTIONAL_NUMBERS[key](0)
        if isinstance(default, bool) or key in _OPTIONAL_BOOLS:
            if not isinstance(value, bool):
                bad(line, f"{name}.{key}", f"must be true or false, got {value!r}")
                continue
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                bad(line, f"{name}.{key}", f"must be a whole number, got {value!r}")
                continue
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                bad(line, f"{name}.{key}", f"must be a number, got {value!r}")
                continue
            value = float(value)
        elif isinstance(default, str) and not isinstance(value, str):
            bad(line, f"{name}.{key}", f"must be text, got {value!r}")
            continue
        if key in _LIMITS:
            lo, hi = _LIMITS[key]
            if not (lo <= value <= hi) or (isinstance(value, float) and not math.isfinite(value)):
                bad(line, f"{name}.{key}", f"must be in [{lo:g}, {hi:g}], got {value!r}")
                continue
        values[key] = value
    return cls(**values)


def _text_list(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _parse_event(raw: Any, header: int | None, lines: _Lines, bad: Any) -> Event | None:
    if not isinstance(raw, Mapping):
        bad(header, "event", "must be a table")
        return None
    kind = raw.get("kind")
    if kind not in EVENT_KINDS:
        bad(
            lines.key("kind", header),
            "kind",
            f"must be one of {', '.join(EVENT_KINDS)}, got {kind!r}",
        )
        return None
    allowed = _COMMON_EVENT_KEYS | EVENT_KINDS[kind]
    ok = True
    for key in sorted(set(raw) - allowed):
        bad(lines.key(key, header), key, f"not a field of a {kind} event")
        ok = False
    fields: dict[str, Any] = {"kind": kind, "line": header or 0}

    def line_of(key: str) -> int | None:
        return lines.key(key, header)

    if "name" in raw:
        if not isinstance(raw["name"], str):
            bad(line_of("name"), "name", "must be text")
            ok = False
        else:
            fields["name"] = raw["name"]
    start = raw.get("start_day", 0)
    if isinstance(start, bool) or not isinstance(start, int) or not -36500 <= start <= 36500:
        bad(line_of("start_day"), "start_day", f"must be a whole number of days, got {start!r}")
        ok = False
    else:
        fields["start_day"] = int(start)
    prob = raw.get("probability", 1.0)
    if isinstance(prob, bool) or not isinstance(prob, (int, float)) or not 0 <= prob <= 1:
        bad(line_of("probability"), "probability", f"must be in [0, 1], got {prob!r}")
        ok = False
    else:
        fields["probability"] = float(prob)
    if "duration" in raw:
        try:
            fields["duration"] = parse_duration(raw["duration"])
        except DurationError as exc:
            bad(line_of("duration"), f"duration.{exc.field}", exc.reason)
            ok = False
    elif kind != "stock_loss":
        bad(header, "duration", f"required for a {kind} event")
        ok = False

    for key in ("sites", "companies", "products", "stages", "atc", "tiers"):
        if key in raw:
            values = _text_list(raw[key])
            if values is None or not values:
                bad(line_of(key), key, "must be text or a non-empty list of text")
                ok = False
            else:
                fields[key] = tuple(v.strip() for v in values)
    for key in ("country", "holder"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key].strip():
                bad(line_of(key), key, "must be non-empty text")
                ok = False
            else:
                fields[key] = raw[key].strip()
    required = {
        "site_outage": "sites",
        "company_outage": "companies",
        "export_restriction": "country",
        "demand_surge": "atc",
        "stock_loss": "holder",
    }
    if kind in required and required[kind] not in raw:
        bad(header, required[kind], f"required for a {kind} event")
        ok = False
    if kind == "product_withdrawal" and "products" not in raw and "atc" not in raw:
        bad(header, "products", "a product_withdrawal needs products or atc")
        ok = False
    for key, lo, hi in (("multiplier", 0.0, 1000.0), ("share", 0.0, 1.0)):
        if key in raw:
            v = raw[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                bad(line_of(key), key, f"must be a number in [{lo:g}, {hi:g}], got {v!r}")
                ok = False
            else:
                fields[key] = float(v)
    if kind == "demand_surge" and "multiplier" not in raw:
        bad(header, "multiplier", "required for a demand_surge event")
        ok = False
    for code in fields.get("atc", ()):
        try:
            AtcCode.parse(code)
        except AtcError as exc:
            bad(line_of("atc"), "atc", str(exc))
            ok = False
    stages = {s.value for s in SiteStage}
    for st in fields.get("stages", ()):
        if st not in stages:
            bad(line_of("stages"), "stages", f"{st!r} is not a stage ({', '.join(sorted(stages))})")
            ok = False
    tiers = {t.value for t in StockTier}
    for tier in fields.get("tiers", ()):
        if tier not in tiers:
            bad(line_of("tiers"), "tiers", f"{tier!r} is not a tier ({', '.join(sorted(tiers))})")
            ok = False
    if "atc" in fields:
        fields["atc"] = tuple(AtcCode.parse(c).code for c in fields["atc"] if _is_atc(c))
    return Event(**fields) if ok else None


def _is_atc(code: str) -> bool:
    try:
        AtcCode.parse(code)
    except AtcError:
        return False
    return True


def matching_substances(dataset: Dataset, prefixes: Sequence[str]) -> list[int]:
    """Indices of the dataset's substances equal to or under any of the ATC `prefixes`."""
    codes = dataset.substances["atc_code"].tolist()
    return [i for i, c in enumerate(codes) if any(c.startswith(p) for p in prefixes)]


def check_scenario(scenario: Scenario, dataset: Dataset) -> list[Problem]:
    """Problems of `scenario` against `dataset`: unknown sites, companies, countries, products,
    holders, and ATC lists that match no substance."""
    problems: list[Problem] = []
    src = scenario.source
    sites = set(dataset.sites["site_id"])
    companies = set(dataset.companies["company_id"])
    company_sites = set(dataset.sites["company_id"])
    countries = set(dataset.countries["country"])
    products = set(dataset.products["product_id"])
    holders = set(dataset.stock["holder"]) if not dataset.stock.empty else set()
    for ev in scenario.events:
        line = ev.line or None

        def bad(fld: str, reason: str, line: int | None = line) -> None:
            problems.append(Problem(src, line, fld, reason))

        for s in ev.sites:
            if s not in sites:
                bad("sites", f"unknown site {s!r}")
        for c in ev.companies:
            if c not in companies:
                bad("companies", f"unknown company {c!r}")
            elif c not in company_sites:
                bad("companies", f"company {c!r} runs no manufacturing site")
        if ev.country is not None and ev.country not in countries:
            bad("country", f"unknown country {ev.country!r}")
        for p in ev.products:
            if p not in products:
                bad("products", f"unknown product {p!r}")
        if ev.holder is not None and ev.holder not in holders:
            known = ", ".join(sorted(holders)[:8])
            bad("holder", f"no stock is held by {ev.holder!r} (holders: {known})")
        if ev.atc and not matching_substances(dataset, ev.atc):
            bad("atc", f"{', '.join(ev.atc)} matches no substance of the dataset")
    return problems


def ensure_valid(scenario: Scenario, dataset: Dataset) -> None:
    """Raise ImportRejected when `scenario` refers to things `dataset` does not have."""
    problems = check_scenario(scenario, dataset)
    if problems:
        raise ImportRejected(problems, what=f"scenario {scenario.source}")
