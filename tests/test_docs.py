"""docs/bundle.md is generated from the entity declarations and must be up to date."""

from __future__ import annotations

from pathlib import Path

from beredt.domain.schema import ENTITIES
from beredt.ingest.bundle_doc import render_bundle_doc

DOCS = Path(__file__).parents[1] / "docs"


def test_bundle_doc_is_up_to_date() -> None:
    committed = (DOCS / "bundle.md").read_text(encoding="utf-8")
    assert committed == render_bundle_doc(), (
        "docs/bundle.md is stale: run `python -m beredt.ingest.bundle_doc docs/bundle.md`"
    )


def test_bundle_doc_documents_every_column_with_its_unit() -> None:
    text = render_bundle_doc()
    for spec in ENTITIES:
        assert f"### `{spec.file}`" in text
        for column in spec.columns:
            row = next(
                line for line in text.splitlines() if line.startswith(f"| `{column.name}` |")
            )
            if column.unit:
                assert f"| {column.unit} |" in row
