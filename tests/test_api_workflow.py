"""The shared system end to end: stock reports, notice → plan → activation → answer → ETA, jobs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from beredt.api import create_app
from beredt.cli import get_app
from tests.api_support import Site, make_site


@pytest.fixture
def site(tmp_path) -> Site:  # type: ignore[no-untyped-def]
    """A fresh store with the small bundle and the accounts."""
    return make_site(f"sqlite:///{tmp_path / 'beredt.db'}")


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    """A client of the site's API, running jobs."""
    with TestClient(create_app(site.url)) as c:
        yield c


def _actions(plan: dict, kind: str) -> list[dict]:  # type: ignore[type-arg]
    return [a for a in plan["actions"] if a["kind"] == kind]


def test_notice_plan_activation_answers_eta_and_audit(client: TestClient, site: Site) -> None:
    auth, producer = site.headers("authority"), site.headers("producer")
    notice = {"notice_id": "N-9", "atc_code": "N02BE01", "status": "announced",
              "start_date": "2026-11-25", "expected_end_date": "2027-02-28", "cause": "manufacturing"}  # fmt: skip
    created = client.post("/api/v1/shortages", headers=auth, json=notice)
    assert created.status_code == 201, created.text
    plan = created.json()["plan"]
    [agreement] = _actions(plan, "agreement")
    assert agreement["agreement_id"] == "AG-1"
    assert agreement["status"] == "used"
    assert client.get("/api/v1/shortages/N-9/plan", headers=auth).json() == plan
    # the authority activates the agreement from the plan; the producer sees it
    activation = client.post(
        "/api/v1/shortages/N-9/activations", headers=auth,
        json={"agreement_id": "AG-1", "activated_on": "2026-11-20", "confirm_within_days": 3},
    ).json()  # fmt: skip
    assert activation["expected_first_output"] == "2026-12-20"  # 30 response days
    assert activation["confirm_by"] == "2026-11-23"
    assert activation["overdue"]  # today is after 2026-11-23 and nobody answered
    seen = client.get("/api/v1/activations?status=overdue", headers=producer).json()["items"]
    assert [a["activation_id"] for a in seen] == [activation["activation_id"]]
    # it declines: the plan is made again without the agreement
    declined = client.post(
        f"/api/v1/activations/{activation['activation_id']}/decline", headers=producer,
        json={"reason": "line booked for an export order until February"},
    )  # fmt: skip
    assert declined.status_code == 200, declined.text
    assert declined.json()["eta"] is None
    again = client.post(
        f"/api/v1/activations/{activation['activation_id']}/confirm", headers=producer,
        json={"start_date": "2026-12-01", "ddd_per_day": 1000},
    )  # fmt: skip
    assert again.status_code == 409  # answered once
    replanned = client.get("/api/v1/shortages/N-9/plan", headers=auth).json()
    assert not _actions(replanned, "agreement")
    assert {"kind": "agreement", "what": "AG-1", "reason": "declined"} in replanned["exclusions"]
    # the authority asks for the producer's offer instead; it confirms early with a rate
    asked = client.post(
        "/api/v1/shortages/N-9/activations", headers=auth,
        json={"offer_id": "OF-4", "activated_on": "2026-11-21"},
    ).json()  # fmt: skip
    assert asked["kind"] == "offer_request"
    assert asked["expected_first_output"] == "2026-12-12"  # the offer's 21 days
    too_much = client.post(
        f"/api/v1/activations/{asked['activation_id']}/confirm", headers=producer,
        json={"start_date": "2026-12-05", "ddd_per_day": 500000},
    )  # fmt: skip
    assert too_much.status_code == 422
    assert "capacity" in too_much.json()["error"]["message"]
    confirmed = client.post(
        f"/api/v1/activations/{asked['activation_id']}/confirm", headers=producer,
        json={"start_date": "2026-12-15", "ddd_per_day": 80000, "total_ddd": 4e6},
    ).json()  # fmt: skip
    assert confirmed["status"] == "confirmed"
    assert confirmed["eta"] == "2026-12-15"
    assert confirmed["days_late"] == 3  # three days after the offer's response time
    final = client.get("/api/v1/shortages/N-9/plan", headers=auth).json()
    [domestic] = _actions(final, "domestic_unreserved")
    assert "confirmed" in domestic["flags"]
    assert domestic["eta_date"] == "2026-12-15"
    assert domestic["capacity_ddd_per_day"] == 80000
    # the audit trail names each account
    trail = client.get("/api/v1/audit?limit=50", headers=auth).json()["items"]
    steps = [(e["who"], e["action"]) for e in reversed(trail)]
    for step in [("authority", "merge shortages"), ("authority", "activate"),
                 ("producer", "activation declined"), ("producer", "activation confirmed")]:  # fmt: skip
        assert step in steps, steps


