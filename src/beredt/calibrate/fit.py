"""``calibrate``: the disruption hazards estimated from the shortage record.

The record is the evidence, the hazards are what is fitted (never the other way round). Outages
have four sources in the simulator (DESIGN.md §4, docs/calibration.md):

* a **country**-wide export restriction stops every site of the country;
* a **site** outage stops every product for which the site is the only one of its stage (its
  *critical* products);
* a **substance**-level common cause stops every pack of the substance;
* a **pack**'s own outage (quality, commercial, logistics) stops that pack alone.

The record is split between them by co-failures: simultaneous notices (starts within a window)
covering at least half of a country's or a site's critical products are that country's or
site's outage; a substance-level notice no shared site explains is the substance's; what no
shared cause explains is the pack's. Rates are Poisson counts over the record's span with
empirical-Bayes shrinkage (:mod:`beredt.calibrate.rates`), site rates net of the clusters
expected by coincidence; durations are censored survival fits
(:mod:`beredt.calibrate.survival`).
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from beredt.calibrate.rates import RateFit, shrink
from beredt.calibrate.record import Episode, episodes, record_as_of
from beredt.calibrate.survival import DurationFit, fit_durations, prior_durations
from beredt.domain.bundle import Row
from beredt.domain.dataset import Dataset
from beredt.domain.enums import ShortageCause
from beredt.errors import InvalidInput

#: Notices starting within this many days of a cluster's first are simultaneous (one event).
SITE_WINDOW_DAYS = 7
COUNTRY_WINDOW_DAYS = 30
#: Share of a site's (or country's) critical products a cluster must cover to be its outage.
MIN_COVER_SHARE = 0.5
SOURCES = ("country", "site", "substance", "pack")
#: Shortage lists beyond the national record (the EMA catalogue covers the EU, openFDA the US):
#: their notices name no national pack and say nothing about the national rate, so they
#: inform the durations only.
DURATION_ONLY_SOURCES = ("EMA", "FDA")
_SIG = 4  # significant digits of what is written


class CalibrationError(InvalidInput, ValueError):
    """The calibration cannot run on this input (e.g. a cut before the record starts)."""


def sig(x: float, digits: int = _SIG) -> float:
    """`x` rounded to `digits` significant digits (0 stays 0)."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(f"{x:.{digits - 1}e}")


@dataclass(frozen=True)
class Priors:
    """The documented priors (``priors.toml``)."""

    min_notices: int
    min_durations: int
    pack: Mapping[str, float]
    substance: Mapping[str, float]
    site: Mapping[str, float]
    country: Mapping[str, Any]
    source: str

    def country_rate(self, code: str) -> float:
        """Prior mean of a country's country-wide restriction rate (events/year)."""
        by_code = self.country.get("by_code", {})
        return float(by_code.get(code, self.country["hazard_per_year"]))


def load_priors(path: str | Path | None = None) -> Priors:
    """The priors shipped with Beredt, or those of a file in the same format."""
    if path is None:
        text = resources.files("beredt.calibrate").joinpath("priors.toml").read_text("utf-8")
        source = "beredt/calibrate/priors.toml"
    else:
        text = Path(path).read_text(encoding="utf-8")
        source = str(path)
    doc = tomllib.loads(text)
    return Priors(
        min_notices=int(doc.get("min_notices", 20)),
        min_durations=int(doc.get("min_durations", 10)),
        pack=doc["pack"],
        substance=doc["substance"],
        site=doc["site"],
        country=doc["country"],
        source=source,
    )


