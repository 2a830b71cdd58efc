"""The dashboard without a browser: sign-in, sessions, CSRF, headers, who may open which page,
forms that refuse bad input and write nothing, a producer kept to its own company."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from beredt.api import create_app
from beredt.app import permissions
from beredt.app.context import open_store
from tests.api_support import ACCOUNTS, Site
from tests.web_support import PAGES, csrf_of, make_web_site, sign_in


@pytest.fixture
def site(tmp_path) -> Site:  # type: ignore[no-untyped-def]
    """A fresh store with the small bundle and an account per role (with passwords)."""
    return make_web_site(f"sqlite:///{tmp_path / 'beredt.db'}")


@pytest.fixture
def app(site: Site) -> Iterator[TestClient]:
    """The server's app (API and dashboard), without background jobs."""
    with TestClient(create_app(site.url, job_workers=0)) as client:
        yield client


def _client(app: TestClient, name: str) -> TestClient:
    client = TestClient(app.app)
    assert sign_in(client, name).status_code == 303
    return client


def test_a_visitor_is_sent_to_the_login_form_and_back(app: TestClient) -> None:
    assert app.get("/", follow_redirects=False).headers["location"] == "/login"
    page = app.get("/overview", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Foverview"
    login = app.get("/login?next=/overview")
    assert 'name="password"' in login.text
    assert 'for="password"' in login.text
    answer = app.post(
        "/login",
        data={"csrf_token": csrf_of(login.text), "name": "authority",
              "password": "correct horse battery staple", "next": "/overview"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == "/overview"
    assert app.get("/overview").status_code == 200
    # signed in, the root goes to the role's first page
    assert app.get("/", follow_redirects=False).headers["location"] == "/overview"


def test_wrong_password_and_missing_login_token_are_refused(app: TestClient) -> None:
    wrong = sign_in(app, "authority", "not the password at all")
    assert wrong.status_code == 401
    assert "Feil brukernavn eller passord" in wrong.text
    assert "beredt_session" not in wrong.cookies
    forged = app.post(
        "/login", data={"name": "authority", "password": "correct horse battery staple"},
        follow_redirects=False,
    )  # fmt: skip
    assert forged.status_code == 401  # no double-submit token: no session
    assert "beredt_session" not in forged.cookies


def test_every_role_opens_exactly_the_pages_the_rule_table_allows(app: TestClient) -> None:
    for name, (role, _company, _holder) in ACCOUNTS.items():
        client = _client(app, name)
        for path, action in PAGES.items():
            answer = client.get(path)
            expected = 200 if permissions.allowed(role, action) else 403
            assert answer.status_code == expected, (name, path, answer.status_code)
            if expected == 403:
                assert "Ingen tilgang" in answer.text
        # the menu offers only those pages
        home = client.get("/", follow_redirects=True)
        for path, action in PAGES.items():
            if path.count("/") == 1:
                assert (f'href="{path}"' in home.text) == permissions.allowed(role, action), (
                    name,
                    path,
                )


def test_pages_carry_the_security_headers_and_no_foreign_resource(app: TestClient) -> None:
    client = _client(app, "authority")
    page = client.get("/overview")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert "<script>" not in page.text  # no inline script
    assert "http://" not in page.text
    assert "https://" not in page.text
    plotly = client.get("/static/vendor/plotly.min.js")
    assert plotly.status_code == 200
    assert len(plotly.content) > 1_000_000
    assert client.get("/static/htmx.min.js").status_code == 200
    # the API keeps its JSON answers
    assert client.get("/api/v1/nothing-here").json()["error"]["kind"] == "not_found"
    missing = client.get("/nothing-here")
    assert missing.status_code == 404
    assert "Finnes ikke" in missing.text


def test_a_write_without_the_csrf_token_is_refused_and_writes_nothing(
    app: TestClient, site: Site, dump_db: Callable[[str], str]
) -> None:
    client = _client(app, "authority")
    before = dump_db(site.url)
    answer = client.post(
        "/shortages",
        data={"notice_id": "N-X", "atc_code": "N02BE01", "status": "announced",
              "start_date": "2026-12-01"},
    )  # fmt: skip
    assert answer.status_code == 403
    assert dump_db(site.url) == before
    # every form the pages post to refuses a missing or wrong token (the login form has its
    # own double-submit token: test_wrong_password_and_missing_login_token_are_refused)
    from beredt.app import workflow
    from beredt.web.pages import router

    store = open_store(site.url)
    workflow.activate(store, "DMP-2026-0001", offer_id="OF-1", who="authority")  # activation 1
    store.dispose()
    admin = _client(app, "admin")
    before = dump_db(site.url)
    posts = [
        r.path for r in router.routes if "POST" in getattr(r, "methods", ()) and r.path != "/login"
    ]
    assert len(posts) >= 10
    for path in posts:
        url = path.replace("{notice_id}", "DMP-2026-0001").replace("{activation_id}", "1")
        for token in ({}, {"csrf_token": "not-the-token"}):
            answer = admin.post(url, data={**token, "scenarios": "50"}, follow_redirects=False)
            assert answer.status_code == 403, (url, answer.status_code)
    assert dump_db(site.url) == before


def test_sessions_expire_and_logout_ends_them(app: TestClient, site: Site) -> None:
    client = _client(app, "analyst")
    assert client.get("/overview").status_code == 200
    store = open_store(site.url)
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE sessions SET expires_at = :t"),
            {"t": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)},
        )
    store.dispose()
    expired = client.get("/overview", follow_redirects=False)
    assert expired.status_code == 303
    assert "reason=session_ended" in expired.headers["location"]
    client = _client(app, "analyst")
    page = client.get("/overview")
    out = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert out.headers["location"] == "/login?reason=logged_out"
    assert client.get("/overview", follow_redirects=False).status_code == 303


def test_the_language_switch_changes_words_and_number_formats(app: TestClient) -> None:
    client = _client(app, "authority")
    nb = client.get("/substances/N02BE01")
    assert '<html lang="nb">' in nb.text
    assert "Forsyningskart" in nb.text
    client.get("/lang/en?next=/substances/N02BE01")
    en = client.get("/substances/N02BE01")
    assert '<html lang="en">' in en.text
    assert "Supply map" in en.text
    # a thousands separator: a no-break space in bokmål, a comma in English
    assert "\u00a0" in nb.text.split("Forsyningskart")[0]
    # dates: "20. okt. 2026" in bokmål, "20 Oct 2026" in English, no ISO date in the text
    en_board = client.get("/shortages").text
    client.get("/lang/nb?next=/")
    nb_board = client.get("/shortages").text
    assert "20. okt. 2026" in nb_board
    assert "20 Oct 2026" in en_board
    for board in (nb_board, en_board):
        assert not re.search(r">[^<]*\b\d{4}-\d{2}-\d{2}\b[^<]*<", board)
    client.get("/lang/en?next=/")
    assert (
        client.get("/lang/en?next=https://elsewhere.example", follow_redirects=False).headers[
            "location"
        ]
        == "/"
    )


def test_bad_notice_shows_the_message_keeps_the_input_and_writes_nothing(
    app: TestClient, site: Site, dump_db: Callable[[str], str]
) -> None:
    client = _client(app, "authority")
    token = csrf_of(client.get("/shortages").text)
    before = dump_db(site.url)
    answer = client.post(
        "/shortages",
        data={"csrf_token": token, "notice_id": "N-BAD", "atc_code": "X99ZZ99",
              "status": "announced", "start_date": "2026-13-45", "title": "typed by hand"},
    )  # fmt: skip
    assert answer.status_code == 422
    assert "data-problems" in answer.text
    assert "start_date" in answer.text
    assert 'value="typed by hand"' in answer.text
    assert 'value="N-BAD"' in answer.text
    assert dump_db(site.url) == before
    good = client.post(
        "/shortages",
        data={"csrf_token": token, "notice_id": "N-GOOD", "atc_code": "N02BE01",
              "status": "announced", "start_date": "2026-12-01", "cause": "manufacturing"},
        follow_redirects=False,
    )  # fmt: skip
    assert good.headers["location"] == "/shortages/N-GOOD?done=saved"
    notice = client.get("/shortages/N-GOOD")
    assert "Responsplan" in notice.text
    assert 'data-kpi="gap"' in notice.text


def test_a_holder_reports_its_own_stock_and_a_bad_report_writes_nothing(
    app: TestClient, site: Site, dump_db: Callable[[str], str]
) -> None:
    client = _client(app, "holder")
    token = csrf_of(client.get("/holder").text)
    before = dump_db(site.url)
    bad_csv = "date,product_id,tier,packs,kind\n2026-11-20,100001,wholesale,-5,count\n"
    answer = client.post(
        "/holder/report.csv", data={"csrf_token": token},
        files={"file": ("report.csv", bad_csv.encode(), "text/csv")},
    )  # fmt: skip
    assert answer.status_code == 422
    assert "data-problems" in answer.text
    assert "packs" in answer.text
    bad_form = client.post(
        "/holder/report",
        data={"csrf_token": token, "date": "2026-11-20", "product_id": "no-such-pack",
              "tier": "wholesale", "packs": "10", "kind": "count"},
    )  # fmt: skip
    assert bad_form.status_code == 422
    assert "no-such-pack" in bad_form.text
    assert dump_db(site.url) == before
    good = client.post(
        "/holder/report",
        data={"csrf_token": token, "date": "2026-11-20", "product_id": "100001",
              "tier": "wholesale", "packs": "1 200", "kind": "count"},
    )  # fmt: skip
    assert good.status_code == 200
    assert "data-receipt" in good.text
    assert "1\u00a0200" in good.text  # the position, in bokmål number format


def test_a_producer_sees_only_its_own_and_another_companys_answer_is_nothing(
    app: TestClient, site: Site, dump_db: Callable[[str], str]
) -> None:
    authority = _client(app, "authority")
    token = csrf_of(authority.get("/shortages/DMP-2026-0001").text)
    made = authority.post(
        "/shortages/DMP-2026-0001/activations",
        data={"csrf_token": token, "choice": "offer:OF-1", "confirm_within_days": "3"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    own = _client(app, "producer")  # nordpharma: OF-1 is its offer
    portal = own.get("/producer")
    assert 'data-activation="1"' in portal.text
    assert "OF-1" in portal.text
    assert "tablet, capsule" in portal.text  # a line's dosage forms as words, not a tuple
    assert 'href="/substances/' not in portal.text  # no link to a page a producer may not open
    other = _client(app, "producer_b")  # fjordlab
    theirs = other.get("/producer?company=nordpharma")
    assert "data-activation" not in theirs.text
    assert "nordpharma-tab-1" not in theirs.text
    assert "OF-1" not in theirs.text
    before = dump_db(site.url)
    refused = other.post(
        "/producer/activations/1/confirm",
        data={"csrf_token": csrf_of(theirs.text), "start_date": "2026-12-01", "ddd_per_day": "10"},
    )
    assert refused.status_code == 404
    assert "Finnes ikke" in refused.text
    assert other.get("/substances/J01CA04").status_code == 403
    # bad input from the right producer: the message, nothing written
    too_much = own.post(
        "/producer/activations/1/confirm",
        data={"csrf_token": csrf_of(portal.text), "start_date": "2026-12-01",
              "ddd_per_day": "999999999"},
    )  # fmt: skip
    assert too_much.status_code == 422
    assert "capacity" in too_much.text
    assert 'value="999999999"' in too_much.text
    assert dump_db(site.url) == before


def test_the_planner_refuses_a_bad_budget_and_starts_nothing(
    app: TestClient, site: Site, dump_db: Callable[[str], str]
) -> None:
    client = _client(app, "authority")
    token = csrf_of(client.get("/planner").text)
    before = dump_db(site.url)
    answer = client.post(
        "/planner",
        data={"csrf_token": token, "budget": "lots", "policy": "default", "floor_vital": "300"},
    )
    assert answer.status_code == 422
    assert "budsjett" in answer.text
    assert "gulv" in answer.text
    assert 'value="lots"' in answer.text
    assert dump_db(site.url) == before


def test_a_scenario_upload_is_checked_before_it_runs(
    app: TestClient, site: Site, dump_db: Callable[[str], str]
) -> None:
    client = _client(app, "analyst")
    token = csrf_of(client.get("/scenarios").text)
    before = dump_db(site.url)
    bad = '[[event]]\nkind = "site_outage"\nsites = ["xx-no-such-site"]\nduration = 30\n'
    answer = client.post(
        "/scenarios", data={"csrf_token": token, "scenarios": "50"},
        files={"file": ("mine.toml", bad.encode(), "text/plain")},
    )  # fmt: skip
    assert answer.status_code == 422
    assert "xx-no-such-site" in answer.text
    assert dump_db(site.url) == before
    good = '[[event]]\nkind = "demand_surge"\natc = ["J01"]\nmultiplier = 2.0\nduration = 30\n'
    started = client.post(
        "/scenarios", data={"csrf_token": token, "scenarios": "50"},
        files={"file": ("surge.toml", good.encode(), "text/plain")}, follow_redirects=False,
    )  # fmt: skip
    assert started.status_code == 303
    assert started.headers["location"].startswith("/jobs/")
    job = client.get(started.headers["location"])
    assert "data-job-status" in job.text
    assert "hx-get" in job.text


def test_a_kept_run_round_trips_through_the_store() -> None:
    from beredt.views.model import (
        Column,
        Figure,
        Kpi,
        Report,
        Section,
        Table,
        report_from_dict,
        report_to_dict,
    )

    report = Report(
        {"as_of": "2026-11-01", "currency": "NOK"},
        [
            Section(
                "headline",
                paragraphs=[{"nb": "ett", "en": "one"}],
                kpis=[Kpi("k", {"nb": "n", "en": "e"}, 0.5, "pct", {"nb": "d", "en": "d"})],
                tables=[
                    Table("t", {"nb": "T", "en": "T"}, [Column("atc_code")], [{"atc_code": "A"}])
                ],
                figures=[
                    Figure("f", {"nb": "f", "en": "f"}, png={"nb": b"\x89PNG", "en": b"\x89PNG"}),
                    Figure("g", {"nb": "g", "en": "g"}, plotly={"nb": "{}", "en": "{}"}),
                ],
                data={"x": [1, 2]},
            )
        ],
    )
    back = report_from_dict(report_to_dict(report))
    assert report_to_dict(back) == report_to_dict(report)
    assert back.section("headline").figures[0].png == {"nb": b"\x89PNG", "en": b"\x89PNG"}


def test_the_industry_page_has_the_four_measures_now_and_from_the_latest_run(
    app: TestClient, site: Site
) -> None:
    from beredt.app.dashboard import keep_run
    from beredt.views.i18n import MEASURE_LABELS
    from beredt.views.model import Kpi, Report, Section

    client = _client(app, "analyst")
    page = client.get("/industry")
    assert page.status_code == 200
    assert 'data-section="industry"' in page.text
    assert 'data-section="measures"' in page.text
    assert 'data-table="at_a_glance"' in page.text
    for nb, _en in MEASURE_LABELS.values():  # trials, home market, competence, risk relief
        assert nb in page.text
    assert "Beregnet fra dataene nå" in page.text  # no run yet: computed from the data
    # a run keeps its measures section (with the optimiser's values): the page shows that one
    section = Section(
        "measures", kpis=[Kpi("kept", {"nb": "Fra kjøringen", "en": "Kept"}, 7, "int")]
    )
    store = open_store(site.url)
    keep_run(store, Report({"as_of": "2026-11-01", "currency": "NOK"}, [section]), {}, who="t")
    store.dispose()
    page = client.get("/industry")
    assert 'data-kpi="kept"' in page.text
    assert "Fra den nasjonale analysen" in page.text
    assert "Beregnet fra dataene nå" not in page.text