def test_updating_a_notice_plans_again(client: TestClient, site: Site) -> None:
    auth = site.headers("authority")
    notice = {"notice_id": "N-8", "atc_code": "N02BE01", "status": "announced",
              "start_date": "2026-11-25", "expected_end_date": "2026-12-10"}  # fmt: skip
    first = client.post("/api/v1/shortages", headers=auth, json=notice).json()["plan"]
    assert client.post("/api/v1/shortages", headers=auth, json=notice).status_code == 409
    longer = client.patch(
        "/api/v1/shortages/N-8", headers=auth, json={"expected_end_date": "2027-04-30"}
    ).json()
    assert longer["outcome"] == "updated"
    assert longer["plan"]["end_date"] > first["end_date"]
    assert client.get("/api/v1/shortages/N-8", headers=auth).json()["expected_end_date"] == (
        "2027-04-30"
    )


def test_stock_reports_all_or_nothing_and_idempotent(
    client: TestClient, site: Site, dump_db
) -> None:  # type: ignore[no-untyped-def]
    holder = {**site.headers("holder"), "Content-Type": "text/csv"}
    before = dump_db(site.url)
    bad = "date,product_id,tier,packs,kind\n2026-11-16,100001,wholesale,50,count\n" \
          "2026-11-17,100001,wholesale,-4,count\n2026-13-01,100002,wholesale,5,count\n"  # fmt: skip
    answer = client.post("/api/v1/stock/reports.csv", headers=holder, content=bad)
    assert answer.status_code == 422
    details = answer.json()["error"]["details"]
    assert [(d["line"], d["field"]) for d in details] == [(3, "packs"), (4, "date")]
    foreign = "date,product_id,holder,tier,packs\n2026-11-16,100001,Apotek,pharmacy,5\n"
    refused = client.post("/api/v1/stock/reports.csv", headers=holder, content=foreign)
    assert refused.status_code == 422
    assert "your own stock" in refused.text
    assert dump_db(site.url) == before  # nothing written
    good = "date,product_id,tier,packs\n2026-11-16,100001,wholesale,50\n"
    first = client.post("/api/v1/stock/reports.csv", headers={**holder, "Idempotency-Key": "w46"},
                        content=good).json()  # fmt: skip
    retry = client.post("/api/v1/stock/reports.csv", headers={**holder, "Idempotency-Key": "w46"},
                        content=good).json()  # fmt: skip
    assert first["entries"] == 1
    assert not first["replayed"]
    assert retry == {**first, "replayed": True}
    rows = client.get(
        "/api/v1/stock?product_id=100001&tier=wholesale", headers=site.headers("holder")
    ).json()["items"]
    assert {"date": "2026-11-16", "packs": 50} in [
        {k: r[k] for k in ("date", "packs")} for r in rows
    ]
    picture = client.get("/api/v1/stock/reporting", headers=site.headers("authority")).json()
    assert "Alfa Grossist" not in picture["not_reported"]
    assert "Apotek" in picture["not_reported"]


def _finished(client: TestClient, job_id: str, headers: dict[str, str]) -> dict:  # type: ignore[type-arg]
    for _ in range(600):
        job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError("the job did not finish in a minute")


def test_a_job_runs_in_the_background_with_the_commands_json(
    client: TestClient, site: Site
) -> None:
    auth = site.headers("analyst")
    job = {"kind": "simulate", "parameters": {"scenario": "background", "scenarios": 40, "seed": 3}}
    started = client.post("/api/v1/jobs", headers=auth, json=job)
    assert started.status_code == 202
    done = _finished(client, started.json()["job_id"], auth)
    assert done["status"] == "succeeded", done
    assert done["progress"] == 1.0
    result = client.get(f"/api/v1/jobs/{done['job_id']}/result", headers=auth).json()
    cli = CliRunner().invoke(
        get_app(),
        ["simulate", "background", "--scenarios", "40", "--seed", "3", "--db", site.url, "--json", "-"],
    )  # fmt: skip
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.stdout)
    for doc in (result, expected):
        doc.pop("wall_seconds")
    assert result == expected
    unknown = client.post("/api/v1/jobs", headers=auth,
                          json={"kind": "simulate", "parameters": {"scenario": "backgrund"}})  # fmt: skip
    failed = _finished(client, unknown.json()["job_id"], auth)
    assert failed["status"] == "failed"
    assert "background" in failed["error"]  # the closest name
    plan = client.post(
        "/api/v1/jobs", headers=auth, json={"kind": "plan", "parameters": {"budget": 1}}
    )
    assert plan.status_code == 403


def test_user_add_never_prompts_and_prints_the_token_last(site: Site) -> None:
    result = CliRunner().invoke(
        get_app(), ["user", "add", "hosp", "--role", "holder", "--holder", "Sykehusapotek",
                    "--db", site.url], input=""
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("bdt_")
    assert " " not in token
    with TestClient(create_app(site.url, job_workers=0)) as c:
        me = c.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["holder"] == "Sykehusapotek"
    refused = CliRunner().invoke(
        get_app(), ["user", "add", "p", "--role", "producer", "--db", site.url]
    )
    assert refused.exit_code == 2
    assert "--company" in refused.output
