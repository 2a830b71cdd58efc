"""Day-by-day reference implementation of the disruption model (the oracle), in plain NumPy.

Independent of the engine's event-driven machinery: it steps *every* day for *every* substance,
vectorised over scenarios, computing product availability from per-day site and country states
(series over stages, parallel within a stage) rather than from merged intervals, rebuilding
stock day by day rather than lazily, and using its own NumPy implementation of the
counter-based demand-noise hash. It takes the engine's event draws
(:func:`beredt.sim.kernel.draw_scenario`) so that, with the same draws, both must produce the
same numbers. The benchmark uses it as the NumPy day-stepping reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from beredt.sim.kernel import (
    EV_RESTRICT,
    NONE_DAY,
    REC_COUNTRY,
    REC_PRODUCT,
    REC_SITE,
    SHORT_RTOL,
    TARGET_RTOL,
    KernelModel,
    draw_scenario,
)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def noise_index(seed: int, scenarios: np.ndarray, s: np.ndarray, t: int) -> np.ndarray:
    """Low 8 bits of hash(seed, scenario, stream 4, s, t) for every (scenario, substance)."""
    with np.errstate(over="ignore"):
        n = scenarios.astype(np.uint64)[:, None]
        h = _mix(np.full(1, np.uint64(seed)) + _GOLDEN)
        h = _mix(h ^ (n + _GOLDEN))
        h = _mix(h ^ (np.uint64(4) * _GOLDEN))
        h = _mix(h ^ (s.astype(np.uint64)[None, :] + _GOLDEN))
        h = _mix(h ^ (np.uint64(t) * _M1 + _GOLDEN))
    return (h & np.uint64(255)).astype(np.int64)


@dataclass
class Draws:
    """The event draws of a batch of scenarios, flattened."""

    scenario: np.ndarray  # record → row in the batch
    rtype: np.ndarray
    rid: np.ndarray
    scope: np.ndarray
    start: np.ndarray
    end: np.ndarray
    occurs: np.ndarray  # (N, E)
    ev_start: np.ndarray
    ev_end: np.ndarray
    known: np.ndarray  # (N, S)


def draws(m: KernelModel, seed: int, scenarios: np.ndarray) -> Draws:
    """Collect the engine's event draws for `scenarios`."""
    parts = []
    occ, evs, eve, known = [], [], [], []
    for row, n in enumerate(scenarios):
        rec, count, o, s, e, k = draw_scenario(m, seed, int(n))
        r = rec[:count]
        parts.append(np.column_stack([np.full(count, row), r]))
        occ.append(o)
        evs.append(s)
        eve.append(e)
        known.append(k)
    allrec = np.vstack(parts) if parts else np.zeros((0, 6), dtype=np.int64)
    return Draws(
        allrec[:, 0],
        allrec[:, 1],
        allrec[:, 2],
        allrec[:, 3],
        allrec[:, 4],
        allrec[:, 5],
        np.array(occ, dtype=bool).reshape(len(scenarios), -1),
        np.array(evs, dtype=np.int64).reshape(len(scenarios), -1),
        np.array(eve, dtype=np.int64).reshape(len(scenarios), -1),
        np.array(known, dtype=np.int64),
    )


class Structure:
    """Static index arrays derived from the model for day-by-day evaluation."""

    def __init__(self, m: KernelModel) -> None:
        self.n_subs = m.sub_prod_ptr.shape[0] - 1
        self.n_prod = m.prod_sub.shape[0]
        self.sub_of_prod = m.prod_sub
        # flattened (product, group, site) entries
        entry_site, entry_group, entry_prod = [], [], []
        for p in range(self.n_prod):
            for g in range(m.prod_grp_ptr[p], m.prod_grp_ptr[p + 1]):
                for q in range(m.grp_site_ptr[g], m.grp_site_ptr[g + 1]):
                    entry_site.append(m.grp_site[q])
                    entry_group.append(g)
                    entry_prod.append(p)
        self.entry_site = np.array(entry_site, dtype=np.int64)
        self.entry_group = np.array(entry_group, dtype=np.int64)
        self.entry_prod = np.array(entry_prod, dtype=np.int64)
        self.n_groups = int(m.grp_site_ptr.shape[0] - 1)
        self.group_prod = np.zeros(self.n_groups, dtype=np.int64)
        for p in range(self.n_prod):
            self.group_prod[m.prod_grp_ptr[p] : m.prod_grp_ptr[p + 1]] = p
        self.entry_country = m.site_country[self.entry_site]
        self.entry_stage = m.site_stage_bit[self.entry_site]
        self.entry_sub = m.prod_sub[self.entry_prod]


