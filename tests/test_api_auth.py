"""Who may do what: every role × every endpoint × own/other company (issue 16).

A producer never reads, nor infers, another producer's records: another company's object is
answered exactly as one that does not exist (404, the same message but for the id).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from beredt.api import create_app
from tests.api_support import ACCOUNTS, Site, make_site

ROLES = ["anonymous", *ACCOUNTS]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The small bundle, the accounts, two notices and an activation for each producer."""
    url = f"sqlite:///{tmp_path_factory.mktemp('auth') / 'beredt.db'}"
    made = make_site(url)
    with TestClient(create_app(url, job_workers=0)) as client:
        auth = made.headers("authority")
        for notice, atc, agreement in (("N-1", "N02BE01", "AG-1"), ("N-2", "B05BB01", "AG-2")):
            body = {"notice_id": notice, "atc_code": atc, "status": "announced",
                    "start_date": "2026-11-25", "expected_end_date": "2027-01-31"}  # fmt: skip
            assert client.post("/api/v1/shortages", headers=auth, json=body).status_code == 201
            answer = client.post(
                f"/api/v1/shortages/{notice}/activations",
                headers=auth,
                json={"agreement_id": agreement, "activated_on": "2026-11-20"},
            )
            assert answer.status_code == 201, answer.text
        job = {"kind": "calibrate", "parameters": {}}
        made.tokens["job"] = client.post("/api/v1/jobs", headers=auth, json=job).json()["job_id"]
    return made


@pytest.fixture(scope="module")
def client(site: Site) -> Iterator[TestClient]:
    """A client of the site's API (jobs queued, never run)."""
    with TestClient(create_app(site.url, job_workers=0)) as c:
        yield c


ALL = dict.fromkeys(ACCOUNTS, 200)


def expect(**statuses: int) -> dict[str, int]:
    """Expected status per account: 403 unless given (anonymous: always 401)."""
    return {name: statuses.get(name, 403) for name in ACCOUNTS}


READ = expect(admin=200, authority=200, analyst=200)
PRODUCERS_READ = expect(admin=200, authority=200, analyst=200, producer=200, producer_b=200)
OWN_ONLY = expect(admin=200, authority=200, analyst=200, producer=200, producer_b=404)
OTHERS_ONLY = expect(admin=200, authority=200, analyst=200, producer=404, producer_b=200)
BAD_BODY = {"unexpected": 1}
EARLY_START = {"start_date": "2026-11-01", "ddd_per_day": 1}  # before the activation
NO_REASON = {"reason": "   "}

