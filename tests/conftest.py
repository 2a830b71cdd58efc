"""Shared fixtures: the small hand-made bundle, its dataset, and the Hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from beredt.domain.bundle import Bundle
from beredt.domain.dataset import Dataset, build_dataset
from beredt.ingest.bundle import read_bundle

DATA = Path(__file__).parent / "data"
SMALL_BUNDLE = DATA / "small"

# Reproducible property tests on a slow 2-core CI machine: no deadline, derandomised, bounded.
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=40)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def small_bundle_path() -> Path:
    """Folder of the small hand-made test bundle."""
    return SMALL_BUNDLE


@pytest.fixture(scope="session")
def small_bundle() -> Bundle:
    """The small test bundle, read and validated."""
    return read_bundle(SMALL_BUNDLE)


@pytest.fixture(scope="session")
def small_dataset(small_bundle: Bundle) -> Dataset:
    """The analytic snapshot of the small bundle on its as-of date."""
    return build_dataset(small_bundle)
