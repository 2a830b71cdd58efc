"""The Norwegian sample bundle (data/sample-no): generated deterministically, valid, and grounded.

The generator is ``scripts/make_sample_no.py``; the committed bundle must be exactly what it
writes, and its figures must respect the rules SOURCES.md states.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from beredt.domain.bundle import Bundle
from beredt.domain.dataset import Dataset, build_dataset
from beredt.ingest.bundle import read_bundle

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "src" / "beredt" / "data" / "sample-no"
SCRIPT = REPO / "scripts" / "make_sample_no.py"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sample_no", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_sample_no"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    """The generator script as a module."""
    return _load_generator()


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    """The committed sample bundle, read and validated."""
    return read_bundle(SAMPLE)


@pytest.fixture(scope="module")
def dataset(bundle: Bundle) -> Dataset:
    """The sample's analytic snapshot on its as-of date."""
    return build_dataset(bundle)


def test_regenerating_gives_byte_identical_files(generator: ModuleType, tmp_path: Path) -> None:
    written = generator.write_sample(tmp_path)
    names = sorted(p.name for p in written)
    committed = sorted(p.name for p in SAMPLE.iterdir() if p.is_file())
    assert names == committed
    for name in names:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_bundle_is_valid_and_illustrative(bundle: Bundle) -> None:
    meta = bundle.meta
    assert (meta.country, meta.currency, str(meta.as_of)) == ("NO", "NOK", "2026-11-01")
    assert meta.illustrative is True
    assert meta.population == 5_500_000
    assert "illustrative" in meta.title