# (method, path, body, expected status per account)
MATRIX: list[tuple[str, str, Any, dict[str, int]]] = [
    ("GET", "/auth/me", None, ALL),
    ("POST", "/auth/logout", None, ALL),
    ("POST", "/auth/password", BAD_BODY, dict.fromkeys(ACCOUNTS, 422)),
    ("GET", "/accounts", None, expect(admin=200)),
    ("POST", "/accounts", BAD_BODY, expect(admin=422)),
    ("POST", "/accounts/analyst/tokens", None, expect(admin=201)),
    ("GET", "/audit", None, expect(admin=200, authority=200)),
    ("GET", "/substances", None, ALL),
    ("GET", "/substances/N02BE01", None, ALL),
    ("GET", "/products", None, ALL),
    ("GET", "/products/100001", None, ALL),
    ("GET", "/companies", None, ALL),
    ("GET", "/companies/nordpharma", None, ALL),
    ("GET", "/lines", None, PRODUCERS_READ),
    ("GET", "/lines/nordpharma-tab-1", None, OWN_ONLY),
    ("GET", "/lines/fjordlab-iv-1", None, OTHERS_ONLY),
    ("GET", "/capabilities", None, PRODUCERS_READ),
    ("GET", "/offers", None, PRODUCERS_READ),
    ("GET", "/offers/OF-1", None, OWN_ONLY),
    ("GET", "/offers/OF-2", None, OTHERS_ONLY),
    ("GET", "/agreements", None, PRODUCERS_READ),
    ("GET", "/agreements/AG-1", None, OWN_ONLY),
    ("GET", "/agreements/AG-2", None, OTHERS_ONLY),
    (
        "GET",
        "/stock",
        None,
        expect(admin=200, authority=200, analyst=200, holder=200, holder_b=200),
    ),
    (
        "POST",
        "/stock/reports",
        BAD_BODY,
        expect(admin=422, authority=422, holder=422, holder_b=422),
    ),
    (
        "POST",
        "/stock/reports.csv",
        None,
        expect(admin=422, authority=422, holder=422, holder_b=422),
    ),
    ("GET", "/stock/national", None, READ),
    ("GET", "/stock/reporting", None, READ),
    ("GET", "/shortages", None, ALL),
    ("GET", "/shortages/N-1", None, ALL),
    ("POST", "/shortages", BAD_BODY, expect(admin=422, authority=422)),
    ("PATCH", "/shortages/N-1", BAD_BODY, expect(admin=422, authority=422)),
    ("GET", "/shortages/N-1/plan", None, READ),
    ("POST", "/shortages/N-1/activations", BAD_BODY, expect(admin=422, authority=422)),
    ("GET", "/activations", None, PRODUCERS_READ),
    ("GET", "/activations/1", None, OWN_ONLY),
    ("GET", "/activations/2", None, OTHERS_ONLY),
    # bodies the schema takes but the use case refuses: 422 for the owner, 404 for the other
    (
        "POST",
        "/activations/1/confirm",
        EARLY_START,
        expect(admin=422, producer=422, producer_b=404),
    ),
    ("POST", "/activations/2/decline", NO_REASON, expect(admin=422, producer=404, producer_b=422)),
    ("GET", "/jobs", None, READ),
    ("POST", "/jobs", BAD_BODY, expect(admin=422, authority=422, analyst=422)),
    ("GET", "/jobs/{job}", None, expect(admin=200, authority=200, analyst=404)),
    ("GET", "/jobs/{job}/result", None, expect(admin=409, authority=409, analyst=404)),
]
OPEN = [("GET", "/health", 200), ("POST", "/auth/login", 422)]


def _call(client: TestClient, site: Site, method: str, path: str, body: Any, who: str) -> Any:
    headers = site.headers(who) if who != "anonymous" else {}
    path = "/api/v1" + path.replace("{job}", site.tokens["job"])
    return client.request(method, path, headers=headers, json=body)