def product_down_day(m: KernelModel, st: Structure, d: Draws, n_rows: int, t: int) -> np.ndarray:
    """Which products are down on day t in each scenario (N × P), from per-day unit states."""
    live = (d.start <= t) & (t < d.end)
    n_sites = m.site_country.shape[0]
    n_countries = m.country_alpha.shape[0]
    site_down = np.zeros((n_rows, n_sites), dtype=bool)
    sel = live & (d.rtype == REC_SITE)
    site_down[d.scenario[sel], d.rid[sel]] = True
    country_all = np.zeros((n_rows, n_countries), dtype=bool)
    sel = live & (d.rtype == REC_COUNTRY) & (d.scope < 0)
    country_all[d.scenario[sel], d.rid[sel]] = True
    withdrawn = np.zeros((n_rows, st.n_prod), dtype=bool)
    sel = live & (d.rtype == REC_PRODUCT)
    withdrawn[d.scenario[sel], d.rid[sel]] = True
    entry_down = site_down[:, st.entry_site] | country_all[:, st.entry_country]
    scoped = np.nonzero(live & (d.rtype == REC_COUNTRY) & (d.scope >= 0))[0]
    for i in scoped:
        e = d.scope[i]
        applies = (
            (st.entry_country == d.rid[i])
            & ((m.ev_stage_mask[e] & st.entry_stage) != 0)
            & ((m.ev_scoped[e] == 0) | (m.ev_scope_sub[e][st.entry_sub] != 0))
        )
        entry_down[d.scenario[i]] |= applies
    # a group (stage) is down when all its sites are down; a product when any group is down
    group_up_count = np.zeros((n_rows, st.n_groups), dtype=np.int64)
    np.add.at(group_up_count.T, st.entry_group, (~entry_down).T.astype(np.int64))
    group_down = group_up_count == 0
    prod_down = withdrawn.copy()
    if st.n_groups:
        down_groups = np.zeros((n_rows, st.n_prod), dtype=np.int64)
        np.add.at(down_groups.T, st.group_prod, group_down.T.astype(np.int64))
        prod_down |= down_groups > 0
    return prod_down


def api_blocked_day(
    m: KernelModel, d: Draws, n_rows: int, t: int, country: int, sub: int
) -> np.ndarray:
    """Whether API exports of `sub` from `country` are restricted on day t (N)."""
    live = (d.start <= t) & (t < d.end) & (d.rtype == REC_COUNTRY) & (d.rid == country)
    out = np.zeros(n_rows, dtype=bool)
    for i in np.nonzero(live)[0]:
        e = d.scope[i]
        if e < 0 or (
            (m.ev_stage_mask[e] & 1) != 0 and (m.ev_scoped[e] == 0 or m.ev_scope_sub[e, sub] != 0)
        ):
            out[d.scenario[i]] = True
    return out


