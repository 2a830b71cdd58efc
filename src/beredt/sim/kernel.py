"""The Monte-Carlo kernel (Numba): one scenario at a time, event-driven over days.

For each scenario the kernel draws the disruption spells of every site and country (background
hazards, stationary start) and the forced events, turns them into down intervals per product
(series over stages, parallel within a stage), and then steps day by day *only* through the
days on which a substance has a supply gap, a demand surge or a stock event ("active" days).
Between active days a substance's state changes only by the deterministic rebuild of its stock,
which is applied lazily in one step from prefix sums of demand. Work therefore grows with the
number and length of disruptions, not with the horizon.

The fill order on an active day is the shortage-response planner's (docs/simulation.md, "What
happens on a day with a gap"): renewable supply first, because output not used today is lost
while stock not used today is still there tomorrow — the other products' spare capacity after
its lead time, domestic surge production under agreements (after the response time, ramping to
the reserved capacity, limited by API on hand when the API's source country is restricted;
agreements on a shared line are scaled down pro rata to the load they ask for when together
they would exceed the line), exemption import (a share of mean demand from its lead time after
the gap began, where the data configures it) — then stock: each product's own commercial stock
for what it still misses, the other products' stock pro rata, the substance's preparedness
stock; then therapeutic alternatives in the ATC4 group (joint mode; at most a share of demand,
drawn from the alternatives' own stock).

All randomness comes from :mod:`beredt.sim.rng` keyed by (seed, scenario, stream, …), so results
do not depend on chunking, threads or the policy being evaluated. :func:`run_rows` releases the
GIL; the engine runs disjoint ranges of scenarios on several threads.

Numba note: hot helpers take plain arrays (passing the model's large tuple costs a reference-
count update per member on every call), and the day loops are written out by hand rather than
calling helpers, because a call with many array arguments costs more than a day's work.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from beredt.sim.durations import (
    duration_from_uniform,
    geometric_from_uniform,
    residual_from_uniform,
)
from beredt.sim.rng import (
    STREAM_COUNTRY,
    STREAM_DEMAND,
    STREAM_EVENT,
    STREAM_SITE,
    hash_from_base,
    key_base,
    uniform,
    uniform_from_base,
)

# forced event kinds in the kernel
EV_SITE = 0
EV_RESTRICT = 1
EV_WITHDRAW = 2
EV_SURGE = 3
EV_STOCK = 4

REC_SITE = 0
REC_COUNTRY = 1
REC_PRODUCT = 2

NONE_DAY = -(2**40)  # "not set" for day-valued state
NOISE_LEVELS = 256
#: Stock within this relative tolerance of its target counts as rebuilt (ends an episode).
TARGET_RTOL = 1e-9
#: A day counts as a shortage day when unmet demand exceeds this share of demand (+1e-9 DDD).
SHORT_RTOL = 1e-9
#: A synchronised component goes back to simulating its members one by one after this many days
#: in a row on which none was coupled to another (speed only: the numbers do not depend on it).
CALM_DAYS = 3


class KernelModel(NamedTuple):
    """Arrays the kernel needs; built by :func:`beredt.sim.model.compile_model`.

    The scalar parameters and per-product / per-agreement arrays appear twice: in readable form
    (``headroom``, ``share``, ``agr_reserved``, …; used by the reference implementation in the
    tests and for inspection) and packed (``par``, ``prod_par``, ``agr_f``, ``agr_i``), which is
    what the hot loops read.
    """

    horizon: int
    n_options: int
    joint: bool
    headroom: float
    alt_share: float
    trigger_stock: bool
    notice_delay: int
    stock_trigger_days: float
    noise_on: bool
    bg_sites: bool
    bg_countries: bool
    stationary: bool
    # substances
    sub_prod_ptr: np.ndarray
    rate: np.ndarray
    cumrate: np.ndarray
    noise_z: np.ndarray
    noise_par: np.ndarray
    # exp(σ z + μ) for every substance and noise level (S × 256): a table look-up per day
    noise_mult: np.ndarray
    mean_demand: np.ndarray
    weight: np.ndarray
    vital: np.ndarray
    alt_ptr: np.ndarray
    alt_idx: np.ndarray
    sub_surge_ptr: np.ndarray
    sub_surge: np.ndarray
    sub_loss_ptr: np.ndarray
    sub_loss: np.ndarray
    # products
    prod_sub: np.ndarray
    share: np.ndarray
    spare: np.ndarray
    lead: np.ndarray
    stock0: np.ndarray
    prod_grp_ptr: np.ndarray
    grp_site_ptr: np.ndarray
    grp_site: np.ndarray
    # the products each site makes (CSR by site)
    site_prod_ptr: np.ndarray
    site_prod: np.ndarray
    # sites and countries
    site_country: np.ndarray
    site_stage_bit: np.ndarray
    site_alpha: np.ndarray
    site_code: np.ndarray
    site_a: np.ndarray
    site_b: np.ndarray
    site_mean: np.ndarray
    # a uniform below this makes a site's first up spell outlast the horizon (see quiet_below)
    site_quiet: np.ndarray
    country_alpha: np.ndarray
    country_code: np.ndarray
    country_a: np.ndarray
    country_b: np.ndarray
    country_mean: np.ndarray
    country_quiet: np.ndarray
    # forced events
    ev_kind: np.ndarray
    ev_prob: np.ndarray
    ev_start: np.ndarray
    ev_has_duration: np.ndarray
    ev_code: np.ndarray
    ev_a: np.ndarray
    ev_b: np.ndarray
    ev_ulo: np.ndarray
    ev_tab_ptr: np.ndarray
    tab_values: np.ndarray
    tab_cdf: np.ndarray
    tab_rcdf: np.ndarray
    ev_tgt_ptr: np.ndarray
    ev_tgt: np.ndarray
    ev_tgt_amount: np.ndarray
    ev_sub_ptr: np.ndarray
    ev_sub: np.ndarray
    ev_mult: np.ndarray
    ev_stage_mask: np.ndarray
    ev_scoped: np.ndarray
    ev_scope_sub: np.ndarray
    ev_sub_value: np.ndarray
    # policies (options) and agreements
    prep0: np.ndarray
    agr_ptr: np.ndarray
    sub_agr_ptr: np.ndarray
    agr_sub: np.ndarray
    agr_line: np.ndarray
    agr_reserved: np.ndarray
    agr_response: np.ndarray
    agr_ramp: np.ndarray
    agr_api0: np.ndarray
    agr_api_country: np.ndarray
    agr_cap: np.ndarray
    n_lines: int
    par: np.ndarray
    prod_par: np.ndarray
    agr_f: np.ndarray
    agr_i: np.ndarray
    comp_of_sub: np.ndarray
    comp_ptr: np.ndarray
    comp_sub: np.ndarray
    comp_sync: np.ndarray
    # exemption import per substance: row 0 capacity as a share of the day's mean demand (0: no
    # import), row 1 lead time in days from the first day of the supply gap
    sub_imp: np.ndarray


_I8 = np.dtype(np.int64)
_F8 = np.dtype(np.float64)
_B1 = np.dtype(np.bool_)
_U1 = np.dtype(np.uint8)
_SCALARS: dict[str, type] = {
    "horizon": int,
    "n_options": int,
    "joint": bool,
    "headroom": float,
    "alt_share": float,
    "trigger_stock": bool,
    "notice_delay": int,
    "stock_trigger_days": float,
    "noise_on": bool,
    "bg_sites": bool,
    "bg_countries": bool,
    "stationary": bool,
    "n_lines": int,
}
_TWO_D = {
    "rate", "cumrate", "noise_par", "noise_mult", "ev_scope_sub", "prep0", "sub_agr_ptr",
    "prod_par", "agr_f", "agr_i", "sub_imp",
}  # fmt: skip
_DTYPES: dict[str, np.dtype] = {
    **dict.fromkeys(
        (
            "rate", "cumrate", "noise_z", "noise_par", "noise_mult", "mean_demand", "weight",
            "share", "spare", "stock0", "site_alpha", "site_a", "site_b", "site_mean",
            "country_alpha", "country_a", "country_b", "country_mean", "ev_prob", "ev_a", "ev_b",
            "ev_ulo", "tab_values", "tab_cdf", "tab_rcdf", "ev_tgt_amount", "ev_mult",
            "ev_sub_value", "prep0", "agr_reserved", "agr_api0", "agr_cap", "par", "prod_par",
            "agr_f", "sub_imp", "site_quiet", "country_quiet",
        ),
        _F8,
    ),
    **dict.fromkeys(
        (
            "sub_prod_ptr", "alt_ptr", "alt_idx", "sub_surge_ptr", "sub_surge", "sub_loss_ptr",
            "sub_loss", "prod_sub", "lead", "prod_grp_ptr", "grp_site_ptr", "grp_site",
            "site_country", "site_stage_bit", "site_code", "country_code", "ev_kind", "ev_start",
            "ev_has_duration", "ev_code", "ev_tab_ptr", "ev_tgt_ptr", "ev_tgt", "ev_sub_ptr",
            "ev_sub", "ev_stage_mask", "ev_scoped", "agr_ptr", "sub_agr_ptr", "agr_sub",
            "site_prod_ptr", "site_prod",
            "agr_line", "agr_response", "agr_ramp", "agr_api_country", "agr_i", "comp_of_sub",
            "comp_ptr", "comp_sub",
        ),
        _I8,
    ),
    "vital": _B1,
    "comp_sync": _B1,
    "ev_scope_sub": _U1,
}  # fmt: skip


def field_type(name: str) -> tuple[np.dtype, int]:
    """The dtype and number of dimensions that array field `name` has for every dataset."""
    return _DTYPES[name], 2 if name in _TWO_D else 1


def canonical(model: KernelModel) -> KernelModel:
    """The model with every field in its one declared type: scalars as Python int/bool/float,
    arrays C-contiguous, writeable and of the declared dtype and rank, empty ones included.

    Numba compiles a function once per distinct argument type, and an array's type includes its
    dtype, rank, layout and whether it is read-only (pandas hands out read-only views). With
    every dataset mapped to the same types, the compile cached on disk serves all of them.
    """
    values: dict[str, object] = {}
    for name in KernelModel._fields:
        value = getattr(model, name)
        if name in _SCALARS:
            values[name] = _SCALARS[name](value)
            continue
        dtype, ndim = field_type(name)
        arr = np.asarray(value)
        if arr.ndim != ndim:
            raise ValueError(f"kernel field {name} has {arr.ndim} dimensions, expected {ndim}")
        arr = np.ascontiguousarray(arr, dtype=dtype)
        if not arr.flags.writeable:
            arr = arr.copy()
        values[name] = arr
    return KernelModel(**values)  # type: ignore[arg-type]


@njit(cache=True)
def _push(rec: np.ndarray, count: int, a: int, b: int, c: int, d: int, e: int):
    if count >= rec.shape[0]:
        bigger = np.empty((rec.shape[0] * 2, 5), dtype=np.int64)
        bigger[:count] = rec[:count]
        rec = bigger
    rec[count, 0] = a
    rec[count, 1] = b
    rec[count, 2] = c
    rec[count, 3] = d
    rec[count, 4] = e
    return rec, count + 1


@njit(cache=True)
def _spells(
    rec,
    count,
    rtype,
    uid,
    seed,
    scen,
    stream,
    alpha,
    code,
    a,
    b,
    values,
    cdf,
    rcdf,
    mean_down,
    horizon,
    stationary,
):
    """Append the down spells in [0, horizon) of one alternating up/down process."""
    # uniform(seed, scen, stream, uid, k) with the key chain hashed once per process
    base = key_base(seed, scen, stream, uid)
    k = 0
    t = 0
    if stationary:
        p_down = mean_down / (1.0 / alpha + mean_down)
        u = uniform_from_base(base, k)
        k += 1
        if u < p_down:
            r = residual_from_uniform(
                code,
                a,
                b,
                values,
                rcdf,
                uniform_from_base(base, k),
                uniform_from_base(base, k + 1),
            )
            k += 2
            rec, count = _push(rec, count, rtype, uid, -1, 0, min(r, horizon))
            t = r
    while t < horizon:
        up = geometric_from_uniform(alpha, uniform_from_base(base, k))
        k += 1
        t += up
        if t >= horizon:
            break
        d = duration_from_uniform(code, a, b, values, cdf, uniform_from_base(base, k))
        k += 1
        rec, count = _push(rec, count, rtype, uid, -1, t, min(t + d, horizon))
        t += d
    return rec, count


def quiet_below(alpha: np.ndarray, horizon: int) -> np.ndarray:
    """Per process, a uniform below which its first up spell surely lasts the whole horizon.

    :func:`geometric_from_uniform` gives k = 1 + ⌊ln u / ln(1 − α)⌋, which is ≥ horizon exactly
    when u ≤ (1 − α)^(horizon − 1); the relative margin of 10⁻⁹ keeps the shortcut on the safe
    side of rounding, and a draw near the threshold takes the full path (:func:`_quiet`).
    """
    a = np.asarray(alpha, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.exp((horizon - 1) * np.log1p(-a)) * (1.0 - 1e-9)
    out[(a <= 0.0) | (a >= 1.0) | ~np.isfinite(out)] = 0.0
    return out


@njit(cache=True)
def _quiet(seed, scen, stream, uid, alpha, mean_down, quiet, stationary):
    """Whether a process stays up all horizon: the draws of :func:`_spells` before its first
    outage, without its logarithms (most sites and countries never fail within a year)."""
    base = key_base(seed, scen, stream, uid)
    k = 0
    if stationary:
        p_down = mean_down / (1.0 / alpha + mean_down)
        if uniform_from_base(base, 0) < p_down:
            return False
        k = 1
    return uniform_from_base(base, k) < quiet


@njit(cache=True)
def _product_down(
    rec,
    key_ptr,
    key_rec,
    n_sites,
    n_countries,
    p,
    sub,
    day,
    prod_grp_ptr,
    grp_site_ptr,
    grp_site,
    site_country,
    site_stage_bit,
    ev_stage_mask,
    ev_scoped,
    ev_scope_sub,
):
    """Whether product p is down on `day`: withdrawn, or every site of some stage down."""
    kp = n_sites + n_countries + p
    for q in range(key_ptr[kp], key_ptr[kp + 1]):
        r = key_rec[q]
        if rec[r, 3] <= day and day < rec[r, 4]:
            return True
    for g in range(prod_grp_ptr[p], prod_grp_ptr[p + 1]):
        all_down = True
        for gs in range(grp_site_ptr[g], grp_site_ptr[g + 1]):
            site = grp_site[gs]
            site_down = False
            for q in range(key_ptr[site], key_ptr[site + 1]):
                r = key_rec[q]
                if rec[r, 3] <= day and day < rec[r, 4]:
                    site_down = True
                    break
            if not site_down:
                kc = n_sites + site_country[site]
                for q in range(key_ptr[kc], key_ptr[kc + 1]):
                    r = key_rec[q]
                    if rec[r, 3] <= day and day < rec[r, 4]:
                        e = rec[r, 2]
                        if e < 0 or (
                            (ev_stage_mask[e] & site_stage_bit[site]) != 0
                            and (ev_scoped[e] == 0 or ev_scope_sub[e, sub] != 0)
                        ):
                            site_down = True
                            break
            if not site_down:
                all_down = False
                break
        if all_down:
            return True
    return False


@njit(cache=True)
def _api_blocked(
    rec, key_ptr, key_rec, n_sites, country, sub, day, ev_stage_mask, ev_scoped, ev_scope_sub
):
    """Whether exports of API for `sub` from `country` are restricted on `day`."""
    kc = n_sites + country
    for q in range(key_ptr[kc], key_ptr[kc + 1]):
        r = key_rec[q]
        if rec[r, 3] <= day and day < rec[r, 4]:
            e = rec[r, 2]
            if e < 0:
                return True
            if (ev_stage_mask[e] & 1) != 0 and (ev_scoped[e] == 0 or ev_scope_sub[e, sub] != 0):
                return True
    return False


@njit(cache=True)
def draw_scenario(m: KernelModel, seed: int, scen: int):
    """The disruption draws of one scenario.

    Returns (records, n_records, event_occurs, event_start, event_end, known_since):
    records rows are (type, id, scope event or −1, start, end) for site, country and product
    down spells; event_* give each forced event's occurrence and [start, end) (end −1: never);
    known_since[s] is the start (possibly before day 0) of a forced withdrawal under way at day 0.
    """
    horizon = m.horizon
    n_sites = m.site_country.shape[0]
    n_countries = m.country_alpha.shape[0]
    n_subs = m.sub_prod_ptr.shape[0] - 1
    rec = np.empty((64, 5), dtype=np.int64)
    count = 0
    if m.bg_sites:
        for u in range(n_sites):
            if m.site_alpha[u] > 0.0:
                if _quiet(
                    seed, scen, STREAM_SITE, u, m.site_alpha[u], m.site_mean[u], m.site_quiet[u],
                    m.stationary,
                ):  # fmt: skip
                    continue
                rec, count = _spells(
                    rec,
                    count,
                    REC_SITE,
                    u,
                    seed,
                    scen,
                    STREAM_SITE,
                    m.site_alpha[u],
                    m.site_code[u],
                    m.site_a[u],
                    m.site_b[u],
                    m.tab_values[:0],
                    m.tab_cdf[:0],
                    m.tab_rcdf[:0],
                    m.site_mean[u],
                    horizon,
                    m.stationary,
                )
    if m.bg_countries:
        for c in range(n_countries):
            if m.country_alpha[c] > 0.0:
                if _quiet(
                    seed, scen, STREAM_COUNTRY, c, m.country_alpha[c], m.country_mean[c],
                    m.country_quiet[c], m.stationary,
                ):  # fmt: skip
                    continue
                rec, count = _spells(
                    rec,
                    count,
                    REC_COUNTRY,
                    c,
                    seed,
                    scen,
                    STREAM_COUNTRY,
                    m.country_alpha[c],
                    m.country_code[c],
                    m.country_a[c],
                    m.country_b[c],
                    m.tab_values[:0],
                    m.tab_cdf[:0],
                    m.tab_rcdf[:0],
                    m.country_mean[c],
                    horizon,
                    m.stationary,
                )
    n_ev = m.ev_kind.shape[0]
    occurs = np.zeros(n_ev, dtype=np.uint8)
    ev_s = np.zeros(n_ev, dtype=np.int64)
    ev_e = np.zeros(n_ev, dtype=np.int64)
    known = np.full(n_subs, NONE_DAY, dtype=np.int64)
    for e in range(n_ev):
        if uniform(seed, scen, STREAM_EVENT, e, 0) >= m.ev_prob[e]:
            continue
        start = m.ev_start[e]
        if m.ev_has_duration[e]:
            u = m.ev_ulo[e] + uniform(seed, scen, STREAM_EVENT, e, 1) * (1.0 - m.ev_ulo[e])
            t0 = m.ev_tab_ptr[e]
            t1 = m.ev_tab_ptr[e + 1]
            d = duration_from_uniform(
                m.ev_code[e], m.ev_a[e], m.ev_b[e], m.tab_values[t0:t1], m.tab_cdf[t0:t1], u
            )
            end = start + d
        else:
            end = -1
        occurs[e] = 1
        ev_s[e] = start
        ev_e[e] = end
        if m.ev_kind[e] == EV_STOCK or m.ev_kind[e] == EV_SURGE:
            continue
        if end <= 0 or start >= horizon:
            continue
        lo = max(start, 0)
        hi = min(end, horizon)
        for q in range(m.ev_tgt_ptr[e], m.ev_tgt_ptr[e + 1]):
            tgt = m.ev_tgt[q]
            if m.ev_kind[e] == EV_SITE:
                rec, count = _push(rec, count, REC_SITE, tgt, -1, lo, hi)
            elif m.ev_kind[e] == EV_RESTRICT:
                rec, count = _push(rec, count, REC_COUNTRY, tgt, e, lo, hi)
            else:
                rec, count = _push(rec, count, REC_PRODUCT, tgt, -1, lo, hi)
                if start < 0:
                    sub = m.prod_sub[tgt]
                    if known[sub] == NONE_DAY or start < known[sub]:
                        known[sub] = start
    return rec, count, occurs, ev_s, ev_e, known


@njit(cache=True)
def _index_records(rec, count, n_keys, n_sites, n_countries):
    key_ptr = np.zeros(n_keys + 1, dtype=np.int64)
    for i in range(count):
        key = rec[i, 1] + (
            0
            if rec[i, 0] == REC_SITE
            else (n_sites if rec[i, 0] == REC_COUNTRY else n_sites + n_countries)
        )
        key_ptr[key + 1] += 1
    for k in range(n_keys):
        key_ptr[k + 1] += key_ptr[k]
    fill = key_ptr[:-1].copy()
    key_rec = np.empty(count, dtype=np.int64)
    for i in range(count):
        key = rec[i, 1] + (
            0
            if rec[i, 0] == REC_SITE
            else (n_sites if rec[i, 0] == REC_COUNTRY else n_sites + n_countries)
        )
        key_rec[fill[key]] = i
        fill[key] += 1
    return key_ptr, key_rec


@njit(cache=True)
def _sort_merge(buf, n):
    """Sort the intervals buf[:n] by start (insertion sort: lists are short) and merge
    overlapping or touching ones in place; returns the new count."""
    for i in range(1, n):
        a = buf[i, 0]
        b = buf[i, 1]
        j = i - 1
        while j >= 0 and buf[j, 0] > a:
            buf[j + 1, 0] = buf[j, 0]
            buf[j + 1, 1] = buf[j, 1]
            j -= 1
        buf[j + 1, 0] = a
        buf[j + 1, 1] = b
    if n == 0:
        return 0
    w = 0
    for i in range(1, n):
        if buf[i, 0] <= buf[w, 1]:
            if buf[i, 1] > buf[w, 1]:
                buf[w, 1] = buf[i, 1]
        else:
            w += 1
            buf[w, 0] = buf[i, 0]
            buf[w, 1] = buf[i, 1]
    return w + 1


@njit(cache=True)
def _grow(buf, need):
    if buf.shape[0] >= need:
        return buf
    bigger = np.empty((max(need, 2 * buf.shape[0]), 2), dtype=np.int64)
    bigger[: buf.shape[0]] = buf
    return bigger


@njit(cache=True)
def _site_effective(rec, key_ptr, key_rec, n_sites, site_country):
    """Merged down intervals of every site: its own outages and its country's restrictions
    that cover every substance and stage (CSR by site)."""
    ptr = np.zeros(n_sites + 1, dtype=np.int64)
    eff = np.empty((64, 2), dtype=np.int64)
    buf = np.empty((16, 2), dtype=np.int64)
    n = 0
    for u in range(n_sites):
        kc = n_sites + site_country[u]
        total = key_ptr[u + 1] - key_ptr[u] + key_ptr[kc + 1] - key_ptr[kc]
        if total == 0:
            ptr[u + 1] = n
            continue
        buf = _grow(buf, total)
        k = 0
        for q in range(key_ptr[u], key_ptr[u + 1]):
            buf[k, 0] = rec[key_rec[q], 3]
            buf[k, 1] = rec[key_rec[q], 4]
            k += 1
        for q in range(key_ptr[kc], key_ptr[kc + 1]):
            if rec[key_rec[q], 2] < 0:
                buf[k, 0] = rec[key_rec[q], 3]
                buf[k, 1] = rec[key_rec[q], 4]
                k += 1
        k = _sort_merge(buf, k)
        eff = _grow(eff, n + k)
        for i in range(k):
            eff[n + i, 0] = buf[i, 0]
            eff[n + i, 1] = buf[i, 1]
        n += k
        ptr[u + 1] = n
    return ptr, eff


@njit(cache=True)
def _intersect(a, na, b, b0, b1, out):
    """Intersection of the sorted disjoint intervals a[:na] and b[b0:b1] into out; count."""
    i = 0
    j = b0
    n = 0
    while i < na and j < b1:
        lo = max(a[i, 0], b[j, 0])
        hi = min(a[i, 1], b[j, 1])
        if lo < hi:
            out[n, 0] = lo
            out[n, 1] = hi
            n += 1
        if a[i, 1] < b[j, 1]:
            i += 1
        else:
            j += 1
    return n


@njit(cache=True)
def product_intervals(m: KernelModel, rec, count):
    """Down intervals [start, end) of every product from the scenario's records (CSR by product)."""
    horizon = m.horizon
    n_sites = m.site_country.shape[0]
    n_countries = m.country_alpha.shape[0]
    n_prod = m.prod_sub.shape[0]
    key_ptr, key_rec = _index_records(
        rec, count, n_sites + n_countries + n_prod, n_sites, n_countries
    )
    ptr = np.zeros(n_prod + 1, dtype=np.int64)
    iv = np.empty((16, 2), dtype=np.int64)
    n_iv = 0
    bounds = np.empty(64, dtype=np.int64)
    # countries with a restriction limited to some substances or stages in this scenario
    scoped = np.zeros(n_countries, dtype=np.bool_)
    for i in range(count):
        if rec[i, 0] == REC_COUNTRY and rec[i, 2] >= 0:
            scoped[rec[i, 1]] = True
    eff_ptr, eff = _site_effective(rec, key_ptr, key_rec, n_sites, m.site_country)
    # only products with a site that is ever down, or records of their own, can be down
    touched = np.zeros(n_prod, dtype=np.bool_)
    any_scoped = False
    for c in range(n_countries):
        if scoped[c]:
            any_scoped = True
    if any_scoped:
        touched[:] = True
    else:
        for u in range(n_sites):
            if eff_ptr[u + 1] > eff_ptr[u]:
                for q in range(m.site_prod_ptr[u], m.site_prod_ptr[u + 1]):
                    touched[m.site_prod[q]] = True
        for i in range(count):
            if rec[i, 0] == REC_PRODUCT:
                touched[rec[i, 1]] = True
    buf = np.empty((16, 2), dtype=np.int64)
    tmp = np.empty((16, 2), dtype=np.int64)
    tmp2 = np.empty((16, 2), dtype=np.int64)
    for p in range(n_prod):
        if not touched[p]:
            ptr[p + 1] = n_iv
            continue
        kp = n_sites + n_countries + p
        fast = key_ptr[kp + 1] == key_ptr[kp]
        if fast:
            # most products have no stage all of whose sites are ever down: no intervals at all;
            # many have one such stage with a single site: its intervals are the product's
            n_cand = 0
            only = -1
            for g in range(m.prod_grp_ptr[p], m.prod_grp_ptr[p + 1]):
                stage_down = True
                for gs in range(m.grp_site_ptr[g], m.grp_site_ptr[g + 1]):
                    u = m.grp_site[gs]
                    if scoped[m.site_country[u]]:
                        fast = False
                    if eff_ptr[u + 1] == eff_ptr[u]:
                        stage_down = False
                if stage_down:
                    n_cand += 1
                    only = g
            if fast and n_cand == 0:
                ptr[p + 1] = n_iv
                continue
            if fast and n_cand == 1 and m.grp_site_ptr[only + 1] - m.grp_site_ptr[only] == 1:
                u = m.grp_site[m.grp_site_ptr[only]]
                k = eff_ptr[u + 1] - eff_ptr[u]
                if iv.shape[0] < n_iv + k:
                    iv = _grow(iv, n_iv + k)
                for i in range(k):
                    iv[n_iv + i, 0] = eff[eff_ptr[u] + i, 0]
                    iv[n_iv + i, 1] = eff[eff_ptr[u] + i, 1]
                n_iv += k
                ptr[p + 1] = n_iv
                continue
        if fast:
            # union over stages of the intersection over each stage's sites
            nb = 0
            for g in range(m.prod_grp_ptr[p], m.prod_grp_ptr[p + 1]):
                gs0 = m.grp_site_ptr[g]
                gs1 = m.grp_site_ptr[g + 1]
                u = m.grp_site[gs0]
                k = eff_ptr[u + 1] - eff_ptr[u]
                if k == 0:
                    continue
                tmp = _grow(tmp, k)
                for i in range(k):
                    tmp[i, 0] = eff[eff_ptr[u] + i, 0]
                    tmp[i, 1] = eff[eff_ptr[u] + i, 1]
                for gs in range(gs0 + 1, gs1):
                    if k == 0:
                        break
                    v = m.grp_site[gs]
                    tmp2 = _grow(tmp2, k + eff_ptr[v + 1] - eff_ptr[v])
                    k = _intersect(tmp, k, eff, eff_ptr[v], eff_ptr[v + 1], tmp2)
                    tmp, tmp2 = tmp2, tmp
                if k == 0:
                    continue
                buf = _grow(buf, nb + k)
                for i in range(k):
                    buf[nb + i, 0] = tmp[i, 0]
                    buf[nb + i, 1] = tmp[i, 1]
                nb += k
            nb = _sort_merge(buf, nb)
            iv = _grow(iv, n_iv + nb)
            for i in range(nb):
                iv[n_iv + i, 0] = buf[i, 0]
                iv[n_iv + i, 1] = buf[i, 1]
            n_iv += nb
            ptr[p + 1] = n_iv
            continue
        nb = 0
        # gather the boundaries of every record that can touch this product
        for pass_ in range(2):
            if pass_ == 1:
                if nb == 0:
                    break
                if bounds.shape[0] < nb + 2:
                    bounds = np.empty(2 * nb + 2, dtype=np.int64)
                nb = 0
            for q in range(key_ptr[kp], key_ptr[kp + 1]):
                if pass_ == 1:
                    bounds[nb] = rec[key_rec[q], 3]
                    bounds[nb + 1] = rec[key_rec[q], 4]
                nb += 2
            for g in range(m.prod_grp_ptr[p], m.prod_grp_ptr[p + 1]):
                for gs in range(m.grp_site_ptr[g], m.grp_site_ptr[g + 1]):
                    site = m.grp_site[gs]
                    for q in range(key_ptr[site], key_ptr[site + 1]):
                        if pass_ == 1:
                            bounds[nb] = rec[key_rec[q], 3]
                            bounds[nb + 1] = rec[key_rec[q], 4]
                        nb += 2
                    kc = n_sites + m.site_country[site]
                    for q in range(key_ptr[kc], key_ptr[kc + 1]):
                        if pass_ == 1:
                            bounds[nb] = rec[key_rec[q], 3]
                            bounds[nb + 1] = rec[key_rec[q], 4]
                        nb += 2
        if nb > 0:
            b = np.sort(bounds[:nb])
            open_start = -1
            j = 0
            while j < nb:
                day = b[j]
                # skip duplicates
                k = j + 1
                while k < nb and b[k] == day:
                    k += 1
                if day >= horizon:
                    break
                nxt = b[k] if k < nb else horizon
                down = _product_down(
                    rec,
                    key_ptr,
                    key_rec,
                    n_sites,
                    n_countries,
                    p,
                    m.prod_sub[p],
                    day,
                    m.prod_grp_ptr,
                    m.grp_site_ptr,
                    m.grp_site,
                    m.site_country,
                    m.site_stage_bit,
                    m.ev_stage_mask,
                    m.ev_scoped,
                    m.ev_scope_sub,
                )
                if down and open_start < 0:
                    open_start = day
                elif not down and open_start >= 0:
                    if n_iv >= iv.shape[0]:
                        bigger = np.empty((iv.shape[0] * 2, 2), dtype=np.int64)
                        bigger[:n_iv] = iv[:n_iv]
                        iv = bigger
                    iv[n_iv, 0] = open_start
                    iv[n_iv, 1] = day
                    n_iv += 1
                    open_start = -1
                j = k
                if nxt >= horizon:
                    break
            if open_start >= 0:
                if n_iv >= iv.shape[0]:
                    bigger = np.empty((iv.shape[0] * 2, 2), dtype=np.int64)
                    bigger[:n_iv] = iv[:n_iv]
                    iv = bigger
                iv[n_iv, 0] = open_start
                iv[n_iv, 1] = horizon
                n_iv += 1
        ptr[p + 1] = n_iv
    return ptr, iv[:n_iv].copy(), key_ptr, key_rec


