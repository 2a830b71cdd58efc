"""Simulated supply outages (which packs are down when), without stock: what the record sees.

The shortage record reports supply outages, so the back-test and the outlook compare the record
with the simulator's own down spells of every pack — the same draws (``draw_scenario``) and the
same series/parallel interval algebra (``product_intervals``) as the full simulation — before
any stock, substitution or surge production. Counting follows the record's conventions
(:mod:`beredt.calibrate.record`): a pack's down spell is one episode; spells that start on the
same day on every pack of a substance with several packs are one substance-level episode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from beredt.domain.dataset import Dataset
from beredt.sim.kernel import draw_scenario, product_intervals
from beredt.sim.model import CompiledModel, Policies, compile_model
from beredt.sim.scenario import Background, ModelParameters, Scenario


def observed_state_scenario(*, open_shortages: bool = True) -> Scenario:
    """The background with the dataset's open notices forced, started from the observed state."""
    return Scenario(
        name="background (observed start)",
        background=Background(stationary_start=False),
        model=ModelParameters(open_shortages=open_shortages, demand_noise=False),
    )


@dataclass(frozen=True)
class OutageDraws:
    """Per scenario: episodes starting in the window, their durations, down-time and firsts."""

    window: tuple[int, int]  # [first day, last day] counted, days from the as-of date
    episodes: np.ndarray  # (N,) episodes starting in the window
    substance_days_down: np.ndarray  # (N,) Σ share × days down inside the window
    first_start: np.ndarray  # (N, S) first episode start day in the window, −1 if none
    durations: np.ndarray  # observed days of every episode (all scenarios)
    censored: np.ndarray  # whether each duration runs to the end of the simulated time
    horizon_days: int  # days simulated


def simulate_outages(
    dataset: Dataset,
    *,
    window: tuple[int, int],
    horizon_days: int,
    n_scenarios: int,
    seed: int,
    scenario: Scenario | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> OutageDraws:
    """Draw the down spells of every pack over `horizon_days` in `n_scenarios` scenarios.

    Episodes are counted when they start in ``window`` = [first, last] (days from the as-of
    date); durations are observed up to the end of the simulated time (censored there).
    """
    model: CompiledModel = compile_model(
        dataset,
        scenario or observed_state_scenario(),
        Policies.today(dataset),
        horizon_days,
        mode="decomposed",
    )
    k = model.kernel
    n_subs = dataset.n_substances
    prod_sub = np.asarray(k.prod_sub)
    share = np.asarray(k.share, dtype=float)
    real = np.array([bool(p) for p in model.product_ids])
    n_packs = np.bincount(prod_sub[real], minlength=n_subs)
    lo, hi = window
    episodes = np.zeros(n_scenarios, dtype=np.int64)
    down = np.zeros(n_scenarios)
    first = np.full((n_scenarios, n_subs), -1, dtype=np.int64)
    durations: list[np.ndarray] = []
    censored: list[np.ndarray] = []
    for i in range(n_scenarios):
        rec, count, *_ = draw_scenario(k, seed, i)
        ptr, iv, _, _ = product_intervals(k, rec, count)
        if len(iv) == 0:
            if progress:
                progress(i + 1, n_scenarios)
            continue
        owner = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
        keep = real[owner]
        owner, iv = owner[keep], iv[keep]
        start, end = iv[:, 0], iv[:, 1]
        overlap = np.clip(np.minimum(end, hi + 1) - np.maximum(start, lo), 0, None)
        down[i] = float((share[owner] * overlap).sum())
        inside = (start >= lo) & (start <= hi)
        if inside.any():
            subs = prod_sub[owner[inside]]
            days = start[inside]
            pairs, first_idx, counts = np.unique(
                np.stack([subs, days]), axis=1, return_index=True, return_counts=True
            )
            whole = (counts == n_packs[pairs[0]]) & (n_packs[pairs[0]] > 1)
            episodes[i] = int(np.where(whole, 1, counts).sum())
            # one duration per episode: a substance-level one counts once
            dur_idx = np.nonzero(inside)[0]
            per_pair = np.zeros(len(dur_idx), dtype=bool)
            pair_of = np.searchsorted(pairs[0] * (hi + 2) + pairs[1], subs * (hi + 2) + days)
            per_pair[first_idx] = True
            take = ~whole[pair_of] | per_pair
            sel = dur_idx[take]
            durations.append(end[sel] - start[sel])
            censored.append(end[sel] >= horizon_days)
            order = np.lexsort((days, subs))
            s_sorted, d_sorted = subs[order], days[order]
            firsts = np.ones(len(s_sorted), dtype=bool)
            firsts[1:] = s_sorted[1:] != s_sorted[:-1]
            first[i, s_sorted[firsts]] = d_sorted[firsts]
        if progress:
            progress(i + 1, n_scenarios)
    return OutageDraws(
        window=window,
        episodes=episodes,
        substance_days_down=down,
        first_start=first,
        durations=np.concatenate(durations) if durations else np.zeros(0, dtype=np.int64),
        censored=np.concatenate(censored) if censored else np.zeros(0, dtype=bool),
        horizon_days=horizon_days,
    )
