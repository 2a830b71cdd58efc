"""The bokmål report has no raw codes and no English sentences (issue 15).

One ``beredt run`` of the shipped Norwegian sample (with the shipped scenario library and
policy, so every kind of text the report can carry appears) in bokmål; then every text a reader
of the bokmål page sees — paragraphs, key figures, table headers and cells, chart labels of the
interactive charts — and every cell of the bokmål workbook is checked. Titles of cited
publications are the only English allowed (a citation keeps its title).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from openpyxl import load_workbook

from beredt.app.analyses import RunParameters
from beredt.app.pipeline import RunOptions, RunResult, run_pipeline
from beredt.domain.dataset import Dataset
from beredt.views.fmt import CODE_LABELS

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "beredt" / "data" / "sample-no"

#: Codes whose bokmål name differs from the code: the code itself must never be shown.
CODES = {code for code, (nb, _en) in CODE_LABELS.items() if nb != code}

#: Words that give an English sentence away (and are not bokmål words).
ENGLISH = {
    "the", "and", "of", "is", "are", "with", "without", "which", "this", "that", "not", "from",
    "when", "their", "each", "every", "than", "an", "was", "were", "would", "could", "it", "its",
    "been", "has", "have", "on", "at", "or", "to", "a", "be", "by", "days", "year", "stock",
    "demand", "supply", "shortage", "loss", "cut", "taken", "weeks",
}  # fmt: skip
BOKMAL = {
    "og", "av", "er", "med", "uten", "som", "ikke", "fra", "når", "hver", "enn", "det", "den",
    "på", "til", "i", "en", "et", "per", "år", "eller", "har", "de", "dager", "uker", "lager",
}  # fmt: skip

#: (table, column) whose cells are titles of cited publications.
CITATIONS = {
    ("methods.sources", "source"),
    ("methods.sources", "url"),
    ("industry.industry", "source"),
}

#: Columns of identifiers a script reads (parameter keys, scenario file names): not prose.
IDENTIFIERS = {"key", "item", "scenario", "file"}
#: Their headers in the bokmål workbook, and those of the citation columns.
IDENTIFIER_HEADERS = {"Nøkkel", "Scenario", "Fil"}
CITATION_HEADERS = {"Kilde", "Adresse", "Kilde (sitert)"}


def _vocabulary() -> tuple[set[str], set[str]]:
    """Words only the English texts of the report use, and words only the bokmål ones use."""
    from beredt.views.i18n import COLUMNS, MESSAGES

    pairs = [*MESSAGES.values(), *COLUMNS.values()]
    en = {w for _nb, e in pairs for w in re.findall(r"[a-zæøå']+", e.lower())}
    nb = {w for n, _en in pairs for w in re.findall(r"[a-zæøå']+", n.lower())}
    return (en - nb) | ENGLISH, (nb - en) | BOKMAL


EN_WORDS, NB_WORDS = _vocabulary()


def english(text: str) -> bool:
    """A sentence in English: at least two words only English texts use, and more of them than
    of words only bokmål texts use (the vocabularies are the report's own two languages)."""
    words = re.findall(r"[a-zæøå']+", text.lower())
    en = {w for w in words if w in EN_WORDS}
    nb = {w for w in words if w in NB_WORDS}
    return len(words) >= 3 and len(en) >= 2 and len(en) > len(nb)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """The sample in bokmål (modest draws: the texts, not the figures, are under test)."""
    out = tmp_path_factory.mktemp("nb")
    return run_pipeline(
        RunOptions(
            bundle=SAMPLE,
            out=out / "out",
            lang="nb",
            db=f"sqlite:///{out}/store.db",
            parameters=RunParameters(scenarios=128, frontier_points=3),
        )
    )


def _bokmal_page(path: Path) -> Any:
    page = lxml_html.fromstring(path.read_bytes())
    for node in page.xpath('//*[@lang="en"]'):
        if node.tag != "html":
            node.getparent().remove(node)
    return page


def _texts(node: Any) -> Iterator[str]:
    for text in (node.text, node.tail):
        if text and text.strip():
            yield text.strip()


def _plotly_strings(spec: Any) -> Iterator[str]:
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("name", "text", "label", "title", "hovertemplate") and isinstance(
                value, str
            ):
                yield value
            else:
                yield from _plotly_strings(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from _plotly_strings(item)


def test_the_bokmal_page_shows_no_code_and_no_english_sentence(run: RunResult) -> None:
    page = _bokmal_page(run.report_html)
    problems: list[str] = []
    kept = []  # lxml proxies: held, so that their ids stay theirs
    for table in page.xpath("//table[@data-table]"):
        name = table.get("data-table")
        columns = [th.get("data-col") for th in table.xpath(".//thead/tr/th")]
        for row in table.xpath(".//tbody/tr"):
            for column, cell in zip(columns, row.xpath("./td"), strict=True):
                if (name, column) in CITATIONS or column in IDENTIFIERS:
                    kept.extend(cell.iter())
    skipped = {id(n) for n in kept}
    for node in page.iter():
        if id(node) in skipped or node.tag in ("script", "style"):
            continue
        for text in _texts(node):
            if text in CODES:
                problems.append(f"code {text!r}")
            elif english(text):
                problems.append(f"English: {text[:120]!r}")
    for script in page.xpath('//script[@type="application/json"]'):
        if not (script.get("id") or "").endswith("-nb"):
            continue
        for text in _plotly_strings(json.loads(script.text)):
            if text in CODES or english(re.sub(r"<[^>]+>|%\{[^}]*\}", " ", text)):
                problems.append(f"chart: {text[:120]!r}")
    assert not problems, f"{len(problems)} untranslated texts:\n" + "\n".join(sorted(set(problems)))


def test_the_bokmal_workbook_shows_no_code_and_no_english_sentence(run: RunResult) -> None:
    from openpyxl.utils.cell import range_boundaries

    workbook = load_workbook(run.report_xlsx)
    problems = []
    for sheet in workbook.worksheets:
        skipped: set[tuple[int, int]] = set()  # (row, column) of identifier and citation cells
        for table in sheet.tables.values():
            first_col, first_row, last_col, last_row = range_boundaries(table.ref)
            for col in range(first_col, last_col + 1):
                if sheet.cell(first_row, col).value in IDENTIFIER_HEADERS | CITATION_HEADERS:
                    skipped.update((r, col) for r in range(first_row + 1, last_row + 1))
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if not isinstance(value, str) or (cell.row, cell.column) in skipped:
                    continue
                if value in CODES or english(value):
                    problems.append(f"{sheet.title}: {value[:120]!r}")
    assert not problems, f"{len(problems)} untranslated cells:\n" + "\n".join(sorted(set(problems)))


def test_the_checks_find_what_they_look_for() -> None:
    # the detector itself: English sentences, raw codes and bokmål apart
    assert english("not taken: the line cannot carry it beside the reservations chosen")
    assert english("98 % of demand depends on API from India")
    assert not english("98 % av behovet avhenger av virkestoff (API) fra India")
    assert not english("electrolytes (sodium chloride 9 mg/ml, Ringer's acetate)")
    assert english("common causes make the true figure lower")
    assert {"essential", "other_products", "not_needed", "too_late"} <= CODES


def test_every_risk_driver_of_the_sample_has_a_bokmal_wording(sample_dataset: Dataset) -> None:
    from beredt.risk import score
    from beredt.views.phrases import to_nb, translated

    table = score(sample_dataset).substances
    phrases = {
        str(v)
        for c in ("driver_1", "driver_2", "driver_3")
        for v in table[c]
        if isinstance(v, str) and v
    }
    assert len(phrases) > 50
    missing = sorted(p for p in phrases if not translated(p))
    assert not missing, missing[:10]
    # numbers and country names follow bokmål
    assert to_nb("92 % of demand depends on API from China") == (
        "92 % av behovet avhenger av virkestoff (API) fra Kina"
    )
    assert to_nb("HHI 5,000") == "HHI 5\u00a0000"