@njit(cache=True)
def _substance_intervals(m, pptr, piv, occurs, ev_s, ev_e):
    """Active intervals per substance: product down spells, surges and stock events, merged."""
    horizon = m.horizon
    n_subs = m.sub_prod_ptr.shape[0] - 1
    siv = np.empty((16, 2), dtype=np.int64)
    siv_sub = np.empty(16, dtype=np.int64)
    n_siv = 0
    scratch = np.empty((16, 2), dtype=np.int64)
    for s in range(n_subs):
        ns = 0
        # count first
        total = 0
        for p in range(m.sub_prod_ptr[s], m.sub_prod_ptr[s + 1]):
            total += pptr[p + 1] - pptr[p]
        total += 2 * (m.sub_surge_ptr[s + 1] - m.sub_surge_ptr[s])
        total += 2 * (m.sub_loss_ptr[s + 1] - m.sub_loss_ptr[s])
        if total == 0:
            continue
        if scratch.shape[0] < total:
            scratch = np.empty((2 * total, 2), dtype=np.int64)
        for p in range(m.sub_prod_ptr[s], m.sub_prod_ptr[s + 1]):
            for q in range(pptr[p], pptr[p + 1]):
                scratch[ns, 0] = piv[q, 0]
                scratch[ns, 1] = piv[q, 1]
                ns += 1
        for q in range(m.sub_surge_ptr[s], m.sub_surge_ptr[s + 1]):
            e = m.sub_surge[q]
            if occurs[e] and m.ev_mult[e] != 1.0:
                lo = max(ev_s[e], 0)
                hi = horizon if ev_e[e] < 0 else min(ev_e[e], horizon)
                if lo < hi:
                    scratch[ns, 0] = lo
                    scratch[ns, 1] = hi
                    ns += 1
        for q in range(m.sub_loss_ptr[s], m.sub_loss_ptr[s + 1]):
            e = m.sub_loss[q]
            if occurs[e]:
                d0 = max(ev_s[e], 0)
                if d0 < horizon:
                    scratch[ns, 0] = d0
                    scratch[ns, 1] = d0 + 1
                    ns += 1
                if ev_e[e] >= 0 and ev_e[e] > d0 and ev_e[e] < horizon:
                    scratch[ns, 0] = ev_e[e]
                    scratch[ns, 1] = ev_e[e] + 1
                    ns += 1
        ns = _sort_merge(scratch, ns)
        if n_siv + ns > siv.shape[0]:
            siv = _grow(siv, n_siv + ns)
            bigger_sub = np.empty(siv.shape[0], dtype=np.int64)
            bigger_sub[:n_siv] = siv_sub[:n_siv]
            siv_sub = bigger_sub
        for i in range(ns):
            siv_sub[n_siv] = s
            siv[n_siv, 0] = scratch[i, 0]
            siv[n_siv, 1] = scratch[i, 1]
            n_siv += 1
    return siv[:n_siv].copy(), siv_sub[:n_siv].copy()