def _segment_sum(x: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """Sum over products of each substance (every substance has at least one product)."""
    return np.add.reduceat(x, ptr[:-1], axis=1)


def run_reference(m: KernelModel, seed: int, first: int, count: int) -> dict[str, np.ndarray]:
    """Simulate scenarios first…first+count−1 day by day; arrays (options, count, substances)."""
    st = Structure(m)
    scen = np.arange(first, first + count)
    d = draws(m, seed, scen)
    horizon = m.horizon
    n_rows = count
    S = st.n_subs
    ptr = m.sub_prod_ptr
    sub = m.prod_sub
    h = m.headroom
    K = m.n_options
    out = {name: np.zeros((K, n_rows, S)) for name in ("unmet", "surge", "prep", "alt", "imports")}
    for name in ("sdays",):
        out[name] = np.zeros((K, n_rows, S), dtype=np.int64)
    for name in ("first_short", "first_stockout"):
        out[name] = np.full((K, n_rows, S), -1, dtype=np.int64)
    out["national"] = np.zeros((K, n_rows, 4))
    rows = np.arange(n_rows)
    subs = np.arange(S)
    n_sites = m.site_country.shape[0]
    del n_sites
    down_by_day = [product_down_day(m, st, d, n_rows, t) for t in range(horizon)]
    mult_by_day = []
    for t in range(horizon):
        mult = np.ones((n_rows, S))
        for s in range(S):
            for q in range(m.sub_surge_ptr[s], m.sub_surge_ptr[s + 1]):
                e = m.sub_surge[q]
                live = (
                    d.occurs[:, e]
                    & (d.ev_start[:, e] <= t)
                    & ((d.ev_end[:, e] < 0) | (t < d.ev_end[:, e]))
                )
                mult[:, s] = np.where(live, mult[:, s] * m.ev_mult[e], mult[:, s])
        mult_by_day.append(mult)
    # groups of alternatives processed in rounds of one substance per ATC4 group, in index order
    alt_rounds: list[list[int]] = []
    seen_groups: dict[tuple[int, ...], int] = {}
    for s in range(S):
        alts = tuple(sorted({s, *m.alt_idx[m.alt_ptr[s] : m.alt_ptr[s + 1]].tolist()}))
        if len(alts) < 2:
            continue
        r = seen_groups.get(alts, 0)
        seen_groups[alts] = r + 1
        while len(alt_rounds) <= r:
            alt_rounds.append([])
        alt_rounds[r].append(s)

    for k in range(K):
        stock = np.tile(m.stock0, (n_rows, 1))
        prep = np.tile(m.prep0[k], (n_rows, 1))
        gap_start = np.full((n_rows, S), NONE_DAY, dtype=np.int64)
        act = np.full((n_rows, S), NONE_DAY, dtype=np.int64)
        a0, a1 = m.agr_ptr[k], m.agr_ptr[k + 1]
        api_left = np.tile(m.agr_api0[a0:a1], (n_rows, 1))
        loss_taken = np.zeros((n_rows, m.ev_tgt.shape[0]))
        prep_taken = np.zeros((n_rows, m.ev_sub.shape[0]))
        unmet, sdays = out["unmet"][k], out["sdays"][k]
        fshort, fso = out["first_short"][k], out["first_stockout"][k]
        for t in range(horizon):
            down = down_by_day[t]
            mult = mult_by_day[t]
            # stock losses and returns of this day, in event order
            for s in range(S):
                for q in range(m.sub_loss_ptr[s], m.sub_loss_ptr[s + 1]):
                    e = m.sub_loss[q]
                    occ = d.occurs[:, e]
                    d0 = np.maximum(d.ev_start[:, e], 0)
                    hit = occ & (d0 == t)
                    back = (
                        occ
                        & ~hit
                        & (d.ev_end[:, e] >= 0)
                        & (d.ev_end[:, e] > d0)
                        & (d.ev_end[:, e] == t)
                    )
                    for tq in range(m.ev_tgt_ptr[e], m.ev_tgt_ptr[e + 1]):
                        p = m.ev_tgt[tq]
                        if sub[p] != s:
                            continue
                        take = np.minimum(stock[:, p], m.ev_tgt_amount[tq])
                        stock[:, p] = np.where(hit, stock[:, p] - take, stock[:, p])
                        loss_taken[:, tq] = np.where(hit, take, loss_taken[:, tq])
                        returned = np.minimum(m.stock0[p], stock[:, p] + loss_taken[:, tq])
                        stock[:, p] = np.where(back, returned, stock[:, p])
                        loss_taken[:, tq] = np.where(back, 0.0, loss_taken[:, tq])
                    for sq in range(m.ev_sub_ptr[e], m.ev_sub_ptr[e + 1]):
                        if m.ev_sub[sq] != s:
                            continue
                        if m.ev_sub_value[sq] > 0:
                            take = prep[:, s] * m.ev_sub_value[sq]
                            prep[:, s] = np.where(hit, prep[:, s] - take, prep[:, s])
                            prep_taken[:, sq] = np.where(hit, take, prep_taken[:, sq])
                        prep[:, s] = np.where(back, prep[:, s] + prep_taken[:, sq], prep[:, s])
                        prep_taken[:, sq] = np.where(back, 0.0, prep_taken[:, sq])
            noise = np.ones((n_rows, S))
            if m.noise_on:
                z = m.noise_z[noise_index(seed, scen, subs, t)]
                noise = np.exp(m.noise_par[0][None, :] * z + m.noise_par[1][None, :])
            dem = m.rate[:, t][None, :] * mult * noise
            up_factor = np.where(mult > 1.0 + h, (1.0 + h) / mult, 1.0)
            need = m.share[None, :] * dem[:, sub] * np.where(down, 1.0, 1.0 - up_factor[:, sub])
            has_need = need > 0.0
            need = np.where(has_need, need, 0.0)
            r = _segment_sum(need, ptr)
            need_total = r.copy()
            any_need = _segment_sum(has_need.astype(np.int64), ptr) > 0
            new_gap = any_need & (gap_start == NONE_DAY)
            start_day = np.full((n_rows, S), t, dtype=np.int64)
            if t == 0:
                start_day = np.where((d.known != NONE_DAY) & (d.known < 0), d.known, start_day)
            gap_start = np.where(new_gap, start_day, gap_start)
            # surge activation, on the stock held before today's draws
            unset = any_need & (act == NONE_DAY)
            if m.trigger_stock:
                low = _segment_sum(stock, ptr) < m.stock_trigger_days * m.mean_demand[None, :]
                act = np.where(unset & low, t, act)
            else:
                act = np.where(unset & (gap_start != NONE_DAY), gap_start + m.notice_delay, act)
            # renewable supply first: spare capacity of the products that are up, after their lead
            ready = ~down & (t >= gap_start[:, sub] + m.lead[None, :])
            avail = _segment_sum(
                np.where(ready, m.spare[None, :] * m.rate[sub, t][None, :], 0.0), ptr
            )
            r = np.where(r > 0.0, r - np.minimum(r, avail), r)
            # domestic surge production
            if a1 > a0:
                want = np.zeros((n_rows, a1 - a0))
                limited = np.zeros((n_rows, a1 - a0), dtype=bool)
                line_load = np.zeros((n_rows, m.n_lines))
                left = r.copy()
                for ia in range(a0, a1):
                    a = ia - a0
                    s = m.agr_sub[ia]
                    ok = (r[:, s] > 0.0) & (act[:, s] != NONE_DAY)
                    t_first = act[:, s] + m.agr_response[ia]
                    go = ok & (t >= t_first) & (left[:, s] > 0.0)
                    frac = np.minimum((t - t_first + 1.0) / (m.agr_ramp[ia] + 1.0), 1.0)
                    w = np.where(go, np.minimum(m.agr_reserved[ia] * frac, left[:, s]), 0.0)
                    c = m.agr_api_country[ia]
                    if c >= 0:
                        blocked = go & api_blocked_day(m, d, n_rows, t, c, s)
                        limited[:, a] = blocked
                        w = np.where(blocked, np.minimum(w, api_left[:, a]), w)
                    want[:, a] = w
                    left[:, s] = np.where(ok, left[:, s] - w, left[:, s])
                    if m.joint:
                        line_load[:, m.agr_line[ia]] += np.where(w > 0, w / m.agr_cap[ia], 0.0)
                for ia in range(a0, a1):
                    a = ia - a0
                    s = m.agr_sub[ia]
                    w = want[:, a]
                    if m.joint:
                        load = line_load[:, m.agr_line[ia]]
                        w = np.where(load > 1.0, w / np.where(load > 1.0, load, 1.0), w)
                    pos = w > 0.0
                    r[:, s] = np.where(pos, np.maximum(r[:, s] - w, 0.0), r[:, s])
                    out["surge"][k][:, s] += np.where(pos, w, 0.0)
                    api_left[:, a] = np.where(
                        pos & limited[:, a], np.maximum(api_left[:, a] - w, 0.0), api_left[:, a]
                    )
            # exemption import: a share of the day's mean demand from its lead time after the gap
            imp_share, imp_lead = m.sub_imp[0], m.sub_imp[1]
            ready = (gap_start != NONE_DAY) & (t >= gap_start + imp_lead[None, :])
            cap = np.where(ready & (r > 0.0), imp_share[None, :] * m.rate[:, t][None, :], 0.0)
            w = np.minimum(r, cap)
            r = r - w
            out["imports"][k] += w
            # then stock: each product's own for what it still misses
            frac_left = np.where(
                need_total > 0.0, r / np.where(need_total > 0, need_total, 1.0), 0.0
            )
            want_p = need * frac_left[:, sub]
            take = np.minimum(stock, want_p)
            stock = stock - take
            r = np.where(r > 0.0, _segment_sum(want_p - take, ptr), r)
            # stock of the other products
            tot = _segment_sum(stock, ptr)
            use = (r > 0.0) & (tot > 0.0)
            all_used = use & (tot <= r)
            part = use & ~all_used
            f = np.where(part, r / np.where(tot > 0, tot, 1.0), 0.0)
            stock = np.where(all_used[:, sub], 0.0, stock)
            stock = np.where(part[:, sub], stock - stock * f[:, sub], stock)
            r = np.where(all_used, r - tot, np.where(part, 0.0, r))
            # preparedness stock
            usep = (r > 0.0) & (prep > 0.0)
            tp = np.where(usep, np.minimum(r, prep), 0.0)
            prep = prep - tp
            out["prep"][k] += tp
            r = r - tp
            so = (r > SHORT_RTOL * dem + 1e-9) & (fso < 0)
            fso[so] = t
            # therapeutic alternatives, one substance per group and round, in index order
            if m.joint and m.alt_share > 0.0:
                for round_subs in alt_rounds:
                    for s in round_subs:
                        alts = m.alt_idx[m.alt_ptr[s] : m.alt_ptr[s + 1]]
                        w = np.where(
                            r[:, s] > 0.0, np.minimum(r[:, s], m.alt_share * dem[:, s]), 0.0
                        )
                        alt_prods = np.concatenate([np.arange(ptr[j], ptr[j + 1]) for j in alts])
                        tot = stock[:, alt_prods].sum(axis=1)
                        go = (w > 0.0) & (tot > 0.0)
                        tk = np.where(go, np.minimum(w, tot), 0.0)
                        f = np.where(go, tk / np.where(tot > 0, tot, 1.0), 0.0)
                        stock[:, alt_prods] = stock[:, alt_prods] - stock[:, alt_prods] * f[:, None]
                        r[:, s] -= tk
                        out["alt"][k][:, s] += tk
            # accounting
            short = r > SHORT_RTOL * dem + 1e-9
            unmet += np.where(r > 0.0, r, 0.0)
            sdays += short
            first = short & (fshort < 0)
            fshort[first] = t
            # end-of-day rebuild of the stock of products that are up
            refill = h + 1.0 - mult
            grow = ~down & (refill[:, sub] > 0.0)
            stock = np.where(
                grow,
                np.minimum(
                    stock + m.share[None, :] * m.rate[sub, t][None, :] * refill[:, sub],
                    m.stock0[None, :],
                ),
                stock,
            )
            all_up = _segment_sum(down.astype(np.int64), ptr) == 0
            full = (
                _segment_sum(
                    (stock < m.stock0[None, :] - TARGET_RTOL * (m.stock0[None, :] + 1.0)).astype(
                        np.int64
                    ),
                    ptr,
                )
                == 0
            )
            end = all_up & (mult == 1.0) & full
            gap_start = np.where(end, NONE_DAY, gap_start)
            act = np.where(end, NONE_DAY, act)
        out["national"][k][:, 0] = (unmet * m.weight[None, :]).sum(axis=1)
        out["national"][k][:, 1] = unmet.sum(axis=1)
        out["national"][k][:, 2] = (sdays > 0).any(axis=1)
        out["national"][k][:, 3] = ((sdays > 0) & m.vital[None, :]).any(axis=1)
    del rows
    return out


def reference_product_down(m: KernelModel, seed: int, scenario: int) -> np.ndarray:
    """Product availability of one scenario day by day (T × P), for checking the intervals."""
    st = Structure(m)
    d = draws(m, seed, np.array([scenario]))
    return np.array([product_down_day(m, st, d, 1, t)[0] for t in range(m.horizon)])


__all__ = ["EV_RESTRICT", "reference_product_down", "run_reference"]
