"""The bokmål pages of the dashboard show no raw code and no English sentence (as the report).

Every page, as the administrator (who opens them all), on the shipped Norwegian sample with a
response plan made: every text a reader sees outside the cells of names and ids from the data
is checked with the report test's detector, extended with the pages' own vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html as lxml_html

from beredt.api import create_app
from beredt.app import accounts, workflow
from beredt.app.context import open_store
from beredt.ingest.bundle import read_bundle
from beredt.views.web_text import WEB, WEB_CODES, WEB_COLUMNS
from tests.test_report_bokmal import BOKMAL, CODES, ENGLISH, SAMPLE
from tests.web_support import PASSWORD, sign_in

pytestmark = pytest.mark.slow

#: Table columns of names and ids from the data (and citations), not prose.
DATA_COLUMNS = {
    "name", "title", "source", "notice_id", "atc_code", "product_id", "line_id", "offer_id",
    "agreement_id", "company_id", "holder", "job_id", "ma_holder_id", "series", "created_by",
    "account", "partner_country", "group", "key", "url",
}  # fmt: skip


def _vocabulary() -> tuple[set[str], set[str]]:
    from beredt.views.i18n import COLUMNS, MESSAGES

    pairs = [*MESSAGES.values(), *COLUMNS.values(), *WEB.values(), *WEB_COLUMNS.values()]
    en = {w for _nb, e in pairs for w in re.findall(r"[a-zæøå']+", e.lower())}
    nb = {w for n, _en in pairs for w in re.findall(r"[a-zæøå']+", n.lower())}
    return (en - nb) | ENGLISH, (nb - en) | BOKMAL


EN_WORDS, NB_WORDS = _vocabulary()
ALL_CODES = CODES | {c for c, (nb, _en) in WEB_CODES.items() if nb != c}


def english(text: str) -> bool:
    """The report test's rule: at least two words only English texts use, and more of them
    than of words only bokmål texts use."""
    words = re.findall(r"[a-zæøå']+", text.lower())
    en = {w for w in words if w in EN_WORDS}
    nb = {w for w in words if w in NB_WORDS}
    return len(words) >= 3 and len(en) >= 2 and len(en) > len(nb)


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """The administrator signed in on the sample, with a response plan made."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web-nb') / 'store.db'}"
    store = open_store(url)
    store.import_bundle(read_bundle(SAMPLE), who="test")
    accounts.add_account(store, "admin", "admin", password=PASSWORD, who="test")
    notice = next(r for r in workflow.notice_rows(store) if str(r["status"]) == "ongoing")
    workflow.refresh_plan(store, notice["notice_id"], who="test")
    store.dispose()
    with TestClient(create_app(url, job_workers=0)) as client:
        assert sign_in(client, "admin").status_code == 303
        yield client, str(notice["notice_id"])


def _problems(page: Any) -> list[str]:
    for node in page.xpath("//script|//style|//code"):
        node.getparent().remove(node)
    for cell in page.xpath("//td[@data-col]"):
        if cell.get("data-col") in DATA_COLUMNS:
            cell.getparent().remove(cell)
    found = []
    for node in page.xpath("//body//*"):
        for text in (node.text, node.tail):
            if not text or not text.strip():
                continue
            text = text.strip()
            if text in ALL_CODES:
                found.append(f"code {text!r}")
            elif english(text):
                found.append(f"English {text[:120]!r}")
    return found


def test_every_bokmal_page_shows_no_code_and_no_english_sentence(
    admin: tuple[TestClient, str],
) -> None:
    client, notice = admin
    pages = [
        "/overview", "/substances", "/substances/N02BE01", "/substances/J01CA04", "/shortages",
        f"/shortages/{notice}", "/scenarios", "/planner", "/industry",
        "/producer?company=asker", "/holder?holder=Kystfarma%20Grossist%20AS",
    ]  # fmt: skip
    problems = []
    for path in pages:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert '<html lang="nb">' in answer.text
        problems += [f"{path}: {p}" for p in _problems(lxml_html.fromstring(answer.content))]
    assert not problems, f"{len(problems)} untranslated texts:\n" + "\n".join(problems)
    # the same check on an English page finds English (it looks at what a reader sees)
    client.get("/lang/en?next=/")
    try:
        english_page = lxml_html.fromstring(client.get(f"/shortages/{notice}").content)
        assert len(_problems(english_page)) > 5
    finally:
        client.get("/lang/nb?next=/")


def test_the_detector_sees_the_pages_words() -> None:
    assert english("No activation awaits an answer.")
    assert not english("Ingen aktiveringer venter på svar.")
    assert "requested" in ALL_CODES