@dataclass(frozen=True)
class Structure:
    """Which products each site and country can stop on its own (from supply.csv)."""

    product_ids: tuple[str, ...]
    product_substance: np.ndarray
    products_of_substance: dict[int, list[int]]
    site_ids: tuple[str, ...]
    site_group: tuple[tuple[str, str], ...]  # (country, stage)
    site_critical: tuple[frozenset[int], ...]
    country_codes: tuple[str, ...]
    country_critical: tuple[frozenset[int], ...]
    product_group: tuple[str, ...]

    @classmethod
    def of(cls, dataset: Dataset) -> Structure:
        """Derive the structure from the dataset's products, sites and supply links."""
        products = dataset.products.reset_index(drop=True)
        pid = tuple(str(p) for p in products["product_id"])
        prow = {p: i for i, p in enumerate(pid)}
        psub = products["substance_idx"].to_numpy(dtype=np.int64)
        by_sub: dict[int, list[int]] = defaultdict(list)
        for i, s in enumerate(psub):
            by_sub[int(s)].append(i)
        sites = dataset.sites.reset_index(drop=True)
        sid = tuple(str(s) for s in sites["site_id"])
        srow = {s: i for i, s in enumerate(sid)}
        s_country = [str(c) for c in sites["country"]]
        s_stage = [str(x) for x in sites["stage"]]
        stages: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for p, s in zip(dataset.supply["product_id"], dataset.supply["site_id"], strict=True):
            if str(p) in prow and str(s) in srow:
                u = srow[str(s)]
                stages[prow[str(p)]][s_stage[u]].append(u)
        site_crit: list[set[int]] = [set() for _ in sid]
        codes = tuple(str(c) for c in dataset.countries["country"])
        cix = {c: i for i, c in enumerate(codes)}
        country_crit: list[set[int]] = [set() for _ in codes]
        groups: list[str] = []
        routes = products["route"].tolist() if "route" in products else [None] * len(pid)
        forms = products["form"].tolist()
        for p in range(len(pid)):
            api_countries: set[str] = set()
            for stage, us in stages[p].items():
                if len(us) == 1:
                    site_crit[us[0]].add(p)
                owners = {s_country[u] for u in us}
                if len(owners) == 1:
                    country_crit[cix[next(iter(owners))]].add(p)
                if stage == "api":
                    api_countries |= {s_country[u] for u in us}
            region = (
                "API from IN/CN"
                if api_countries & {"IN", "CN"}
                else ("API elsewhere" if api_countries else "no API site")
            )
            parenteral = str(routes[p] or "") == "P" or str(forms[p]).startswith(("inj", "inf"))
            groups.append(f"{region}, {'parenteral' if parenteral else 'other routes'}")
        return cls(
            product_ids=pid,
            product_substance=psub,
            products_of_substance=dict(by_sub),
            site_ids=sid,
            site_group=tuple(zip(s_country, s_stage, strict=True)),
            site_critical=tuple(frozenset(x) for x in site_crit),
            country_codes=codes,
            country_critical=tuple(frozenset(x) for x in country_crit),
            product_group=tuple(groups),
        )


@dataclass(frozen=True)
class SourceEvent:
    """An outage the calibration attributes to one source, with the episodes behind it."""

    source: str  # country, site, substance, pack
    unit: int  # row of the source's table (country, site, substance, product)
    start: dt.date
    duration_days: int
    censored: bool
    episodes: tuple[str, ...]  # notice ids


