"""Property-based fuzzing of the API from its OpenAPI document (Schemathesis, issue 16).

Every operation gets generated requests, valid and invalid, as the authority, as a producer and
as a holder: no answer is a 5xx; a 4xx carries an error body whose message says what was wrong;
a refused request writes nothing (the audit log, which every write appends to, is unchanged).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from beredt.api import create_app
from beredt.store import Store
from tests.api_support import Site, make_site

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The small bundle and the accounts."""
    return make_site(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'beredt.db'}")


@pytest.fixture(scope="module")
def api(site: Site) -> schemathesis.BaseSchema:
    """The API's own OpenAPI document, served from the app (jobs queued, never run)."""
    app = create_app(site.url, job_workers=0)
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


ACCOUNTS = ("authority", "producer", "holder")
EXAMPLES = 12  # per operation: about 40 operations × 3 accounts


def _check(case: schemathesis.Case, site: Site, store: Store, seen: list[int]) -> None:
    for account in ACCOUNTS:
        before = store.version()
        response = case.call(headers=site.headers(account))
        seen.append(response.status_code)
        assert response.status_code < 500, (account, case.method, case.path, response.text)
        if response.status_code >= 400:
            error = response.json()["error"]
            assert error["message"].strip(), response.text
            assert error["kind"] != "internal", response.text
            if case.method.upper() != "GET" and case.path != "/api/v1/auth/login":
                assert store.version() == before, (account, case.path, response.text)


def test_no_server_errors_and_clear_refusals(api: schemathesis.BaseSchema, site: Site) -> None:
    store = Store(site.url)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 30
    seen: list[int] = []
    try:
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def fuzz(case: schemathesis.Case) -> None:
                _check(case, site, store, seen)

            fuzz()
    finally:
        store.dispose()
    # valid and invalid requests alike were sent, and some got through
    print(f"schemathesis: {len(seen)} requests, statuses {sorted(set(seen))}")
    assert len(seen) > 20 * len(operations)
    assert {200, 422} <= set(seen)