# rows of the per-substance integer state
LAST = 0  # first day not yet accounted for
GAP = 1  # first day of the current supply gap (NONE_DAY: none)
ACT = 2  # activation day of the surge agreements (NONE_DAY: not activated)
# rows of the float outputs (options × scenarios × 4 × substances)
O_UNMET = 0
O_SURGE = 1
O_PREP = 2
O_ALT = 3
O_IMP = 4
# rows of the integer outputs (options × scenarios × 3 × substances)
O_SDAYS = 0
O_FSHORT = 1
O_FSO = 2
# entries of the parameter vector
P_HEADROOM = 0
P_NOISE = 1
P_TRIGGER_STOCK = 2
P_TRIGGER_DAYS = 3
P_NOTICE_DELAY = 4
P_ALT_SHARE = 5
P_JOINT = 6
# rows of prod_par and of the agreement arrays
PP_SHARE = 0
PP_SPARE = 1
PP_STOCK0 = 2
AF_RESERVED = 0
AF_RESPONSE = 1
AF_RAMP = 2
AF_CAP = 3
AI_SUB = 0
AI_LINE = 1
AI_COUNTRY = 2

# Hot helpers take plain arrays: passing the model's large tuple to a function costs a
# reference-count update per member on every call.


@njit(cache=True)
def _catch_up(s, t, sub_prod_ptr, cumrate, prod_par, headroom, stock, si, in_episode):
    """Rebuild the stock of substance s over the passive days [last, t) in one step.

    On passive days every product is up and demand is normal, so each product's stock grows by
    headroom × share × demand a day up to its target: the sum over days is a prefix-sum
    difference, and the cap commutes with the sum.
    """
    last = si[LAST, s]
    if last >= t:
        return
    if in_episode[s]:
        add_rate = headroom * (cumrate[s, t] - cumrate[s, last])
        full = True
        for p in range(sub_prod_ptr[s], sub_prod_ptr[s + 1]):
            target = prod_par[PP_STOCK0, p]
            v = stock[p] + prod_par[PP_SHARE, p] * add_rate
            if v >= target:
                v = target
            stock[p] = v
            if v < target - TARGET_RTOL * (target + 1.0):
                full = False
        if full:
            in_episode[s] = False
            si[GAP, s] = NONE_DAY
            si[ACT, s] = NONE_DAY
    si[LAST, s] = t