@dataclass
class Calibration:
    """The calibrated hazards and the evidence behind them."""

    as_of: dt.date
    until: dt.date
    since: dt.date
    exposure_years: float
    notices_used: int
    skipped: dict[str, int]
    sites: list[dict[str, Any]]
    products: list[dict[str, Any]]
    substances: list[dict[str, Any]]
    countries: list[dict[str, Any]]
    durations: dict[str, DurationFit]  # by cause, plus "all"
    source_durations: dict[str, DurationFit]  # by source
    source_counts: dict[str, int]
    expected_episodes_per_year: dict[str, float]
    recorded_episodes_per_year: float
    recorded_by_cause: dict[str, int]
    groups: dict[str, list[dict[str, Any]]]
    used_priors: list[str]
    messages: list[str] = field(default_factory=list)
    events: list[SourceEvent] = field(default_factory=list)
    priors_source: str = ""

    @property
    def provenance(self) -> str:
        """One line saying where the hazards come from."""
        return (
            f"calibrated from {self.notices_used} notices "
            f"{self.since.isoformat()}..{self.until.isoformat()}"
        )

    def tables(self) -> dict[str, list[Row]]:
        """The calibrated hazard columns as bundle rows (merge by natural key)."""

        def pick(rows: list[dict[str, Any]], keys: Sequence[str]) -> list[Row]:
            return [{k: r[k] for k in keys} for r in rows]

        return {
            "sites": pick(
                self.sites,
                ["site_id", "outage_hazard_per_year", "outage_mean_days", "outage_duration_sigma"],
            ),
            "products": pick(
                self.products,
                [
                    "product_id",
                    "outage_hazard_per_year",
                    "outage_mean_days",
                    "outage_duration_sigma",
                ],
            ),
            "substances": pick(
                self.substances,
                ["atc_code", "outage_hazard_per_year", "outage_mean_days", "outage_duration_sigma"],
            ),
            "countries": pick(
                self.countries,
                [
                    "country",
                    "export_restriction_hazard_per_year",
                    "export_restriction_mean_days",
                    "export_restriction_duration_sigma",
                ],
            ),
        }

    def apply_to(self, dataset: Dataset) -> Dataset:
        """`dataset` with its hazards replaced by the calibrated ones (record untouched)."""
        return dataset.replace(None, **merged_tables(dataset.bundle.tables, self.tables()))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the contract of ``beredt calibrate --json``."""
        return {
            "provenance": self.provenance,
            "as_of": self.as_of.isoformat(),
            "until": self.until.isoformat(),
            "since": self.since.isoformat(),
            "exposure_years": self.exposure_years,
            "notices_used": self.notices_used,
            "skipped": self.skipped,
            "sites": self.sites,
            "products": self.products,
            "substances": self.substances,
            "countries": self.countries,
            "durations": {k: v.to_dict() for k, v in self.durations.items()},
            "durations_by_source": {k: v.to_dict() for k, v in self.source_durations.items()},
            "events_by_source": self.source_counts,
            "expected_episodes_per_year": self.expected_episodes_per_year,
            "recorded_episodes_per_year": self.recorded_episodes_per_year,
            "recorded_by_cause": self.recorded_by_cause,
            "groups": self.groups,
            "priors_used": self.used_priors,
            "priors_source": self.priors_source,
            "messages": self.messages,
            "method": {
                "site_window_days": SITE_WINDOW_DAYS,
                "country_window_days": COUNTRY_WINDOW_DAYS,
                "min_cover_share": MIN_COVER_SHARE,
            },
        }


def merged_tables(
    stored: Mapping[str, Sequence[Row]], updates: Mapping[str, Sequence[Row]]
) -> dict[str, list[Row]]:
    """Tables of `stored` with the columns of `updates` merged in by natural key."""
    keys = {
        "sites": "site_id",
        "products": "product_id",
        "substances": "atc_code",
        "countries": "country",
    }
    out: dict[str, list[Row]] = {}
    for stem, rows in updates.items():
        key = keys[stem]
        by_key = {r[key]: r for r in rows}
        out[stem] = [{**r, **by_key.get(r[key], {})} for r in stored.get(stem, [])]
    return out


def _clusters(eps: Sequence[Episode], window: int) -> list[list[Episode]]:
    """Episodes (sorted by start) cut into runs whose starts lie within `window` of the first."""
    out: list[list[Episode]] = []
    i = 0
    while i < len(eps):
        j = i
        while j + 1 < len(eps) and (eps[j + 1].start - eps[i].start).days <= window:
            j += 1
        out.append(list(eps[i : j + 1]))
        i = j + 1
    return out


def _needed(critical: int) -> int:
    return max(2, math.ceil(MIN_COVER_SHARE * critical))


def _event_of(source: str, unit: int, members: Sequence[Episode]) -> SourceEvent:
    # The source's outage lasts as long as its median member notice (robust to one notice that
    # stayed open for reasons of its own).
    ranked = sorted(members, key=lambda e: e.duration_days)
    mid = ranked[(len(ranked) - 1) // 2]
    return SourceEvent(
        source=source,
        unit=unit,
        start=min(e.start for e in members),
        duration_days=mid.duration_days,
        censored=mid.censored,
        episodes=tuple(e.notice_id for e in members),
    )


def _coincidence_rate(rates: np.ndarray, needed: int, window_years: float) -> float:
    """Rate (per year) of `needed` independent pack outages starting within the window.

    For Poisson processes with rates r_i the rate of a run of m starts within w of its first is
    m · e_m(r) · w^(m−1), e_m the elementary symmetric polynomial (first event by any of the m,
    each other within w after it).
    """
    if needed > len(rates):
        return 0.0
    coeffs = np.array([1.0])
    for r in rates:  # Π (1 + r x): coefficient of x^m is e_m
        coeffs = np.convolve(coeffs, np.array([1.0, float(r)]))
    return float(needed * coeffs[needed] * window_years ** (needed - 1))


def _fit_or(events: Sequence[tuple[int, bool]], fallback: DurationFit, min_n: int) -> DurationFit:
    """The fitted law of `events`, or `fallback` when fewer than `min_n` of them are complete."""
    if sum(1 for _, c in events if not c) < min_n:
        return fallback
    days = np.array([d for d, _ in events], dtype=float)
    cens = np.array([c for _, c in events], dtype=bool)
    return fit_durations(days, cens)


def _hazard_row(rate: float, fit: DurationFit) -> dict[str, Any]:
    return {
        "outage_hazard_per_year": sig(rate),
        "outage_mean_days": sig(max(fit.mean_days.value, 1.0)),
        "outage_duration_sigma": sig(fit.sigma) if fit.sigma is not None else None,
    }


def calibrate(
    dataset: Dataset,
    *,
    until: dt.date | None = None,
    since: dt.date | None = None,
    priors: Priors | None = None,
    duration_only_sources: Sequence[str] = DURATION_ONLY_SOURCES,
) -> Calibration:
    """Estimate every hazard of `dataset` from its shortage record as it stood on `until`."""
    priors = priors or load_priors()
    until = until or dataset.as_of
    structure = Structure.of(dataset)
    rows = record_as_of(dataset.bundle.rows("shortages"), until)
    prow = {p: i for i, p in enumerate(structure.product_ids)}
    eps, skipped = episodes(
        rows, prow, structure.products_of_substance, dataset.substance_index, until
    )
    messages: list[str] = []
    foreign = [e for e in eps if e.source in duration_only_sources]
    if foreign:
        names = ", ".join(sorted({e.source for e in foreign}))
        messages.append(
            f"{len(foreign)} notices from {names} (lists beyond the national record, not matched "
            "to packs): used for the durations only"
        )
    eps = [e for e in eps if e.source not in duration_only_sources]
    if since is not None and since >= until:
        raise CalibrationError(
            f"--since {since.isoformat()} is not before {until.isoformat()}: nothing to "
            "calibrate on"
        )
    first = since or min((e.start for e in eps), default=until)
    if first >= until:  # no national notice before the cut: a year of silence
        first = until - dt.timedelta(days=365)
    eps = [e for e in eps if e.start >= first]
    duration_eps = eps + foreign
    exposure = (until - first).days / 365.25
    used_priors: list[str] = []
    recorded_by_cause: dict[str, int] = defaultdict(int)
    for e in eps:
        recorded_by_cause[e.cause] += 1
    if skipped["unknown_product"]:
        messages.append(
            f"{skipped['unknown_product']} notices name a pack the dataset does not hold: "
            "used as substance-level outages"
        )
    no_products = sum(1 for e in eps if not e.products)
    if no_products:
        messages.append(
            f"{no_products} notices concern substances with no pack in the dataset: "
            "used for durations only"
        )

    # ---- durations by cause (what a reader compares) ---------------------------------------
    prior_fit = prior_durations(
        float(priors.pack["mean_days"]), float(priors.pack["sigma"]), "prior (priors.toml)"
    )
    all_events = [(e.duration_days, e.censored) for e in duration_eps]
    pooled = _fit_or(all_events, prior_fit, priors.min_durations)
    if pooled.prior:
        used_priors.append("durations")
    durations: dict[str, DurationFit] = {"all": pooled}
    by_cause: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for e in duration_eps:
        by_cause[e.cause].append((e.duration_days, e.censored))
    for cause in sorted(by_cause):
        if sum(1 for _, c in by_cause[cause] if not c) >= 5:
            durations[cause] = fit_durations(
                np.array([d for d, _ in by_cause[cause]], dtype=float),
                np.array([c for _, c in by_cause[cause]], dtype=bool),
            )

    too_few = len(eps) < priors.min_notices
    if too_few:
        messages.append(
            f"only {len(eps)} notices in the record up to {until.isoformat()} "
            f"(at least {priors.min_notices} needed): every hazard is its prior"
        )
        used_priors.append("all hazards")

    # ---- split the record between the sources ----------------------------------------------
    assigned: set[str] = set()
    events: list[SourceEvent] = []
    if not too_few:
        exr = [e for e in eps if e.cause == ShortageCause.EXPORT_RESTRICTION and e.products]
        for cluster in _clusters(exr, COUNTRY_WINDOW_DAYS):
            covered_all = set().union(*(e.products for e in cluster))
            best = None
            for c, crit in enumerate(structure.country_critical):
                if len(crit) == 0:
                    continue
                cov = len(covered_all & crit)
                if cov >= _needed(len(crit)) and (best is None or cov > best[1]):
                    best = (c, cov)
            if best is not None:
                members = [
                    e for e in cluster if set(e.products) & structure.country_critical[best[0]]
                ]
                events.append(_event_of("country", best[0], members))
                assigned |= {e.notice_id for e in members}

        candidates: list[tuple[int, int, dt.date, int, list[Episode]]] = []
        by_product: dict[int, list[Episode]] = defaultdict(list)
        for e in eps:
            for p in e.products:
                by_product[p].append(e)
        for u, crit in enumerate(structure.site_critical):
            if len(crit) < 2:
                continue
            mine = sorted(
                {e.notice_id: e for p in crit for e in by_product.get(p, [])}.values(),
                key=lambda e: (e.start, e.notice_id),
            )
            for cluster in _clusters(mine, SITE_WINDOW_DAYS):
                cov = len(set().union(*(e.products for e in cluster)) & crit)
                if cov >= _needed(len(crit)):
                    candidates.append((-cov, len(crit), cluster[0].start, u, cluster))
        candidates.sort(key=lambda c: (c[0], c[1], c[2], c[3]))
        for _, _, _, u, cluster in candidates:
            free = [e for e in cluster if e.notice_id not in assigned]
            crit = structure.site_critical[u]
            if len(set().union(*(e.products for e in free)) & crit if free else set()) < _needed(
                len(crit)
            ):
                continue
            events.append(_event_of("site", u, free))
            assigned |= {e.notice_id for e in free}

        for e in eps:
            if e.notice_id in assigned or not e.products:
                continue
            if e.substance_level and len(e.products) > 1:
                events.append(_event_of("substance", e.substance_idx, [e]))
            else:
                events.append(_event_of("pack", e.products[0], [e]))
            assigned.add(e.notice_id)

    source_counts = {s: sum(1 for ev in events if ev.source == s) for s in SOURCES}

    # ---- durations by source -----------------------------------------------------------------
    source_durations: dict[str, DurationFit] = {}
    for source in ("site", "substance", "pack"):
        data = [(ev.duration_days, ev.censored) for ev in events if ev.source == source]
        source_durations[source] = _fit_or(data, pooled, priors.min_durations)
    country_data = [(ev.duration_days, ev.censored) for ev in events if ev.source == "country"]
    country_prior = prior_durations(
        float(priors.country["mean_days"]), float(priors.country["sigma"]), "prior (priors.toml)"
    )
    source_durations["country"] = _fit_or(country_data, country_prior, priors.min_durations)

    # ---- rates -------------------------------------------------------------------------------
    n_prod = len(structure.product_ids)
    pack_counts = np.zeros(n_prod)
    sub_counts = np.zeros(dataset.n_substances)
    site_counts = np.zeros(len(structure.site_ids))
    for ev in events:
        if ev.source == "pack":
            pack_counts[ev.unit] += 1
        elif ev.source == "substance":
            sub_counts[ev.unit] += 1
        elif ev.source == "site":
            site_counts[ev.unit] += 1
    country_counts = np.zeros(len(structure.country_codes))
    for ev in events:
        if ev.source == "country":
            country_counts[ev.unit] += 1

    groups: dict[str, list[dict[str, Any]]] = {}
    if too_few:
        pack_rate = np.full(n_prod, float(priors.pack["hazard_per_year"]))
        pack_se = np.full(n_prod, math.nan)
        sub_rate = np.full(dataset.n_substances, float(priors.substance["hazard_per_year"]))
        site_rate = np.full(len(structure.site_ids), float(priors.site["hazard_per_year"]))
        site_se = np.full(len(structure.site_ids), math.nan)
        sub_se = np.full(dataset.n_substances, math.nan)
        pack_fit = sub_fit = None
    else:
        pack_fit = shrink(pack_counts, np.full(n_prod, exposure), structure.product_group)
        pack_rate, pack_se = pack_fit.rate, pack_fit.se
        has_packs = np.array(
            [
                len(structure.products_of_substance.get(s, [])) > 1
                for s in range(dataset.n_substances)
            ]
        )
        sub_rate = np.zeros(dataset.n_substances)
        sub_se = np.zeros(dataset.n_substances)
        sub_fit = None
        if has_packs.any():
            sub_fit = shrink(
                sub_counts[has_packs],
                np.full(int(has_packs.sum()), exposure),
                ["substances with several packs"] * int(has_packs.sum()),
            )
            sub_rate[has_packs] = sub_fit.rate
            sub_se[has_packs] = sub_fit.se
        # sites: net of the clusters independent pack outages would form by chance
        site_rate, site_se, site_groups = _site_rates(
            structure, site_counts, exposure, pack_rate, sub_rate
        )
        groups["sites"] = site_groups
        groups["packs"] = _group_rows(pack_fit)
        if sub_fit is not None:
            groups["substances"] = _group_rows(sub_fit)

    # ---- rows ------------------------------------------------------------------------------
    site_rows: list[dict[str, Any]] = []
    for u, site_id in enumerate(structure.site_ids):
        n_critical = len(structure.site_critical[u])
        row = {"site_id": site_id, **_hazard_row(site_rate[u], source_durations["site"])}
        row.update(
            {
                "events": int(site_counts[u]),
                "critical_products": n_critical,
                "identifiable": n_critical >= 2,
                "group": "/".join(structure.site_group[u]),
                "hazard_se": sig(float(site_se[u])) if math.isfinite(site_se[u]) else None,
            }
        )
        site_rows.append(row)
    product_rows: list[dict[str, Any]] = []
    for p, product_id in enumerate(structure.product_ids):
        row = {"product_id": product_id, **_hazard_row(pack_rate[p], source_durations["pack"])}
        row.update(
            {
                "events": int(pack_counts[p]),
                "group": structure.product_group[p],
                "hazard_se": sig(float(pack_se[p])) if math.isfinite(pack_se[p]) else None,
            }
        )
        product_rows.append(row)
    substance_rows: list[dict[str, Any]] = []
    for s, atc in enumerate(dataset.substances["atc_code"]):
        row = {"atc_code": str(atc), **_hazard_row(sub_rate[s], source_durations["substance"])}
        row.update(
            {
                "events": int(sub_counts[s]),
                "hazard_se": sig(float(sub_se[s])) if math.isfinite(sub_se[s]) else None,
            }
        )
        substance_rows.append(row)
    country_rows: list[dict[str, Any]] = []
    prior_years = float(priors.country["prior_years"])
    cfit = source_durations["country"]
    for c, code in enumerate(structure.country_codes):
        # a country does not restrict exports to its own market
        m0 = 0.0 if code == dataset.country else priors.country_rate(code)
        a0, b0 = m0 * prior_years, prior_years
        n_c = 0.0 if too_few else float(country_counts[c])
        rate = (a0 + n_c) / (b0 + exposure)
        country_rows.append(
            {
                "country": code,
                "export_restriction_hazard_per_year": sig(rate),
                "export_restriction_mean_days": sig(max(cfit.mean_days.value, 1.0)),
                "export_restriction_duration_sigma": sig(cfit.sigma) if cfit.sigma else None,
                "events": int(n_c),
                "critical_products": len(structure.country_critical[c]),
                "prior_hazard_per_year": m0,
                "prior": n_c == 0,
                "hazard_se": sig(math.sqrt(a0 + n_c) / (b0 + exposure)),
            }
        )
    if not country_counts.any():
        used_priors.append(
            "country-wide export restrictions (no country-wide cluster of export-restriction "
            f"notices in the record; prior {priors.source})"
        )
    if cfit.prior:
        used_priors.append("export-restriction durations")

    expected = {
        "pack": float(pack_rate.sum()),
        "substance": float(sub_rate.sum()),
        "site": float(sum(site_rate[u] * len(c) for u, c in enumerate(structure.site_critical))),
        "country": float(
            sum(
                r["export_restriction_hazard_per_year"] * len(structure.country_critical[c])
                for c, r in enumerate(country_rows)
            )
        ),
    }
    return Calibration(
        as_of=dataset.as_of,
        until=until,
        since=first,
        exposure_years=exposure,
        notices_used=len(eps),
        skipped=skipped,
        sites=site_rows,
        products=product_rows,
        substances=substance_rows,
        countries=country_rows,
        durations=durations,
        source_durations=source_durations,
        source_counts=source_counts,
        expected_episodes_per_year=expected,
        recorded_episodes_per_year=len(eps) / exposure,
        recorded_by_cause=dict(sorted(recorded_by_cause.items())),
        groups=groups,
        used_priors=used_priors,
        messages=messages,
        events=events,
        priors_source=priors.source,
    )


def _group_rows(fit: RateFit) -> list[dict[str, Any]]:
    return [
        {
            "group": str(g.group),
            "units": g.units,
            "events": g.events,
            "exposure_years": g.exposure_years,
            "pooled_rate": g.pooled_rate,
            "pooled_se": g.pooled_se,
            "prior_mean": g.prior_mean,
            "shape": fit.shape,
        }
        for g in fit.groups
    ]


def _group_name(group: Any) -> str:
    """A group key as text: ``IN/api`` for (country, stage)."""
    return "/".join(str(x) for x in group) if isinstance(group, tuple) else str(group)


def _site_rates(
    structure: Structure,
    site_counts: np.ndarray,
    exposure: float,
    pack_rate: np.ndarray,
    sub_rate: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """Site rates: identifiable sites (≥ 2 critical products) by EB net of coincidences; sites
    that alone make one product are the product's (0); sites with only parallel roles get their
    group's mean."""
    n_sites = len(structure.site_ids)
    rate = np.zeros(n_sites)
    se = np.full(n_sites, math.nan)
    ident = [u for u in range(n_sites) if len(structure.site_critical[u]) >= 2]
    window_years = SITE_WINDOW_DAYS / 365.25
    # a pack's outage rate as it appears in the record apart from shared sites
    product_rate = pack_rate + sub_rate[structure.product_substance]
    net = np.zeros(n_sites)
    chance = np.zeros(n_sites)
    for u in ident:
        crit = sorted(structure.site_critical[u])
        chance[u] = (
            _coincidence_rate(product_rate[crit], _needed(len(crit)), window_years) * exposure
        )
        net[u] = max(0.0, site_counts[u] - chance[u])
    rows: list[dict[str, Any]] = []
    if ident:
        fit = shrink(
            net[ident],
            np.full(len(ident), exposure),
            [structure.site_group[u] for u in ident],
        )
        rate[ident] = fit.rate
        se[ident] = fit.se
        group_mean = {g.group: g.prior_mean for g in fit.groups}
        for u in range(n_sites):
            if len(structure.site_critical[u]) == 0:
                rate[u] = group_mean.get(structure.site_group[u], fit.overall_mean)
        rows = [
            {**r, "group": _group_name(fit.groups[i].group)} for i, r in enumerate(_group_rows(fit))
        ]
        for r, g in zip(rows, fit.groups, strict=True):
            members = [u for u in ident if structure.site_group[u] == g.group]
            r["chance_clusters"] = float(chance[members].sum())
            r["clusters"] = float(site_counts[members].sum())
    return rate, se, rows
