"""Counter-based random numbers: every draw is a pure function of (seed, scenario, stream, keys).

A draw never depends on how many draws came before it, so results are identical whatever the
chunking of scenarios, the number of threads or workers, or the preparedness policy being
evaluated (common random numbers). The mixing function is the SplitMix64 finaliser (Steele,
Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014), applied to a chain
of keys as in counter-based generators (Salmon et al., "Parallel random numbers: as easy as
1, 2, 3", SC 2011).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53

#: Stream identifiers: every kind of draw has its own stream.
STREAM_SITE = 1
STREAM_COUNTRY = 2
STREAM_EVENT = 3
STREAM_DEMAND = 4


@njit(cache=True, inline="always")
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser: a bijective 64-bit mix with full avalanche."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def key_base(seed: int, scenario: int, stream: int, a: int) -> np.uint64:
    """The hash of (seed, scenario, stream, a): combine with :func:`hash_from_base` per b."""
    h = mix64(np.uint64(seed) + _GOLDEN)
    h = mix64(h ^ (np.uint64(scenario) + _GOLDEN))
    h = mix64(h ^ (np.uint64(stream) * _GOLDEN))
    return mix64(h ^ (np.uint64(a) + _GOLDEN))


@njit(cache=True, inline="always")
def hash_from_base(base: np.uint64, b: int) -> np.uint64:
    """64 random bits for (…, b) given the key_base of the rest: one mixing round per draw."""
    return mix64(base ^ (np.uint64(b) * _M1 + _GOLDEN))


@njit(cache=True, inline="always")
def hash_key(seed: int, scenario: int, stream: int, a: int, b: int) -> np.uint64:
    """64 random bits for the key (seed, scenario, stream, a, b)."""
    return hash_from_base(key_base(seed, scenario, stream, a), b)


@njit(cache=True, inline="always")
def uniform(seed: int, scenario: int, stream: int, a: int, b: int) -> float:
    """A uniform number in the open interval (0, 1) for the key (seed, scenario, stream, a, b)."""
    return (float(hash_key(seed, scenario, stream, a, b) >> _S11) + 0.5) * _INV53


@njit(cache=True, inline="always")
def uniform_from_base(base: np.uint64, b: int) -> float:
    """:func:`uniform` for (…, b) given the :func:`key_base` of the rest (the same number)."""
    return (float(hash_from_base(base, b) >> _S11) + 0.5) * _INV53