@pytest.mark.parametrize(
    ("method", "path", "body", "statuses"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_every_role_gets_the_expected_status(
    client: TestClient, site: Site, method: str, path: str, body: Any, statuses: dict[str, int]
) -> None:
    for who in ROLES:
        answer = _call(client, site, method, path, body, who)
        expected = 401 if who == "anonymous" else statuses[who]
        assert answer.status_code == expected, (who, answer.text)
        if expected >= 400:
            error = answer.json()["error"]
            assert error["message"], answer.text
            assert error["kind"], answer.text
            assert error["request_id"], answer.text


def test_the_matrix_covers_every_endpoint(client: TestClient) -> None:
    documented = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, item in client.get("/api/v1/openapi.json").json()["paths"].items()
        for method in item
    }
    tested = {(m, p.replace("{job}", "{job_id}")) for m, p, _, _ in MATRIX} | {
        (m, p) for m, p, _ in OPEN
    }
    normalise = {
        "/substances/N02BE01": "/substances/{key}", "/products/100001": "/products/{key}",
        "/companies/nordpharma": "/companies/{key}", "/lines/nordpharma-tab-1": "/lines/{key}",
        "/lines/fjordlab-iv-1": "/lines/{key}", "/offers/OF-1": "/offers/{key}",
        "/offers/OF-2": "/offers/{key}", "/agreements/AG-1": "/agreements/{key}",
        "/agreements/AG-2": "/agreements/{key}", "/shortages/N-1": "/shortages/{notice_id}",
        "/shortages/N-1/plan": "/shortages/{notice_id}/plan",
        "/shortages/N-1/activations": "/shortages/{notice_id}/activations",
        "/activations/1": "/activations/{activation_id}", "/activations/2": "/activations/{activation_id}",
        "/activations/1/confirm": "/activations/{activation_id}/confirm",
        "/activations/2/decline": "/activations/{activation_id}/decline",
        "/accounts/analyst/tokens": "/accounts/{name}/tokens",
    }  # fmt: skip
    tested = {(m, normalise.get(p, p)) for m, p in tested}
    assert documented - tested == set()
    assert all(
        path.startswith("/api/v1/") for path in client.get("/api/v1/openapi.json").json()["paths"]
    )


def test_open_endpoints_need_no_account(client: TestClient) -> None:
    for method, path, status in OPEN:
        assert client.request(method, "/api/v1" + path, json={}).status_code == status


@pytest.mark.parametrize(
    ("stem", "other", "missing"),
    [("offers", "OF-2", "OF-99"), ("agreements", "AG-2", "AG-99"),
     ("lines", "fjordlab-iv-1", "no-such-line"), ("activations", "2", "999")],
)  # fmt: skip
def test_another_producers_object_reads_as_one_that_does_not_exist(
    client: TestClient, site: Site, stem: str, other: str, missing: str
) -> None:
    headers = site.headers("producer")
    theirs = client.get(f"/api/v1/{stem}/{other}", headers=headers)
    nothing = client.get(f"/api/v1/{stem}/{missing}", headers=headers)
    assert theirs.status_code == nothing.status_code == 404
    assert theirs.json()["error"]["message"].replace(other, "ID") == nothing.json()["error"][
        "message"
    ].replace(missing, "ID")


def test_lists_hold_only_the_producers_own_company(client: TestClient, site: Site) -> None:
    for stem in ("lines", "capabilities", "offers", "agreements", "activations"):
        mine = client.get(f"/api/v1/{stem}", headers=site.headers("producer")).json()
        assert mine["items"], stem
        assert {r["company_id"] for r in mine["items"]} == {"nordpharma"}, stem
        text = str(mine)
        assert "fjordlab" not in text, stem


def test_analysts_see_no_prices_or_capacities(client: TestClient, site: Site) -> None:
    for stem, hidden in (("offers", "annual_fee"), ("agreements", "reserved_ddd_per_day"),
                         ("capabilities", "unit_cost_per_ddd")):  # fmt: skip
        rows = client.get(f"/api/v1/{stem}", headers=site.headers("analyst")).json()["items"]
        assert rows
        assert all(r[hidden] is None and hidden in r["redacted"] for r in rows)
        full = client.get(f"/api/v1/{stem}", headers=site.headers("authority")).json()["items"]
        assert all(r[hidden] is not None for r in full)
    plan = client.get("/api/v1/shortages/N-1/plan", headers=site.headers("analyst")).json()
    assert all(
        a["capacity_ddd_per_day"] is None for a in plan["actions"] if a["kind"] == "agreement"
    )


def test_a_holder_reads_its_own_stock_only(client: TestClient, site: Site) -> None:
    rows = client.get("/api/v1/stock?limit=1000", headers=site.headers("holder")).json()["items"]
    assert rows
    assert {r["holder"] for r in rows} == {"Alfa Grossist"}


def test_a_session_cookie_writes_only_with_its_csrf_token(site: Site, tmp_path: Path) -> None:
    from beredt.app.accounts import set_password
    from beredt.app.context import open_store

    set_password(open_store(site.url), "holder_b", "correct horse battery", who="test")
    with TestClient(create_app(site.url, job_workers=0)) as browser:
        wrong = browser.post("/api/v1/auth/login", json={"name": "holder_b", "password": "x" * 12})
        assert wrong.status_code == 401
        login = browser.post(
            "/api/v1/auth/login", json={"name": "holder_b", "password": "correct horse battery"}
        )
        assert login.status_code == 200, login.text
        assert browser.get("/api/v1/auth/me").json()["name"] == "holder_b"
        report = {"rows": [{"date": "2026-11-16", "product_id": "100001", "tier": "hospital",
                            "packs": 10}]}  # fmt: skip
        assert browser.post("/api/v1/stock/reports", json=report).status_code == 403
        csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
        assert browser.post("/api/v1/stock/reports", json=report, headers=csrf).status_code == 201
        assert browser.post("/api/v1/auth/logout", headers=csrf).status_code == 200
        assert browser.get("/api/v1/auth/me").status_code == 401


def test_logins_are_rate_limited(site: Site) -> None:
    with TestClient(create_app(site.url, job_workers=0)) as browser:
        answers = [
            browser.post("/api/v1/auth/login", json={"name": "analyst", "password": f"guess{i}"})
            for i in range(6)
        ]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert int(answers[-1].headers["Retry-After"]) > 0
