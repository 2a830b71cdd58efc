"""Percentiles over scenarios (beredt.sim.reduce) are NumPy's, number for number."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from beredt.sim.reduce import percentiles

Q = (5.0, 50.0, 95.0)


@pytest.mark.parametrize("threads", [1, 2])
def test_percentiles_equal_numpy(threads: int) -> None:
    rng = np.random.default_rng(3)
    k, n, s = 2, 1001, 150  # more than one block of substances
    values = np.where(rng.random((k, n, s)) < 0.1, rng.gamma(2.0, 50.0, (k, n, s)), 0.0)
    values[:, :, 0] = 0.0  # never short
    values[:, :, 1] = rng.gamma(2.0, 50.0, (k, n))  # always short
    values[:, :3, 2] = 7.5  # a few equal values
    got = percentiles(values, Q, threads=threads)
    np.testing.assert_array_equal(got, np.percentile(values, Q, axis=1))
    days = rng.integers(0, 30, (k, n, s)).astype(np.int16)
    np.testing.assert_array_equal(
        percentiles(days, Q, threads=threads), np.percentile(days, Q, axis=1)
    )


def test_conditional_percentiles_equal_nanpercentile() -> None:
    rng = np.random.default_rng(4)
    k, n, s = 1, 640, 70
    first = np.where(rng.random((k, n, s)) < 0.05, rng.integers(0, 365, (k, n, s)), -1)
    first = first.astype(np.int16)
    first[:, :, 3] = -1  # never happens: NaN
    first[:, :5, 4] = 0  # happens on day 0 (zero is a value, not "none")
    first[:, :, 5] = -1
    first[0, 17, 5] = 42  # happens once
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        expected = np.nanpercentile(np.where(first >= 0, first, np.nan), Q, axis=1)
    got = percentiles(first, Q, conditional=True)
    np.testing.assert_array_equal(got, expected)
    assert np.isnan(got[:, 0, 3]).all()
    assert (got[:, 0, 5] == 42).all()