@njit(cache=True)
def _stock_events(
    s,
    t,
    occurs,
    ev_s,
    ev_e,
    sub_loss_ptr,
    sub_loss,
    ev_tgt_ptr,
    ev_tgt,
    ev_tgt_amount,
    prod_sub,
    ev_sub_ptr,
    ev_sub,
    ev_sub_value,
    prod_par,
    stock,
    prep,
    loss_taken,
    prep_taken,
    in_episode,
):
    """Apply the stock losses and returns of substance s that fall on day t."""
    for qq in range(sub_loss_ptr[s], sub_loss_ptr[s + 1]):
        e = sub_loss[qq]
        if not occurs[e]:
            continue
        d0 = max(ev_s[e], 0)
        if d0 == t:
            for tq in range(ev_tgt_ptr[e], ev_tgt_ptr[e + 1]):
                p = ev_tgt[tq]
                if prod_sub[p] == s:
                    take = min(stock[p], ev_tgt_amount[tq])
                    stock[p] -= take
                    loss_taken[tq] = take
            for sq in range(ev_sub_ptr[e], ev_sub_ptr[e + 1]):
                if ev_sub[sq] == s and ev_sub_value[sq] > 0.0:
                    take = prep[s] * ev_sub_value[sq]
                    prep[s] -= take
                    prep_taken[sq] = take
            in_episode[s] = True
        elif ev_e[e] >= 0 and ev_e[e] > d0 and ev_e[e] == t:
            for tq in range(ev_tgt_ptr[e], ev_tgt_ptr[e + 1]):
                p = ev_tgt[tq]
                if prod_sub[p] == s:
                    stock[p] = min(prod_par[PP_STOCK0, p], stock[p] + loss_taken[tq])
                    loss_taken[tq] = 0.0
            for sq in range(ev_sub_ptr[e], ev_sub_ptr[e + 1]):
                if ev_sub[sq] == s:
                    prep[s] += prep_taken[sq]
                    prep_taken[sq] = 0.0


@njit(cache=True)
def _agreement_want(
    ia,
    a,
    s,
    t,
    r,
    act_day,
    agr_f,
    agr_i,
    api_left,
    limited,
    rec,
    key_ptr,
    key_rec,
    n_sites,
    ev_stage_mask,
    ev_scoped,
    ev_scope_sub,
):
    """What agreement ia (a-th of its option) can deliver on day t towards a gap r."""
    t_first = act_day + np.int64(agr_f[AF_RESPONSE, ia])
    w = 0.0
    if t >= t_first and r > 0.0:
        frac = (t - t_first + 1.0) / (agr_f[AF_RAMP, ia] + 1.0)
        if frac > 1.0:
            frac = 1.0
        w = min(agr_f[AF_RESERVED, ia] * frac, r)
        limited[a] = False
        c = agr_i[AI_COUNTRY, ia]
        if c >= 0 and _api_blocked(
            rec, key_ptr, key_rec, n_sites, c, s, t, ev_stage_mask, ev_scoped, ev_scope_sub
        ):
            limited[a] = True
            if api_left[a] < w:
                w = api_left[a]
    return w


@njit(cache=True)
def _surge_alone(
    s,
    t,
    r,
    a0,
    agr_lo,
    agr_hi,
    act_day,
    agr_f,
    agr_i,
    api_left,
    limited,
    rec,
    key_ptr,
    key_rec,
    n_sites,
    ev_stage_mask,
    ev_scoped,
    ev_scope_sub,
    fo,
):
    """Surge production for substance s when its line cannot be over-committed."""
    left = r
    for ia in range(agr_lo, agr_hi):
        a = ia - a0
        w = _agreement_want(
            ia,
            a,
            s,
            t,
            left,
            act_day,
            agr_f,
            agr_i,
            api_left,
            limited,
            rec,
            key_ptr,
            key_rec,
            n_sites,
            ev_stage_mask,
            ev_scoped,
            ev_scope_sub,
        )
        left -= w
        if w > 0.0:
            r = max(r - w, 0.0)
            fo[O_SURGE, s] += w
            if limited[a]:
                api_left[a] = max(api_left[a] - w, 0.0)
    return r


@njit(cache=True)
def _copy_members(
    members,
    sub_prod_ptr,
    sub_agr,
    a0,
    sub_loss_ptr,
    stock,
    ppos,
    prep,
    si,
    in_episode,
    fo,
    io,
    api_left,
    loss_taken,
    prep_taken,
    to_stock,
    to_ppos,
    to_prep,
    to_si,
    to_ep,
    to_fo,
    to_io,
    to_api,
    to_loss,
    to_prep_taken,
):
    """Copy the state of the substances `members` (stock, positions, outputs, …) to the to_*
    arrays: saves a component's state, or restores it with the arguments swapped."""
    any_loss = False
    for s in members:
        for p in range(sub_prod_ptr[s], sub_prod_ptr[s + 1]):
            to_stock[p] = stock[p]
            to_ppos[p] = ppos[p]
        to_prep[s] = prep[s]
        for i in range(3):
            to_si[i, s] = si[i, s]
            to_io[i, s] = io[i, s]
        for i in range(5):
            to_fo[i, s] = fo[i, s]
        to_ep[s] = in_episode[s]
        for ia in range(sub_agr[s], sub_agr[s + 1]):
            to_api[ia - a0] = api_left[ia - a0]
        if sub_loss_ptr[s + 1] > sub_loss_ptr[s]:
            any_loss = True
    if any_loss:
        # stock taken by loss events, to be returned: rare, so copied whole
        to_loss[:] = loss_taken
        to_prep_taken[:] = prep_taken


