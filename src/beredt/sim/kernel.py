"""The Monte-Carlo kernel (Numba): one scenario at a time, event-driven over days.

For each scenario the kernel draws the disruption spells of every site and country (background
hazards, stationary start) and the forced events, turns them into down intervals per product
(series over stages, parallel within a stage), and then steps day by day *only* through the
days on which a substance has a supply gap, a demand surge or a stock event ("active" days).
Between active days a substance's state changes only by the deterministic rebuild of its stock,
which is applied lazily in one step from prefix sums of demand. Work therefore grows with the
number and length of disruptions, not with the horizon.

The fill order on an active day follows DESIGN.md §4: each product's own commercial stock →
other products of the substance (their spare capacity after its lead time, then their stock) →
the substance's preparedness stock → domestic surge production under agreements (after the
response time, ramping to the reserved capacity, limited by API on hand when the API's source
country is restricted; agreements on a shared line are scaled down pro rata to the load they
ask for when together they would exceed the line) → therapeutic alternatives in the ATC4 group
(joint mode; at most a share of demand, drawn from the alternatives' own stock).

All randomness comes from :mod:`beredt.sim.rng` keyed by (seed, scenario, stream, …), so results
do not depend on chunking, threads or the policy being evaluated.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

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
    hash_key,
    uniform,
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


class KernelModel(NamedTuple):
    """Arrays the kernel needs; built by :func:`beredt.sim.model.compile_model`."""

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
    noise_table: np.ndarray
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
    # sites and countries
    site_country: np.ndarray
    site_stage_bit: np.ndarray
    site_alpha: np.ndarray
    site_code: np.ndarray
    site_a: np.ndarray
    site_b: np.ndarray
    site_mean: np.ndarray
    country_alpha: np.ndarray
    country_code: np.ndarray
    country_a: np.ndarray
    country_b: np.ndarray
    country_mean: np.ndarray
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
    k = 0
    t = 0
    if stationary:
        p_down = mean_down / (1.0 / alpha + mean_down)
        u = uniform(seed, scen, stream, uid, k)
        k += 1
        if u < p_down:
            r = residual_from_uniform(
                code,
                a,
                b,
                values,
                rcdf,
                uniform(seed, scen, stream, uid, k),
                uniform(seed, scen, stream, uid, k + 1),
            )
            k += 2
            rec, count = _push(rec, count, rtype, uid, -1, 0, min(r, horizon))
            t = r
    while t < horizon:
        up = geometric_from_uniform(alpha, uniform(seed, scen, stream, uid, k))
        k += 1
        t += up
        if t >= horizon:
            break
        d = duration_from_uniform(code, a, b, values, cdf, uniform(seed, scen, stream, uid, k))
        k += 1
        rec, count = _push(rec, count, rtype, uid, -1, t, min(t + d, horizon))
        t += d
    return rec, count


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
    for p in range(n_prod):
        nb = 0
        kp = n_sites + n_countries + p
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
    sptr = np.zeros(n_subs + 1, dtype=np.int64)
    siv = np.empty((16, 2), dtype=np.int64)
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
            sptr[s + 1] = n_siv
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
        if ns > 0:
            order = np.argsort(scratch[:ns, 0])
            cur_s = scratch[order[0], 0]
            cur_e = scratch[order[0], 1]
            for i in range(1, ns + 1):
                if i < ns and scratch[order[i], 0] <= cur_e:
                    if scratch[order[i], 1] > cur_e:
                        cur_e = scratch[order[i], 1]
                    continue
                if n_siv >= siv.shape[0]:
                    bigger = np.empty((siv.shape[0] * 2, 2), dtype=np.int64)
                    bigger[:n_siv] = siv[:n_siv]
                    siv = bigger
                siv[n_siv, 0] = cur_s
                siv[n_siv, 1] = cur_e
                n_siv += 1
                if i < ns:
                    cur_s = scratch[order[i], 0]
                    cur_e = scratch[order[i], 1]
        sptr[s + 1] = n_siv
    return sptr, siv[:n_siv].copy()


@njit(cache=True)
def _catch_up(
    s, t, stock, last, gap_start, act, in_episode, headroom, cumrate, p0, p1, share, stock0
):
    """Rebuild the stock of substance s (products p0…p1−1) over the passive days [last[s], t)."""
    if last[s] >= t:
        return
    if in_episode[s]:
        add_rate = headroom * (cumrate[s, t] - cumrate[s, last[s]])
        full = True
        for p in range(p0, p1):
            v = stock[p] + share[p] * add_rate
            if v >= stock0[p]:
                v = stock0[p]
            stock[p] = v
            if v < stock0[p] - TARGET_RTOL * (stock0[p] + 1.0):
                full = False
        if full:
            in_episode[s] = False
            gap_start[s] = NONE_DAY
            act[s] = NONE_DAY
    last[s] = t


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
    sptr,
    siv,
    start_order,
    occurs,
    ev_s,
    ev_e,
    known,
    out_unmet,
    out_sdays,
    out_first_short,
    out_first_stockout,
    out_surge,
    out_prep,
    out_alt,
    row,
):
    horizon = m.horizon
    n_subs = m.sub_prod_ptr.shape[0] - 1
    n_prod = m.prod_sub.shape[0]
    n_sites = m.site_country.shape[0]
    headroom = m.headroom
    cumrate = m.cumrate
    sub_prod_ptr = m.sub_prod_ptr
    share = m.share
    stock0 = m.stock0
    stock = m.stock0.copy()
    prep = m.prep0[k].copy()
    last = np.zeros(n_subs, dtype=np.int64)
    gap_start = np.full(n_subs, NONE_DAY, dtype=np.int64)
    act = np.full(n_subs, NONE_DAY, dtype=np.int64)
    in_episode = np.zeros(n_subs, dtype=np.bool_)
    ppos = pptr[:-1].copy()
    a0 = m.agr_ptr[k]
    a1 = m.agr_ptr[k + 1]
    api_left = m.agr_api0[a0:a1].copy()
    want = np.zeros(a1 - a0, dtype=np.float64)
    limited = np.zeros(a1 - a0, dtype=np.bool_)
    line_load = np.zeros(m.n_lines, dtype=np.float64)
    loss_taken = np.zeros(m.ev_tgt.shape[0], dtype=np.float64)
    prep_taken = np.zeros(m.ev_sub.shape[0], dtype=np.float64)
    active = np.empty(n_subs, dtype=np.int64)
    is_active = np.zeros(n_subs, dtype=np.bool_)
    cur_end = np.zeros(n_subs, dtype=np.int64)
    rem = np.zeros(n_subs, dtype=np.float64)
    dem = np.zeros(n_subs, dtype=np.float64)
    mult = np.ones(n_subs, dtype=np.float64)
    short_list = np.empty(n_subs, dtype=np.int64)
    down = np.zeros(n_prod, dtype=np.bool_)
    unmet = out_unmet[k, row]
    sdays = out_sdays[k, row]
    first_short = out_first_short[k, row]
    first_so = out_first_stockout[k, row]
    surge_out = out_surge[k, row]
    prep_out = out_prep[k, row]
    alt_out = out_alt[k, row]
    n_iv = siv.shape[0]
    n_act = 0
    q = 0
    t = 0
    while True:
        if n_act == 0:
            if q >= n_iv:
                break
            nxt = siv[start_order[q], 0]
            if nxt > t:
                t = nxt
        if t >= horizon:
            break
        while q < n_iv and siv[start_order[q], 0] <= t:
            iv_idx = start_order[q]
            # substance of this interval: find by binary search in sptr
            s = np.searchsorted(sptr, iv_idx, side="right") - 1
            if not is_active[s]:
                is_active[s] = True
                active[n_act] = s
                n_act += 1
            cur_end[s] = siv[iv_idx, 1]
            q += 1
        # (b1) own demand: products' own stock, other products, preparedness
        for ai in range(n_act):
            s = active[ai]
            _catch_up(
                s,
                t,
                stock,
                last,
                gap_start,
                act,
                in_episode,
                headroom,
                cumrate,
                sub_prod_ptr[s],
                sub_prod_ptr[s + 1],
                share,
                stock0,
            )
            # stock events of this day
            for qq in range(m.sub_loss_ptr[s], m.sub_loss_ptr[s + 1]):
                e = m.sub_loss[qq]
                if not occurs[e]:
                    continue
                d0 = max(ev_s[e], 0)
                if d0 == t:
                    for tq in range(m.ev_tgt_ptr[e], m.ev_tgt_ptr[e + 1]):
                        p = m.ev_tgt[tq]
                        if m.prod_sub[p] == s:
                            take = min(stock[p], m.ev_tgt_amount[tq])
                            stock[p] -= take
                            loss_taken[tq] = take
                    for sq in range(m.ev_sub_ptr[e], m.ev_sub_ptr[e + 1]):
                        if m.ev_sub[sq] == s and m.ev_sub_value[sq] > 0.0:
                            take = prep[s] * m.ev_sub_value[sq]
                            prep[s] -= take
                            prep_taken[sq] = take
                    in_episode[s] = True
                elif ev_e[e] >= 0 and ev_e[e] > d0 and ev_e[e] == t:
                    for tq in range(m.ev_tgt_ptr[e], m.ev_tgt_ptr[e + 1]):
                        p = m.ev_tgt[tq]
                        if m.prod_sub[p] == s:
                            stock[p] = min(m.stock0[p], stock[p] + loss_taken[tq])
                            loss_taken[tq] = 0.0
                    for sq in range(m.ev_sub_ptr[e], m.ev_sub_ptr[e + 1]):
                        if m.ev_sub[sq] == s:
                            prep[s] += prep_taken[sq]
                            prep_taken[sq] = 0.0
            mt = 1.0
            for qq in range(m.sub_surge_ptr[s], m.sub_surge_ptr[s + 1]):
                e = m.sub_surge[qq]
                if occurs[e] and ev_s[e] <= t and (ev_e[e] < 0 or t < ev_e[e]):
                    mt *= m.ev_mult[e]
            mult[s] = mt
            noise = 1.0
            if m.noise_on:
                h = hash_key(seed, scen, STREAM_DEMAND, s, t)
                noise = m.noise_table[s, np.int64(h & np.uint64(NOISE_LEVELS - 1))]
            d = m.rate[s, t] * mt * noise
            dem[s] = d
            up_factor = 1.0
            if mt > 1.0 + m.headroom:
                up_factor = (1.0 + m.headroom) / mt
            r = 0.0
            any_need = False
            for p in range(m.sub_prod_ptr[s], m.sub_prod_ptr[s + 1]):
                pe = pptr[p + 1]
                pos = ppos[p]
                while pos < pe and piv[pos, 1] <= t:
                    pos += 1
                ppos[p] = pos
                dn = pos < pe and piv[pos, 0] <= t
                down[p] = dn
                need = m.share[p] * d if dn else m.share[p] * d * (1.0 - up_factor)
                if need > 0.0:
                    any_need = True
                    take = min(stock[p], need)
                    stock[p] -= take
                    r += need - take
            if any_need:
                in_episode[s] = True
                if gap_start[s] == NONE_DAY:
                    gap_start[s] = t
                    if t == 0 and known[s] != NONE_DAY and known[s] < 0:
                        gap_start[s] = known[s]
            if r > 0.0:
                avail = 0.0
                for p in range(m.sub_prod_ptr[s], m.sub_prod_ptr[s + 1]):
                    if not down[p] and t >= gap_start[s] + m.lead[p]:
                        avail += m.spare[p] * m.rate[s, t]
                r -= min(r, avail)
            if r > 0.0:
                tot = 0.0
                for p in range(m.sub_prod_ptr[s], m.sub_prod_ptr[s + 1]):
                    tot += stock[p]
                if tot > 0.0:
                    if tot <= r:
                        for p in range(m.sub_prod_ptr[s], m.sub_prod_ptr[s + 1]):
                            stock[p] = 0.0
                        r -= tot
                    else:
                        f = r / tot
                        for p in range(m.sub_prod_ptr[s], m.sub_prod_ptr[s + 1]):
                            stock[p] -= stock[p] * f
                        r = 0.0
            if r > 0.0 and prep[s] > 0.0:
                take = min(r, prep[s])
                prep[s] -= take
                prep_out[s] += take
                r -= take
            if r > SHORT_RTOL * d + 1e-9 and first_so[s] < 0:
                first_so[s] = t
            if act[s] == NONE_DAY:
                if m.trigger_stock:
                    tot = 0.0
                    for p in range(m.sub_prod_ptr[s], m.sub_prod_ptr[s + 1]):
                        tot += stock[p]
                    if tot < m.stock_trigger_days * m.mean_demand[s]:
                        act[s] = t
                elif gap_start[s] != NONE_DAY:
                    act[s] = gap_start[s] + m.notice_delay
            rem[s] = r
        # (b2) domestic surge production
        if a1 > a0:
            for ai in range(n_act):
                s = active[ai]
                if rem[s] <= 0.0 or act[s] == NONE_DAY:
                    continue
                r = rem[s]
                for ia in range(m.sub_agr_ptr[k, s], m.sub_agr_ptr[k, s + 1]):
                    a = ia - a0
                    t_first = act[s] + m.agr_response[ia]
                    w = 0.0
                    if t >= t_first and r > 0.0:
                        frac = (t - t_first + 1.0) / (m.agr_ramp[ia] + 1.0)
                        if frac > 1.0:
                            frac = 1.0
                        w = min(m.agr_reserved[ia] * frac, r)
                        limited[a] = False
                        c = m.agr_api_country[ia]
                        if c >= 0 and _api_blocked(
                            rec,
                            key_ptr,
                            key_rec,
                            n_sites,
                            c,
                            s,
                            t,
                            m.ev_stage_mask,
                            m.ev_scoped,
                            m.ev_scope_sub,
                        ):
                            limited[a] = True
                            if api_left[a] < w:
                                w = api_left[a]
                    want[a] = w
                    r -= w
                    if m.joint and w > 0.0:
                        line_load[m.agr_line[ia]] += w / m.agr_cap[ia]
            for ai in range(n_act):
                s = active[ai]
                if rem[s] <= 0.0 or act[s] == NONE_DAY:
                    continue
                for ia in range(m.sub_agr_ptr[k, s], m.sub_agr_ptr[k, s + 1]):
                    a = ia - a0
                    w = want[a]
                    if w <= 0.0:
                        continue
                    if m.joint:
                        load = line_load[m.agr_line[ia]]
                        if load > 1.0:
                            w = w / load
                    rem[s] = max(rem[s] - w, 0.0)
                    surge_out[s] += w
                    if limited[a]:
                        api_left[a] = max(api_left[a] - w, 0.0)
                    want[a] = 0.0
            if m.joint:
                for ai in range(n_act):
                    s = active[ai]
                    for ia in range(m.sub_agr_ptr[k, s], m.sub_agr_ptr[k, s + 1]):
                        line_load[m.agr_line[ia]] = 0.0
        # (c) therapeutic alternatives, in substance order
        if m.joint and m.alt_share > 0.0:
            n_short = 0
            for ai in range(n_act):
                s = active[ai]
                if rem[s] > 0.0 and m.alt_ptr[s + 1] > m.alt_ptr[s]:
                    short_list[n_short] = s
                    n_short += 1
            if n_short > 0:
                order = np.sort(short_list[:n_short])
                for oi in range(n_short):
                    s = order[oi]
                    w = min(rem[s], m.alt_share * dem[s])
                    if w <= 0.0:
                        continue
                    tot = 0.0
                    for qa in range(m.alt_ptr[s], m.alt_ptr[s + 1]):
                        j = m.alt_idx[qa]
                        _catch_up(
                            j,
                            t,
                            stock,
                            last,
                            gap_start,
                            act,
                            in_episode,
                            headroom,
                            cumrate,
                            sub_prod_ptr[j],
                            sub_prod_ptr[j + 1],
                            share,
                            stock0,
                        )
                        for p in range(m.sub_prod_ptr[j], m.sub_prod_ptr[j + 1]):
                            tot += stock[p]
                    if tot <= 0.0:
                        continue
                    take = min(w, tot)
                    f = take / tot
                    for qa in range(m.alt_ptr[s], m.alt_ptr[s + 1]):
                        j = m.alt_idx[qa]
                        for p in range(m.sub_prod_ptr[j], m.sub_prod_ptr[j + 1]):
                            stock[p] -= stock[p] * f
                        in_episode[j] = True
                    rem[s] -= take
                    alt_out[s] += take
        # (d) bookkeeping and end-of-day rebuild
        ai = 0
        while ai < n_act:
            s = active[ai]
            r = rem[s]
            if r > SHORT_RTOL * dem[s] + 1e-9:
                unmet[s] += r
                sdays[s] += 1
                if first_short[s] < 0:
                    first_short[s] = t
            elif r > 0.0:
                unmet[s] += r
            rem[s] = 0.0
            mt = mult[s]
            refill = m.headroom + 1.0 - mt
            all_up = True
            full = True
            for p in range(m.sub_prod_ptr[s], m.sub_prod_ptr[s + 1]):
                if down[p]:
                    all_up = False
                elif refill > 0.0:
                    v = stock[p] + m.share[p] * m.rate[s, t] * refill
                    if v >= m.stock0[p]:
                        v = m.stock0[p]
                    stock[p] = v
                if stock[p] < m.stock0[p] - TARGET_RTOL * (m.stock0[p] + 1.0):
                    full = False
            if all_up and mt == 1.0 and full:
                in_episode[s] = False
                gap_start[s] = NONE_DAY
                act[s] = NONE_DAY
            last[s] = t + 1
            if cur_end[s] <= t + 1:
                is_active[s] = False
                n_act -= 1
                active[ai] = active[n_act]
            else:
                ai += 1
        t += 1
    # national figures
    return 0


@njit(cache=True, parallel=True)
def run_chunk(
    m,
    seed,
    first_scenario,
    out_unmet,
    out_sdays,
    out_first_short,
    out_first_stockout,
    out_surge,
    out_prep,
    out_alt,
    out_national,
):
    """Simulate scenarios first_scenario … first_scenario + rows − 1 for every option.

    Outputs are (options, rows, substances) except `out_national` (options, rows, 4): weighted
    unmet DDD, unmet DDD, any shortage, any vital shortage.
    """
    rows = out_unmet.shape[1]
    n_subs = out_unmet.shape[2]
    for row in prange(rows):
        scen = first_scenario + row
        rec, count, occurs, ev_s, ev_e, known = draw_scenario(m, seed, scen)
        pptr, piv, key_ptr, key_rec = product_intervals(m, rec, count)
        sptr, siv = _substance_intervals(m, pptr, piv, occurs, ev_s, ev_e)
        start_order = np.argsort(siv[:, 0], kind="mergesort")
        for k in range(m.n_options):
            for s in range(n_subs):
                out_unmet[k, row, s] = 0.0
                out_sdays[k, row, s] = 0
                out_first_short[k, row, s] = -1
                out_first_stockout[k, row, s] = -1
                out_surge[k, row, s] = 0.0
                out_prep[k, row, s] = 0.0
                out_alt[k, row, s] = 0.0
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
                sptr,
                siv,
                start_order,
                occurs,
                ev_s,
                ev_e,
                known,
                out_unmet,
                out_sdays,
                out_first_short,
                out_first_stockout,
                out_surge,
                out_prep,
                out_alt,
                row,
            )
            wsum = 0.0
            usum = 0.0
            anys = 0.0
            anyv = 0.0
            for s in range(n_subs):
                wsum += m.weight[s] * out_unmet[k, row, s]
                usum += out_unmet[k, row, s]
                if out_sdays[k, row, s] > 0:
                    anys = 1.0
                    if m.vital[s]:
                        anyv = 1.0
            out_national[k, row, 0] = wsum
            out_national[k, row, 1] = usum
            out_national[k, row, 2] = anys
            out_national[k, row, 3] = anyv
