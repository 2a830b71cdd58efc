"""A dashboard on the small bundle: accounts with passwords, and a browser-like client."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from beredt.app import accounts
from beredt.app.context import open_store
from tests.api_support import ACCOUNTS, Site, make_site

PASSWORD = "correct horse battery staple"

#: Every page and the action of the rule table that opens it (the fixture's ids).
PAGES = {
    "/overview": "national.read",
    "/substances": "national.read",
    "/substances/N02BE01": "national.read",
    "/shortages": "plans.read",
    "/shortages/DMP-2026-0001": "plans.read",
    "/scenarios": "jobs.start",
    "/planner": "plans.optimise",
    "/industry": "national.read",
    "/producer": "activations.answer",
    "/holder": "stock.report",
}


def with_passwords(site: Site) -> Site:
    """Give every account of the site the test password."""
    store = open_store(site.url)
    for name in ACCOUNTS:
        accounts.set_password(store, name, PASSWORD, who="test")
    store.dispose()
    return site


def make_web_site(url: str) -> Site:
    """The small bundle at `url`, one account per role, each with the test password."""
    return with_passwords(make_site(url))


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    """Sign in through the login form as a browser does; returns the answer to the post."""
    form = client.get("/login")
    return client.post(
        "/login",
        data={"csrf_token": csrf_of(form.text), "name": name, "password": password, "next": "/"},
        follow_redirects=False,
    )