@njit(cache=True)
def _run_option(
    m,
    k,
    seed,
    scen,
    rec,
    key_ptr,
    key_rec,
    pptr,
    piv,
    siv,
    siv_sub,
    order,
    occurs,
    ev_s,
    ev_e,
    known,
    fo,
    io,
):
    """Simulate option k of one scenario, component by component; outputs into fo and io."""
    horizon = m.horizon
    n_subs = m.sub_prod_ptr.shape[0] - 1
    n_prod = m.prod_sub.shape[0]
    n_sites = m.site_country.shape[0]
    # the model's arrays as locals, once
    sub_prod_ptr = m.sub_prod_ptr
    rate = m.rate
    cumrate = m.cumrate
    noise_mult = m.noise_mult
    prod_par = m.prod_par
    lead = m.lead
    mean_demand = m.mean_demand
    par = m.par
    headroom = par[P_HEADROOM]
    sub_surge_ptr = m.sub_surge_ptr
    sub_surge = m.sub_surge
    ev_mult = m.ev_mult
    sub_loss_ptr = m.sub_loss_ptr
    sub_loss = m.sub_loss
    ev_tgt_ptr = m.ev_tgt_ptr
    ev_tgt = m.ev_tgt
    ev_tgt_amount = m.ev_tgt_amount
    prod_sub = m.prod_sub
    ev_sub_ptr = m.ev_sub_ptr
    ev_sub = m.ev_sub
    ev_sub_value = m.ev_sub_value
    ev_stage_mask = m.ev_stage_mask
    ev_scoped = m.ev_scoped
    ev_scope_sub = m.ev_scope_sub
    agr_f = m.agr_f
    agr_i = m.agr_i
    sub_agr = m.sub_agr_ptr[k]
    alt_ptr = m.alt_ptr
    alt_idx = m.alt_idx
    comp = m.comp_of_sub
    comp_ptr = m.comp_ptr
    comp_sub = m.comp_sub
    comp_sync = m.comp_sync
    imp_share = m.sub_imp[0]
    imp_lead = m.sub_imp[1]
    alt_share = par[P_ALT_SHARE]
    joint = par[P_JOINT] > 0.0
    noise_on = par[P_NOISE] > 0.0
    trigger_stock = par[P_TRIGGER_STOCK] > 0.0
    trigger_days = par[P_TRIGGER_DAYS]
    notice_delay = np.int64(par[P_NOTICE_DELAY])
    a0 = m.agr_ptr[k]
    a1 = m.agr_ptr[k + 1]
    # state
    stock = prod_par[PP_STOCK0].copy()
    prep = m.prep0[k].copy()
    si = np.empty((3, n_subs), dtype=np.int64)
    si[LAST] = 0
    si[GAP] = NONE_DAY
    si[ACT] = NONE_DAY
    in_episode = np.zeros(n_subs, dtype=np.bool_)
    ppos = pptr[:-1].copy()
    down = np.zeros(n_prod, dtype=np.bool_)
    api_left = m.agr_api0[a0:a1].copy()
    pneed = np.zeros(n_prod, dtype=np.float64)
    ntot = np.zeros(n_subs, dtype=np.float64)
    limited = np.zeros(a1 - a0, dtype=np.bool_)
    want = np.zeros(a1 - a0, dtype=np.float64)
    loss_taken = np.zeros(ev_tgt.shape[0], dtype=np.float64)
    prep_taken = np.zeros(ev_sub.shape[0], dtype=np.float64)
    # scratch for synchronised components
    active = np.empty(n_subs, dtype=np.int64)
    is_active = np.zeros(n_subs, dtype=np.bool_)
    cur_end = np.zeros(n_subs, dtype=np.int64)
    rem = np.zeros(n_subs, dtype=np.float64)
    dem = np.zeros(n_subs, dtype=np.float64)
    mult = np.ones(n_subs, dtype=np.float64)
    short_list = np.empty(n_subs, dtype=np.int64)
    line_load = np.zeros(m.n_lines, dtype=np.float64)
    couple = joint and alt_share > 0.0
    halt = np.full(n_subs, horizon, dtype=np.int64)
    refill_base = headroom + 1.0 - 1.0  # the end-of-day rebuild rate without a surge
    noise_bases = np.zeros(n_subs, dtype=np.uint64)
    # steady days of synchronised members (see there) and their spare-ready products
    steady = np.full(n_subs, -1, dtype=np.int64)
    spare_ready = np.zeros(n_prod, dtype=np.bool_)
    # down, up and spare-ready products of the substance being fast-forwarded
    dl = np.empty(n_prod, dtype=np.int64)
    ul = np.empty(n_prod, dtype=np.int64)
    rl = np.empty(n_prod, dtype=np.int64)
    # the state of a component's members on its last quiet day (see below)
    snap_stock = np.empty(n_prod, dtype=np.float64)
    snap_ppos = np.empty(n_prod, dtype=np.int64)
    snap_prep = np.empty(n_subs, dtype=np.float64)
    snap_si = np.empty((3, n_subs), dtype=np.int64)
    snap_ep = np.empty(n_subs, dtype=np.bool_)
    snap_fo = np.empty_like(fo)
    snap_io = np.empty_like(io)
    snap_api = np.empty(a1 - a0, dtype=np.float64)
    snap_loss = np.empty_like(loss_taken)
    snap_prep_taken = np.empty_like(prep_taken)
    n_iv = siv.shape[0]
    q0 = 0
    while q0 < n_iv:
        c = comp[siv_sub[order[q0]]]
        q1 = q0 + 1
        while q1 < n_iv and comp[siv_sub[order[q1]]] == c:
            q1 += 1
        m0 = comp_ptr[c]
        m1 = comp_ptr[c + 1]
        # Optimistic simulation with roll-back (the idea of Jefferson's Time Warp, "Virtual
        # time", ACM TOPLAS 7(3), 1985): members are simulated one by one (pass 0) from t_start
        # until the first day t_sync on which one would be coupled to another — it would draw
        # on a therapeutic alternative, or produce on a line that the component's agreements
        # could over-commit. Before t_sync nothing couples them, so pass 1 rolls the members
        # back to t_start and replays them alone up to t_sync; from t_sync the component runs
        # day-synchronously until CALM_DAYS days in a row without coupling (or a day with no
        # member active), where the state is saved as the new t_start and the members go on
        # alone from there.
        halt_alt = couple and m1 - m0 > 1
        halt_line = comp_sync[c]
        comp_agr = False  # whether a member has an agreement in this option
        for qm in range(m0, m1):
            if sub_agr[comp_sub[qm] + 1] > sub_agr[comp_sub[qm]]:
                comp_agr = True
        qs = q0  # intervals before qs end by t_start
        t_start = 0
        saved = False  # whether a snapshot exists (else t_start = 0 and the initial state)
        while True:
            t_sync = horizon
            for pass_ in range(2):
                if pass_ == 1:
                    if t_sync >= horizon:
                        break
                    if saved:
                        _copy_members(
                            comp_sub[m0:m1],
                            sub_prod_ptr,
                            sub_agr,
                            a0,
                            sub_loss_ptr,
                            snap_stock,
                            snap_ppos,
                            snap_prep,
                            snap_si,
                            snap_ep,
                            snap_fo,
                            snap_io,
                            snap_api,
                            snap_loss,
                            snap_prep_taken,
                            stock,
                            ppos,
                            prep,
                            si,
                            in_episode,
                            fo,
                            io,
                            api_left,
                            loss_taken,
                            prep_taken,
                        )
                    else:
                        # back to the initial state for the component's members
                        for qm in range(m0, m1):
                            s = comp_sub[qm]
                            for p in range(sub_prod_ptr[s], sub_prod_ptr[s + 1]):
                                stock[p] = prod_par[PP_STOCK0, p]
                                ppos[p] = pptr[p]
                            prep[s] = m.prep0[k, s]
                            si[LAST, s] = 0
                            si[GAP, s] = NONE_DAY
                            si[ACT, s] = NONE_DAY
                            in_episode[s] = False
                            for o in range(5):
                                fo[o, s] = 0.0
                            io[O_SDAYS, s] = 0
                            io[O_FSHORT, s] = -1
                            io[O_FSO, s] = -1
                            for ia in range(sub_agr[s], sub_agr[s + 1]):
                                api_left[ia - a0] = m.agr_api0[ia]
                            for qq in range(sub_loss_ptr[s], sub_loss_ptr[s + 1]):
                                e = sub_loss[qq]
                                for tq in range(ev_tgt_ptr[e], ev_tgt_ptr[e + 1]):
                                    if prod_sub[ev_tgt[tq]] == s:
                                        loss_taken[tq] = 0.0
                                for sq in range(ev_sub_ptr[e], ev_sub_ptr[e + 1]):
                                    if ev_sub[sq] == s:
                                        prep_taken[sq] = 0.0
                    for qm in range(m0, m1):
                        halt[comp_sub[qm]] = horizon
                for q in range(qs, q1):
                    iv = order[q]
                    s = siv_sub[iv]
                    lo = max(siv[iv, 0], t_start)
                    # in pass 0 nothing after the earliest need found so far matters
                    hi = min(siv[iv, 1], t_sync)
                    if lo >= hi or lo >= halt[s]:
                        continue
                    has_agr = sub_agr[s + 1] > sub_agr[s]
                    has_loss = sub_loss_ptr[s + 1] > sub_loss_ptr[s]
                    has_surge = sub_surge_ptr[s + 1] > sub_surge_ptr[s]
                    p0 = sub_prod_ptr[s]
                    p1 = sub_prod_ptr[s + 1]
                    _catch_up(
                        s, lo, sub_prod_ptr, cumrate, prod_par, headroom, stock, si, in_episode
                    )
                    noise_base = key_base(seed, scen, STREAM_DEMAND, s)
                    # The day loop below is _begin_day → _surge_alone → _end_day written out (a
                    # function call costs more than a day's work); the synchronised loop further
                    # down repeats it for several substances at once.
                    covered_to = -1  # days before this are covered by the down products' own stock
                    steady_to = -1  # days before this are a steady gap (see below)
                    t = lo
                    while t < hi:
                        if t < covered_to:
                            # Fast-forward (same arithmetic as the full day below): only the down
                            # products' own stock changes while it covers their share of demand, the
                            # set of down products stays the same and demand is not surging.
                            ff_end = min(hi, covered_to)
                            t_ff = t
                            nd = 0
                            for p in range(p0, p1):
                                if down[p]:
                                    dl[nd] = p
                                    nd += 1
                            if nd == 1:
                                p = dl[0]
                                sh = prod_par[PP_SHARE, p]
                                v = stock[p]
                                while t < ff_end:
                                    d = rate[s, t] * 1.0
                                    if noise_on:
                                        h = hash_from_base(noise_base, t)
                                        d *= noise_mult[
                                            s, np.int64(h & np.uint64(NOISE_LEVELS - 1))
                                        ]
                                    need = sh * d
                                    if v < need:
                                        break
                                    v -= need
                                    t += 1
                                stock[p] = v
                            else:
                                while t < ff_end:
                                    d = rate[s, t] * 1.0
                                    if noise_on:
                                        h = hash_from_base(noise_base, t)
                                        d *= noise_mult[
                                            s, np.int64(h & np.uint64(NOISE_LEVELS - 1))
                                        ]
                                    enough = True
                                    for i in range(nd):
                                        if stock[dl[i]] < prod_par[PP_SHARE, dl[i]] * d:
                                            enough = False
                                    if not enough:
                                        break
                                    for i in range(nd):
                                        stock[dl[i]] -= prod_par[PP_SHARE, dl[i]] * d
                                    t += 1
                            if t > t_ff and refill_base > 0.0:
                                # the products that are up rebuild over [t_ff, t) in one step
                                add = refill_base * (cumrate[s, t] - cumrate[s, t_ff])
                                for p in range(p0, p1):
                                    target = prod_par[PP_STOCK0, p]
                                    v = stock[p]
                                    if not down[p] and v < target:
                                        v += prod_par[PP_SHARE, p] * add
                                        if v >= target:
                                            v = target
                                        stock[p] = v
                            covered_to = -1
                            si[LAST, s] = t
                            if t >= hi:
                                break
                        if t < steady_to:
                            # A steady gap: nothing but demand changes before steady_to (the
                            # set of down products, the readiness of spare capacity and of
                            # imports; no agreements, surges or stock events): the full day below
                            # with what cannot happen left out, same arithmetic in the same order.
                            steady_end = min(hi, steady_to)
                            nd = 0
                            nu = 0
                            nr = 0
                            gap_day = si[GAP, s]
                            for p in range(p0, p1):
                                if down[p]:
                                    if prod_par[PP_SHARE, p] > 0.0:
                                        dl[nd] = p
                                        nd += 1
                                else:
                                    ul[nu] = p
                                    nu += 1
                                    if t >= gap_day + lead[p]:
                                        rl[nr] = p
                                        nr += 1
                            imp_on = imp_share[s] > 0.0 and t >= gap_day + np.int64(imp_lead[s])
                            steady_alt = halt_alt and alt_ptr[s + 1] > alt_ptr[s]
                            halted = False
                            while t < steady_end:
                                rt = rate[s, t]
                                d = rt * 1.0
                                if noise_on:
                                    h = hash_from_base(noise_base, t)
                                    d *= noise_mult[s, np.int64(h & np.uint64(NOISE_LEVELS - 1))]
                                r = 0.0
                                for i in range(nd):
                                    r += prod_par[PP_SHARE, dl[i]] * d
                                if r > 0.0:
                                    # renewable supply: spare output, exemption import
                                    need_total = r
                                    avail = 0.0
                                    for i in range(nr):
                                        avail += prod_par[PP_SPARE, rl[i]] * rt
                                    r -= min(r, avail)
                                    if r > 0.0 and imp_on:
                                        w = imp_share[s] * rt
                                        if w > r:
                                            w = r
                                        r -= w
                                        fo[O_IMP, s] += w
                                    if r > 0.0:
                                        # stock: own, the other packs' (pro rata), preparedness
                                        f = r / need_total
                                        r = 0.0
                                        for i in range(nd):
                                            p = dl[i]
                                            want_p = prod_par[PP_SHARE, p] * d * f
                                            take = min(stock[p], want_p)
                                            stock[p] -= take
                                            r += want_p - take
                                        if r > 0.0:
                                            tot = 0.0
                                            for p in range(p0, p1):
                                                tot += stock[p]
                                            if tot > 0.0:
                                                if tot <= r:
                                                    for p in range(p0, p1):
                                                        stock[p] = 0.0
                                                    r -= tot
                                                else:
                                                    f = r / tot
                                                    for p in range(p0, p1):
                                                        stock[p] -= stock[p] * f
                                                    r = 0.0
                                        if r > 0.0 and prep[s] > 0.0:
                                            take = min(r, prep[s])
                                            prep[s] -= take
                                            fo[O_PREP, s] += take
                                            r -= take
                                        if r > SHORT_RTOL * d + 1e-9 and io[O_FSO, s] < 0:
                                            io[O_FSO, s] = t
                                if r > 0.0 and steady_alt:
                                    # would draw on an alternative: synchronise from this day
                                    if pass_ == 1:
                                        raise RuntimeError("kernel: coupling while replaying")
                                    halted = True
                                    break
                                if r > 0.0:
                                    fo[O_UNMET, s] += r
                                    if r > SHORT_RTOL * d + 1e-9:
                                        io[O_SDAYS, s] += 1
                                        if io[O_FSHORT, s] < 0:
                                            io[O_FSHORT, s] = t
                                if refill_base > 0.0:
                                    for i in range(nu):
                                        p = ul[i]
                                        target = prod_par[PP_STOCK0, p]
                                        v = stock[p]
                                        if v < target:
                                            v += prod_par[PP_SHARE, p] * rt * refill_base
                                            if v >= target:
                                                v = target
                                            stock[p] = v
                                t += 1
                            steady_to = -1
                            si[LAST, s] = t
                            if halted:
                                halt[s] = t
                                if t < t_sync:
                                    t_sync = t
                                break
                            if t >= hi:
                                break
                        if has_loss:
                            _stock_events(
                                s,
                                t,
                                occurs,
                                ev_s,
                                ev_e,
                                sub_loss_ptr,
                                sub_loss,
                                ev_tgt_ptr,
                                ev_tgt,
                                ev_tgt_amount,
                                prod_sub,
                                ev_sub_ptr,
                                ev_sub,
                                ev_sub_value,
                                prod_par,
                                stock,
                                prep,
                                loss_taken,
                                prep_taken,
                                in_episode,
                            )
                        mt = 1.0
                        if has_surge:
                            for qq in range(sub_surge_ptr[s], sub_surge_ptr[s + 1]):
                                e = sub_surge[qq]
                                if occurs[e] and ev_s[e] <= t and (ev_e[e] < 0 or t < ev_e[e]):
                                    mt *= ev_mult[e]
                        rt = rate[s, t]
                        d = rt * mt
                        if noise_on:
                            h = hash_from_base(noise_base, t)
                            d *= noise_mult[s, np.int64(h & np.uint64(NOISE_LEVELS - 1))]
                        up_factor = 1.0
                        if mt > 1.0 + headroom:
                            up_factor = (1.0 + headroom) / mt
                        r = 0.0
                        any_need = False
                        all_up = True
                        for p in range(p0, p1):
                            pe = pptr[p + 1]
                            pos = ppos[p]
                            while pos < pe and piv[pos, 1] <= t:
                                pos += 1
                            ppos[p] = pos
                            dn = pos < pe and piv[pos, 0] <= t
                            down[p] = dn
                            if dn:
                                all_up = False
                                need = prod_par[PP_SHARE, p] * d
                            else:
                                need = prod_par[PP_SHARE, p] * d * (1.0 - up_factor)
                            pneed[p] = need
                            if need > 0.0:
                                any_need = True
                                r += need
                        if any_need:
                            in_episode[s] = True
                            if si[GAP, s] == NONE_DAY:
                                si[GAP, s] = t
                                if t == 0 and known[s] != NONE_DAY and known[s] < 0:
                                    si[GAP, s] = known[s]
                            if si[ACT, s] == NONE_DAY:
                                if trigger_stock:
                                    tot = 0.0
                                    for p in range(p0, p1):
                                        tot += stock[p]
                                    if tot < trigger_days * mean_demand[s]:
                                        si[ACT, s] = t
                                else:
                                    si[ACT, s] = si[GAP, s] + notice_delay
                        need_total = r
                        flowing = False
                        if r > 0.0:
                            # renewable supply first (the stock is still there tomorrow): the
                            # other packs' spare output, surge production, exemption import
                            gap_day = si[GAP, s]
                            avail = 0.0
                            for p in range(p0, p1):
                                if not down[p] and t >= gap_day + lead[p]:
                                    avail += prod_par[PP_SPARE, p] * rt
                            if avail > 0.0:
                                flowing = True
                                r -= min(r, avail)
                            if r > 0.0 and has_agr and si[ACT, s] != NONE_DAY:
                                if halt_line and pass_ == 0:
                                    ready = False
                                    for ia in range(sub_agr[s], sub_agr[s + 1]):
                                        if t >= si[ACT, s] + np.int64(agr_f[AF_RESPONSE, ia]):
                                            ready = True
                                    if ready:
                                        # would produce on a shared line: synchronise from here
                                        halt[s] = t
                                        if t < t_sync:
                                            t_sync = t
                                        break
                                before = r
                                r = _surge_alone(
                                    s,
                                    t,
                                    r,
                                    a0,
                                    sub_agr[s],
                                    sub_agr[s + 1],
                                    si[ACT, s],
                                    agr_f,
                                    agr_i,
                                    api_left,
                                    limited,
                                    rec,
                                    key_ptr,
                                    key_rec,
                                    n_sites,
                                    ev_stage_mask,
                                    ev_scoped,
                                    ev_scope_sub,
                                    fo,
                                )
                                flowing = flowing or r < before
                            if (
                                r > 0.0
                                and imp_share[s] > 0.0
                                and t >= gap_day + np.int64(imp_lead[s])
                            ):
                                w = imp_share[s] * rt
                                if w > r:
                                    w = r
                                r -= w
                                fo[O_IMP, s] += w
                                flowing = True
                        if r > 0.0:
                            # then stock: each pack's own for what it still misses, the other
                            # packs' (pro rata), the preparedness stock
                            f = r / need_total
                            r = 0.0
                            for p in range(p0, p1):
                                if pneed[p] > 0.0:
                                    want_p = pneed[p] * f
                                    take = min(stock[p], want_p)
                                    stock[p] -= take
                                    r += want_p - take
                            if r > 0.0:
                                tot = 0.0
                                for p in range(p0, p1):
                                    tot += stock[p]
                                if tot > 0.0:
                                    if tot <= r:
                                        for p in range(p0, p1):
                                            stock[p] = 0.0
                                        r -= tot
                                    else:
                                        f = r / tot
                                        for p in range(p0, p1):
                                            stock[p] -= stock[p] * f
                                        r = 0.0
                            if r > 0.0 and prep[s] > 0.0:
                                take = min(r, prep[s])
                                prep[s] -= take
                                fo[O_PREP, s] += take
                                r -= take
                            if r > SHORT_RTOL * d + 1e-9 and io[O_FSO, s] < 0:
                                io[O_FSO, s] = t
                        need_own_only = any_need and r == 0.0 and not all_up and not flowing
                        if r > 0.0:
                            if halt_alt and alt_ptr[s + 1] > alt_ptr[s] and pass_ == 0:
                                # would draw on an alternative: synchronise from this day
                                halt[s] = t
                                if t < t_sync:
                                    t_sync = t
                                break
                            fo[O_UNMET, s] += r
                            if r > SHORT_RTOL * d + 1e-9:
                                io[O_SDAYS, s] += 1
                                if io[O_FSHORT, s] < 0:
                                    io[O_FSHORT, s] = t
                        # rebuild the stock of the products that are up
                        refill = headroom + 1.0 - mt
                        full = True
                        for p in range(p0, p1):
                            target = prod_par[PP_STOCK0, p]
                            v = stock[p]
                            if v < target:
                                if refill > 0.0 and not down[p]:
                                    v += prod_par[PP_SHARE, p] * rt * refill
                                    if v >= target:
                                        v = target
                                    stock[p] = v
                                if v < target - TARGET_RTOL * (target + 1.0):
                                    full = False
                        if all_up and mt == 1.0 and full:
                            in_episode[s] = False
                            si[GAP, s] = NONE_DAY
                            si[ACT, s] = NONE_DAY
                        si[LAST, s] = t + 1
                        own_only = (
                            r == 0.0
                            and need_own_only
                            and not has_surge
                            and not has_loss
                            and (not trigger_stock or si[ACT, s] != NONE_DAY)
                        )
                        if own_only and not has_agr:
                            # A down pack whose own stock is spent stops the own-stock loop on
                            # its first day: the other packs' stock covers, so what follows is
                            # a steady gap (below), which steps those days without the full day.
                            for p in range(p0, p1):
                                if down[p] and prod_par[PP_SHARE, p] > 0.0 and stock[p] <= 0.0:
                                    own_only = False
                                    break
                        if own_only:
                            # the next day on which a product of s changes state, or on which
                            # renewable supply could start (it would be used before the stock)
                            nxt = hi
                            for p in range(p0, p1):
                                pos = ppos[p]
                                if pos < pptr[p + 1]:
                                    edge = piv[pos, 1] if down[p] else piv[pos, 0]
                                    if edge < nxt:
                                        nxt = edge
                                if not down[p] and prod_par[PP_SPARE, p] > 0.0:
                                    edge = si[GAP, s] + lead[p]
                                    if t < edge < nxt:
                                        nxt = edge
                            if imp_share[s] > 0.0:
                                edge = si[GAP, s] + np.int64(imp_lead[s])
                                if t < edge < nxt:
                                    nxt = edge
                            if has_agr and si[ACT, s] != NONE_DAY:
                                for ia in range(sub_agr[s], sub_agr[s + 1]):
                                    edge = si[ACT, s] + np.int64(agr_f[AF_RESPONSE, ia])
                                    if edge <= t:
                                        # producing but held back (API): it may resume any day
                                        nxt = t
                                    elif edge < nxt:
                                        nxt = edge
                            covered_to = nxt
                        elif (
                            not all_up
                            and not has_surge
                            and not has_loss
                            and not has_agr
                            and si[GAP, s] != NONE_DAY
                        ):
                            # a steady gap until a product changes state, spare capacity or an
                            # import becomes ready, or the interval ends
                            nxt = hi
                            gap_day = si[GAP, s]
                            for p in range(p0, p1):
                                pos = ppos[p]
                                if pos < pptr[p + 1]:
                                    edge = piv[pos, 1] if down[p] else piv[pos, 0]
                                    if edge < nxt:
                                        nxt = edge
                                if (
                                    not down[p]
                                    and prod_par[PP_SPARE, p] > 0.0
                                    and t < gap_day + lead[p] < nxt
                                ):
                                    nxt = gap_day + lead[p]
                            if imp_share[s] > 0.0:
                                ready = gap_day + np.int64(imp_lead[s])
                                if t < ready < nxt:
                                    nxt = ready
                            steady_to = nxt
                        t += 1
            if t_sync >= horizon:
                break
            # days in order from t_sync over the union of the component's active intervals
            n_act = 0
            n_act_agr = 0  # active members with an agreement in this option
            q = qs
            t = t_sync
            while q < q1 and siv[order[q], 1] <= t_sync:
                q += 1
            quiet = False
            calm = 0
            while True:
                if n_act == 0:
                    while q < q1 and siv[order[q], 1] <= t:
                        q += 1
                    if q >= q1:
                        break
                    if t > t_sync:
                        quiet = True  # no member active on day t
                        break
                    if siv[order[q], 0] > t:
                        t = siv[order[q], 0]
                if t >= horizon:
                    break
                if calm >= CALM_DAYS:
                    quiet = True
                    break
                coupled = False
                while q < q1 and siv[order[q], 0] <= t:
                    s = siv_sub[order[q]]
                    if siv[order[q], 1] > t:
                        if not is_active[s]:
                            is_active[s] = True
                            active[n_act] = s
                            n_act += 1
                            if sub_agr[s + 1] > sub_agr[s]:
                                n_act_agr += 1
                            noise_bases[s] = key_base(seed, scen, STREAM_DEMAND, s)
                            steady[s] = -1
                        cur_end[s] = siv[order[q], 1]
                    q += 1
                # needs, activation and the other packs' spare output (as in the loop above)
                for ai in range(n_act):
                    s = active[ai]
                    p0 = sub_prod_ptr[s]
                    p1 = sub_prod_ptr[s + 1]
                    if t < steady[s]:
                        # a steady day of s (see the steady loop above): only demand changes
                        rt = rate[s, t]
                        d = rt * 1.0
                        if noise_on:
                            h = hash_from_base(noise_bases[s], t)
                            d *= noise_mult[s, np.int64(h & np.uint64(NOISE_LEVELS - 1))]
                        r = 0.0
                        for p in range(p0, p1):
                            if down[p]:
                                need = prod_par[PP_SHARE, p] * d
                                pneed[p] = need
                                if need > 0.0:
                                    r += need
                            else:
                                pneed[p] = 0.0
                        ntot[s] = r
                        if r > 0.0:
                            avail = 0.0
                            for p in range(p0, p1):
                                if spare_ready[p]:
                                    avail += prod_par[PP_SPARE, p] * rt
                            r -= min(r, avail)
                        rem[s] = r
                        dem[s] = d
                        mult[s] = 1.0
                        continue
                    if si[LAST, s] < t:
                        _catch_up(
                            s, t, sub_prod_ptr, cumrate, prod_par, headroom, stock, si, in_episode
                        )
                    if sub_loss_ptr[s + 1] > sub_loss_ptr[s]:
                        _stock_events(
                            s,
                            t,
                            occurs,
                            ev_s,
                            ev_e,
                            sub_loss_ptr,
                            sub_loss,
                            ev_tgt_ptr,
                            ev_tgt,
                            ev_tgt_amount,
                            prod_sub,
                            ev_sub_ptr,
                            ev_sub,
                            ev_sub_value,
                            prod_par,
                            stock,
                            prep,
                            loss_taken,
                            prep_taken,
                            in_episode,
                        )
                    mt = 1.0
                    for qq in range(sub_surge_ptr[s], sub_surge_ptr[s + 1]):
                        e = sub_surge[qq]
                        if occurs[e] and ev_s[e] <= t and (ev_e[e] < 0 or t < ev_e[e]):
                            mt *= ev_mult[e]
                    rt = rate[s, t]
                    d = rt * mt
                    if noise_on:
                        h = hash_from_base(noise_bases[s], t)
                        d *= noise_mult[s, np.int64(h & np.uint64(NOISE_LEVELS - 1))]
                    up_factor = 1.0
                    if mt > 1.0 + headroom:
                        up_factor = (1.0 + headroom) / mt
                    r = 0.0
                    any_need = False
                    for p in range(p0, p1):
                        pe = pptr[p + 1]
                        pos = ppos[p]
                        while pos < pe and piv[pos, 1] <= t:
                            pos += 1
                        ppos[p] = pos
                        dn = pos < pe and piv[pos, 0] <= t
                        down[p] = dn
                        if dn:
                            need = prod_par[PP_SHARE, p] * d
                        else:
                            need = prod_par[PP_SHARE, p] * d * (1.0 - up_factor)
                        pneed[p] = need
                        if need > 0.0:
                            any_need = True
                            r += need
                    if any_need:
                        in_episode[s] = True
                        if si[GAP, s] == NONE_DAY:
                            si[GAP, s] = t
                            if t == 0 and known[s] != NONE_DAY and known[s] < 0:
                                si[GAP, s] = known[s]
                        if si[ACT, s] == NONE_DAY:
                            if trigger_stock:
                                tot = 0.0
                                for p in range(p0, p1):
                                    tot += stock[p]
                                if tot < trigger_days * mean_demand[s]:
                                    si[ACT, s] = t
                            else:
                                si[ACT, s] = si[GAP, s] + notice_delay
                    ntot[s] = r
                    if r > 0.0:
                        # renewable supply first: the other packs' spare output (surge
                        # production and exemption import follow for all members together)
                        gap_day = si[GAP, s]
                        avail = 0.0
                        for p in range(p0, p1):
                            if not down[p] and t >= gap_day + lead[p]:
                                avail += prod_par[PP_SPARE, p] * rt
                        r -= min(r, avail)
                    rem[s] = r
                    dem[s] = d
                    mult[s] = mt
                # surge production; agreements on a line share it pro rata to what they ask
                if comp_agr and n_act_agr > 0:
                    for ai in range(n_act):
                        s = active[ai]
                        if rem[s] <= 0.0 or si[ACT, s] == NONE_DAY:
                            continue
                        left = rem[s]
                        for ia in range(sub_agr[s], sub_agr[s + 1]):
                            w = _agreement_want(
                                ia,
                                ia - a0,
                                s,
                                t,
                                left,
                                si[ACT, s],
                                agr_f,
                                agr_i,
                                api_left,
                                limited,
                                rec,
                                key_ptr,
                                key_rec,
                                n_sites,
                                ev_stage_mask,
                                ev_scoped,
                                ev_scope_sub,
                            )
                            want[ia - a0] = w
                            left -= w
                            if joint and w > 0.0:
                                line_load[agr_i[AI_LINE, ia]] += w / agr_f[AF_CAP, ia]
                            if halt_line and t >= si[ACT, s] + np.int64(agr_f[AF_RESPONSE, ia]):
                                coupled = True
                    for ai in range(n_act):
                        s = active[ai]
                        if rem[s] <= 0.0 or si[ACT, s] == NONE_DAY:
                            continue
                        for ia in range(sub_agr[s], sub_agr[s + 1]):
                            a = ia - a0
                            w = want[a]
                            if w <= 0.0:
                                continue
                            if joint:
                                load = line_load[agr_i[AI_LINE, ia]]
                                if load > 1.0:
                                    w = w / load
                            rem[s] = max(rem[s] - w, 0.0)
                            fo[O_SURGE, s] += w
                            if limited[a]:
                                api_left[a] = max(api_left[a] - w, 0.0)
                            want[a] = 0.0
                    if joint:
                        for ai in range(n_act):
                            s = active[ai]
                            for ia in range(sub_agr[s], sub_agr[s + 1]):
                                line_load[agr_i[AI_LINE, ia]] = 0.0
                # exemption import, from its lead time after each gap began; then stock: own,
                # the other packs' (pro rata), preparedness (as above); who is still short
                n_short = 0
                for ai in range(n_act):
                    s = active[ai]
                    r = rem[s]
                    if r <= 0.0:
                        continue
                    if imp_share[s] > 0.0:
                        gap_day = si[GAP, s]
                        if gap_day != NONE_DAY and t >= gap_day + np.int64(imp_lead[s]):
                            w = imp_share[s] * rate[s, t]
                            if w > r:
                                w = r
                            r -= w
                            fo[O_IMP, s] += w
                    if r > 0.0:
                        p0 = sub_prod_ptr[s]
                        p1 = sub_prod_ptr[s + 1]
                        f = r / ntot[s]
                        r = 0.0
                        for p in range(p0, p1):
                            if pneed[p] > 0.0:
                                want_p = pneed[p] * f
                                take = min(stock[p], want_p)
                                stock[p] -= take
                                r += want_p - take
                        if r > 0.0:
                            tot = 0.0
                            for p in range(p0, p1):
                                tot += stock[p]
                            if tot > 0.0:
                                if tot <= r:
                                    for p in range(p0, p1):
                                        stock[p] = 0.0
                                    r -= tot
                                else:
                                    f = r / tot
                                    for p in range(p0, p1):
                                        stock[p] -= stock[p] * f
                                    r = 0.0
                        if r > 0.0 and prep[s] > 0.0:
                            take = min(r, prep[s])
                            prep[s] -= take
                            fo[O_PREP, s] += take
                            r -= take
                        if r > SHORT_RTOL * dem[s] + 1e-9 and io[O_FSO, s] < 0:
                            io[O_FSO, s] = t
                    rem[s] = r
                    if couple and r > 0.0 and alt_ptr[s + 1] > alt_ptr[s]:
                        short_list[n_short] = s
                        n_short += 1
                # therapeutic alternatives, in substance order, from their own stock
                if couple:
                    if n_short > 0:
                        coupled = True
                    if n_short > 1:
                        short_list[:n_short].sort()
                    for oi in range(n_short):
                        s = short_list[oi]
                        w = min(rem[s], alt_share * dem[s])
                        if w <= 0.0:
                            continue
                        tot = 0.0
                        for qa in range(alt_ptr[s], alt_ptr[s + 1]):
                            j = alt_idx[qa]
                            last_j = si[LAST, j]
                            if last_j < t and in_episode[j]:
                                # _catch_up(j, t) written out, summing the stock as it goes: this
                                # runs every short day
                                add_rate = headroom * (cumrate[j, t] - cumrate[j, last_j])
                                full = True
                                for p in range(sub_prod_ptr[j], sub_prod_ptr[j + 1]):
                                    target = prod_par[PP_STOCK0, p]
                                    v = stock[p] + prod_par[PP_SHARE, p] * add_rate
                                    if v >= target:
                                        v = target
                                    stock[p] = v
                                    tot += v
                                    if v < target - TARGET_RTOL * (target + 1.0):
                                        full = False
                                if full:
                                    in_episode[j] = False
                                    si[GAP, j] = NONE_DAY
                                    si[ACT, j] = NONE_DAY
                                si[LAST, j] = t
                                continue
                            if last_j < t:
                                si[LAST, j] = t
                            for p in range(sub_prod_ptr[j], sub_prod_ptr[j + 1]):
                                tot += stock[p]
                        if tot <= 0.0:
                            continue
                        take = min(w, tot)
                        f = take / tot
                        for qa in range(alt_ptr[s], alt_ptr[s + 1]):
                            j = alt_idx[qa]
                            for p in range(sub_prod_ptr[j], sub_prod_ptr[j + 1]):
                                stock[p] -= stock[p] * f
                            in_episode[j] = True
                        rem[s] -= take
                        fo[O_ALT, s] += take
                # accounting and end-of-day rebuild (as in the loop above)
                ai = 0
                while ai < n_act:
                    s = active[ai]
                    r = rem[s]
                    mt = mult[s]
                    if r > 0.0:
                        fo[O_UNMET, s] += r
                        if r > SHORT_RTOL * dem[s] + 1e-9:
                            io[O_SDAYS, s] += 1
                            if io[O_FSHORT, s] < 0:
                                io[O_FSHORT, s] = t
                    rem[s] = 0.0
                    rt = rate[s, t]
                    refill = headroom + 1.0 - mt
                    all_up = True
                    full = True
                    for p in range(sub_prod_ptr[s], sub_prod_ptr[s + 1]):
                        target = prod_par[PP_STOCK0, p]
                        v = stock[p]
                        if down[p]:
                            all_up = False
                        elif v < target and refill > 0.0:
                            v += prod_par[PP_SHARE, p] * rt * refill
                            if v >= target:
                                v = target
                            stock[p] = v
                        if v < target - TARGET_RTOL * (target + 1.0):
                            full = False
                    if all_up and mt == 1.0 and full:
                        in_episode[s] = False
                        si[GAP, s] = NONE_DAY
                        si[ACT, s] = NONE_DAY
                    si[LAST, s] = t + 1
                    if (
                        steady[s] <= t + 1
                        and not all_up
                        and si[GAP, s] != NONE_DAY
                        and sub_surge_ptr[s + 1] == sub_surge_ptr[s]
                        and sub_loss_ptr[s + 1] == sub_loss_ptr[s]
                        and sub_agr[s + 1] == sub_agr[s]
                    ):
                        # steady from tomorrow until a product or its spare capacity changes
                        # (the import step needs no help)
                        gap_day = si[GAP, s]
                        nxt = cur_end[s]
                        for p in range(sub_prod_ptr[s], sub_prod_ptr[s + 1]):
                            pos = ppos[p]
                            while pos < pptr[p + 1] and piv[pos, 1] <= t:
                                pos += 1
                            if pos < pptr[p + 1]:
                                edge = piv[pos, 1] if down[p] else piv[pos, 0]
                                if edge < nxt:
                                    nxt = edge
                            spare_ready[p] = not down[p] and t + 1 >= gap_day + lead[p]
                            if (
                                not down[p]
                                and prod_par[PP_SPARE, p] > 0.0
                                and t + 1 < gap_day + lead[p] < nxt
                            ):
                                nxt = gap_day + lead[p]
                        steady[s] = nxt
                    if cur_end[s] <= t + 1:
                        is_active[s] = False
                        n_act -= 1
                        if sub_agr[s + 1] > sub_agr[s]:
                            n_act_agr -= 1
                        active[ai] = active[n_act]
                    else:
                        ai += 1
                calm = 0 if coupled else calm + 1
                t += 1
            for ai in range(n_act):
                is_active[active[ai]] = False
            if not quiet:
                break
            _copy_members(
                comp_sub[m0:m1],
                sub_prod_ptr,
                sub_agr,
                a0,
                sub_loss_ptr,
                stock,
                ppos,
                prep,
                si,
                in_episode,
                fo,
                io,
                api_left,
                loss_taken,
                prep_taken,
                snap_stock,
                snap_ppos,
                snap_prep,
                snap_si,
                snap_ep,
                snap_fo,
                snap_io,
                snap_api,
                snap_loss,
                snap_prep_taken,
            )
            saved = True
            t_start = t
            # intervals still under way on day t lie before q: go back to the first of them
            qs_new = qs
            while qs_new < q and siv[order[qs_new], 1] <= t:
                qs_new += 1
            qs = qs_new
        q0 = q1
    return 0


