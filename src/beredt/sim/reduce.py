"""Percentiles over scenarios of per-scenario values, without copying them (Numba).

``numpy.percentile`` along the scenario axis of a (K × N × S) array copies and partitions it,
and the conditional percentiles (first days given one) need a NaN-filled float copy first: at
national size that took seconds after the simulation had finished. The values here are never
negative (DDD, days; −1 marks "none" for first days), so a column sorted is its zeros followed
by its positive values sorted: only the positive values of each column are gathered and sorted.
The result is NumPy's default ("linear", Hyndman & Fan's type 7) estimate, with NumPy's
interpolation formula, so the numbers are those of ``numpy.percentile`` / ``nanpercentile``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: Substances per block: rows of a block are gathered from contiguous runs of memory.
_BLOCK = 64


@njit(cache=True, nogil=True)
def _column_percentiles(buf, m, zeros, q, out, k, s):
    """Percentiles q (in %) of `zeros` zeros and the m positive values buf[:m], into out."""
    n = zeros + m
    if n == 0:
        for j in range(q.shape[0]):
            out[j, k, s] = np.nan
        return
    vals = np.sort(buf[:m])
    for j in range(q.shape[0]):
        virtual = (q[j] / 100.0) * (n - 1)
        lo = math.floor(virtual)
        gamma = virtual - lo
        hi = min(lo + 1, n - 1)
        lo = max(min(lo, n - 1), 0)
        a = 0.0 if lo < zeros else vals[lo - zeros]
        b = 0.0 if hi < zeros else vals[hi - zeros]
        diff = b - a
        if gamma >= 0.5:
            out[j, k, s] = b - diff * (1.0 - gamma)
        else:
            out[j, k, s] = a + diff * gamma


@njit(cache=True, nogil=True)
def _percentile_block(block, q, conditional, s0, out):
    """Percentiles of the columns of `block` (K × N × width, float64), substances s0 + c."""
    k_opts, n, width = block.shape
    pos = np.empty((width, n), dtype=np.float64)
    count = np.zeros(width, dtype=np.int64)
    zeros = np.zeros(width, dtype=np.int64)
    for k in range(k_opts):
        count[:] = 0
        zeros[:] = 0
        for i in range(n):
            for c in range(width):
                v = block[k, i, c]
                if v > 0:
                    pos[c, count[c]] = v
                    count[c] += 1
                elif v == 0 or not conditional:
                    zeros[c] += 1
        for c in range(width):
            _column_percentiles(pos[c], count[c], zeros[c], q, out, k, s0 + c)


def percentiles(
    values: np.ndarray, q: tuple[float, ...], *, conditional: bool = False, threads: int = 1
) -> np.ndarray:
    """Percentiles `q` (in %) over axis 1 of `values` (K × N × S, never negative): (len(q), K, S).

    With `conditional`, negative values mean "did not happen" and are left out (NaN where a
    column has none), as ``numpy.nanpercentile`` on the values with NaN for them would.
    """
    k_opts, _, n_subs = values.shape
    out = np.empty((len(q), k_opts, n_subs))
    qs = np.asarray(q, dtype=np.float64)

    def run(s0: int) -> None:
        # a contiguous float64 copy of 64 columns: one compiled signature for every dtype
        block = np.ascontiguousarray(values[:, :, s0 : s0 + _BLOCK], dtype=np.float64)
        _percentile_block(block, qs, bool(conditional), s0, out)

    starts = range(0, n_subs, _BLOCK)
    if threads <= 1 or n_subs <= _BLOCK:
        for s0 in starts:
            run(s0)
        return out
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for job in [pool.submit(run, s0) for s0 in starts]:
            job.result()
    return out