@njit(cache=True, nogil=True)
def run_rows(m, seed, first_scenario, lo, hi, out_f, out_i, out_national):
    """Simulate rows lo … hi − 1 of a chunk (scenario first_scenario + row) for every option.

    `out_f` (options, rows, 5, substances): unmet, surge, preparedness, alternatives and
    exemption-import DDD;
    `out_i` (options, rows, 3, substances): shortage days, first shortage day, first stock-out
    day (−1: none); `out_national` (options, rows, 4): weighted unmet DDD, unmet DDD, any
    shortage, any vital shortage. Releases the GIL: threads may run disjoint row ranges.
    """
    n_subs = out_f.shape[3]
    weight = m.weight
    vital = m.vital
    for row in range(lo, hi):
        scen = first_scenario + row
        rec, count, occurs, ev_s, ev_e, known = draw_scenario(m, seed, scen)
        pptr, piv, key_ptr, key_rec = product_intervals(m, rec, count)
        siv, siv_sub = _substance_intervals(m, pptr, piv, occurs, ev_s, ev_e)
        keys = m.comp_of_sub[siv_sub] * (m.horizon + 1) + siv[:, 0]
        order = np.argsort(keys, kind="mergesort")
        for k in range(m.n_options):
            fo = out_f[k, row]
            io = out_i[k, row]
            fo[:, :] = 0.0
            io[O_SDAYS] = 0
            io[O_FSHORT] = -1
            io[O_FSO] = -1
            _run_option(
                m,
                k,
                seed,
                scen,
                rec,
                key_ptr,
                key_rec,
                pptr,
                piv,
                siv,
                siv_sub,
                order,
                occurs,
                ev_s,
                ev_e,
                known,
                fo,
                io,
            )
            wsum = 0.0
            usum = 0.0
            anys = 0.0
            anyv = 0.0
            for s in range(n_subs):
                u = fo[O_UNMET, s]
                wsum += weight[s] * u
                usum += u
                if io[O_SDAYS, s] > 0:
                    anys = 1.0
                    if vital[s]:
                        anyv = 1.0
            out_national[k, row, 0] = wsum
            out_national[k, row, 1] = usum
            out_national[k, row, 2] = anys
            out_national[k, row, 3] = anyv
