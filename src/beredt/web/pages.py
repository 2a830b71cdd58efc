"""The dashboard's pages: each calls the use cases (:mod:`beredt.app`) and the views
(:mod:`beredt.views`) and renders a template; forms validate on the server and, when refused,
show the message with everything typed kept, having written nothing."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from beredt.api.auth import SESSION_COOKIE
from beredt.api.schemas import ConfirmIn, NoticeIn, StockRowIn
from beredt.app import accounts, compute, permissions, records, workflow
from beredt.app.dashboard import LatestRun, latest_run
from beredt.app.jobs import job_view, result_of
from beredt.errors import BeredtError, RateLimited
from beredt.store.server import Account, ServerStore
from beredt.views import dashboard as dv
from beredt.views.fmt import LANGS, Num
from beredt.views.i18n import plain, section_title
from beredt.views.model import Section, Table
from beredt.views.web_text import web_column, web_text
from beredt.web.support import (
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    Page,
    PageError,
    form_of,
    home_of,
    lang_of,
    need,
    new_login_token,
    redirect,
    safe_next,
    signed_in,
)

router = APIRouter(include_in_schema=False)
#: Draws of a national run started from a page (the command's default is 1,000; a page's run
#: should come back within a minute or two on the sample).
RUN_SCENARIOS = 300
#: Largest upload accepted by a page (bytes).
MAX_UPLOAD = compute.MAX_SCENARIO_BYTES
MAX_CSV = 20_000_000
#: Flash messages a redirect may ask a page to show (?done=KEY).
FLASH = {
    "saved",
    "activated",
    "confirmed",
    "declined",
    "run_started",
    "logged_out",
}


# --- plumbing -------------------------------------------------------------------------------
def _state(request: Request) -> Any:
    return request.app.state


def _store(request: Request) -> Any:
    return request.app.state.store


def _version(request: Request) -> int:
    return int(_store(request).version())


def _cached(request: Request, key: str, make: Any) -> Any:
    return _state(request).web_cache.get(_version(request), key, make)


def _bundle(request: Request) -> Any:
    return _state(request).cache.bundle()


def _dataset(request: Request) -> Any:
    return _state(request).cache.dataset()


def _latest(request: Request) -> LatestRun | None:
    return _cached(request, "latest", lambda: latest_run(_store(request)))


def _page(request: Request, account: Account | None, csrf: str, active: str = "") -> Page:
    currency = "NOK"
    if account is not None and not _store(request).is_empty():
        currency = str(_bundle(request).meta.currency)
    return Page(request, account, csrf, lang_of(request), active, currency)


def _render(page: Page, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    done = page.request.query_params.get("done")
    flash = web_text(done, page.lang) if done in FLASH else None
    return _state(page.request).render(page, name, status, flash=flash, **context)


def _problems(exc: BeredtError | ValidationError, lang: str) -> list[dict[str, Any]]:
    """An error as rows of (line, field, reason) for the page."""
    if isinstance(exc, ValidationError):
        return [
            {
                "line": None,
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "rows"),
                "reason": str(e.get("msg", "")),
            }
            for e in exc.errors()
        ]
    details = exc.details()
    if details:
        return [
            {"line": d.get("line"), "field": d.get("field"), "reason": d.get("reason")}
            for d in details
        ]
    return [{"line": None, "field": None, "reason": str(exc)}]


def _field_problem(field: str, key: str, lang: str) -> dict[str, Any]:
    return {"line": None, "field": field, "reason": web_text(key, lang)}


def _problem_table(rows: list[dict[str, Any]]) -> Table:
    return Table(
        "problems",
        plain("Problemer", "Problems"),
        [web_column("line", "int"), web_column("field"), web_column("reason")],
        rows,
    )


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _number(value: str) -> float | None:
    """A number as a person types it: "1 234,5", "1,234.5", "150e6"."""
    text = value.replace("\u00a0", "").replace(" ", "").replace("_", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _run_note(run: LatestRun | None, lang: str) -> str:
    if run is None:
        return web_text("run_none", lang)
    from beredt.views.fmt import date_text

    kept = run.kept_at.astimezone(dt.UTC)
    when = f"{date_text(kept.date(), lang)} {kept:%H:%M} UTC"
    as_of = dt.date.fromisoformat(str(run.report.meta.get("as_of"))[:10])
    return web_text("run_kept", lang, when=when, who=run.kept_by, as_of=date_text(as_of, lang))


def _section(run: LatestRun | None, key: str) -> Section | None:
    if run is None:
        return None
    try:
        section = run.section(key)
    except KeyError:
        return None
    return section if section.available else None


# --- sign-in, language ----------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def root(request: Request) -> Response:
    """The visitor's first page: the login form, or the role's home page when signed in."""
    found = signed_in(request)
    return redirect(home_of(found[0]) if found else "/login", 303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    """The login form (a random token in a cookie and in the form: double-submit CSRF)."""
    token = new_login_token()
    page = _page(request, None, token)
    reason = request.query_params.get("reason")
    message = web_text(reason, page.lang) if reason in ("session_ended", "logged_out") else None
    response = _render(page, "login.html", next=safe_next(next), message=message, error=None)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login",
        secure=request.url.scheme == "https", max_age=3600,
    )  # fmt: skip
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    """Check the password and open a session (the API's), then go on to where the visitor was
    going."""
    form = await request.form()
    lang = lang_of(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    given = str(form.get("csrf_token") or "")
    name = str(form.get("name") or "").strip()
    next_path = safe_next(str(form.get("next") or "/"))
    error = None
    if not expected or given != expected:
        error = web_text("csrf_failed", lang)
    else:
        try:
            remote = request.client.host if request.client else None
            session = accounts.login(
                _store(request), name, str(form.get("password") or ""), remote=remote
            )
        except RateLimited as exc:
            minutes = max(1, exc.retry_after_seconds // 60)
            error = web_text("login_limited", lang, minutes=minutes)
        except BeredtError:
            error = web_text("login_failed", lang)
        else:
            target = next_path if next_path != "/" else home_of(session.account)
            response = redirect(target)
            response.set_cookie(
                SESSION_COOKIE, session.cookie,
                max_age=int(accounts.SESSION_LIFETIME.total_seconds()), httponly=True,
                samesite="lax", secure=request.url.scheme == "https", path="/",
            )  # fmt: skip
            response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
            return response
    token = new_login_token()
    page = _page(request, None, token)
    response = _render(
        page, "login.html", status=401, next=next_path, message=None, error=error, typed=name
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login",
        secure=request.url.scheme == "https", max_age=3600,
    )  # fmt: skip
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session."""
    found = signed_in(request)
    if found is None:
        return redirect("/login")
    account, csrf = found
    await form_of(request, csrf)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.logout(_store(request), cookie, account.name)
    response = redirect("/login?reason=logged_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def set_language(code: str, request: Request, next: str = "/") -> Response:
    """Switch the pages' language (kept in a cookie) and go back."""
    response = redirect(safe_next(next))
    if code in LANGS:
        response.set_cookie(
            LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", path="/", httponly=True
        )
    return response


# --- overview -------------------------------------------------------------------------------
def _open_notices_table(request: Request) -> Table:
    rows = _cached(request, "open_notices", lambda: workflow.open_notices(_dataset(request)))
    return Table(
        "open",
        plain("Åpne mangler", "Open shortages"),
        [
            web_column("notice_id"),
            web_column("atc_code"),
            web_column("name"),
            web_column("criticality"),
            web_column("status"),
            web_column("start_date", "date"),
            web_column("expected_end_date", "date"),
            web_column("days_left", "days"),
        ],
        rows,
    )


@router.get("/overview", response_class=HTMLResponse)
def overview(request: Request) -> Response:
    """The national picture: key figures with intervals, the outlook, open shortages with the
    days of supply left, who has not reported stock."""
    account, csrf = need(request, "national.read")
    page = _page(request, account, csrf, "overview")
    run = _latest(request)
    headline = _section(run, "headline")
    calibration = _section(run, "calibration")
    outlook = None
    if calibration is not None:
        for table in calibration.tables:
            if table.key == "outlook":
                outlook = table
    report = _cached(
        request,
        "reporting",
        lambda: records.reporting(_store(request), _bundle(request), _dataset(request)),
    )
    notices = _open_notices_table(request)
    missing = [h for h in report["holders"] if not h["reported"]]
    reporting = Table(
        "reporting",
        plain("Har ikke rapportert", "Has not reported"),
        [web_column("holder"), web_column("account"), web_column("last_report_date", "date")],
        missing,
    )
    return _render(
        page,
        "overview.html",
        run=run,
        run_note=_run_note(run, page.lang),
        headline=headline,
        outlook=outlook,
        open_notices=notices,
        days_chart=dv.days_left_figure(notices.rows),
        charts=True,
        reporting=reporting,
        since=report["since"],
        can_run=permissions.may_start_job(account.role, "run"),
        run_scenarios=RUN_SCENARIOS,
    )


@router.post("/runs")
async def start_run(request: Request) -> Response:
    """Start a national run in the background (the authority)."""
    account, csrf = need(request, "plans.optimise")
    form = await form_of(request, csrf)
    draws = _number(_text(form, "scenarios") or str(RUN_SCENARIOS))
    lang = lang_of(request)
    if draws is None or not 10 <= draws <= 10_000 or not float(draws).is_integer():
        raise PageError(422, web_text("error_title", lang), web_text("draws_range", lang))
    job_id = _state(request).jobs.submit("run", {"scenarios": int(draws)}, who=account.name)
    return redirect(f"/jobs/{job_id}?done=run_started")


# --- substances -----------------------------------------------------------------------------
def _risk(request: Request) -> Any:
    from beredt.risk import score

    return _cached(request, "risk", lambda: score(_dataset(request)))


def _vulnerability(request: Request) -> Section:
    def make() -> Section:
        from beredt.app.analyses import Analyses, RunParameters
        from beredt.views.sections.vulnerability import vulnerability_section

        dataset = _dataset(request)
        analyses = Analyses(dataset=dataset, parameters=RunParameters(), risk=_risk(request))
        return vulnerability_section(analyses)

    return _cached(request, "vulnerability", make)


def _drivers(request: Request, atc: str) -> dict[str, str]:
    """The substance's main risk drivers in words, in both languages."""
    from beredt.views.phrases import both

    table = _risk(request).substances
    found = table[table["atc_code"] == atc]
    phrases = []
    if len(found):
        row = found.iloc[0]
        phrases = [str(row[c]) for c in ("driver_1", "driver_2", "driver_3") if row[c]]
    texts = [both(p) for p in phrases]
    return {lang: "; ".join(t[lang] for t in texts) or "–" for lang in LANGS}


def _risk_rows(request: Request) -> dict[str, dict[str, Any]]:
    section = _vulnerability(request)
    return {str(r["atc_code"]): r for r in section.table("all").rows}


@router.get("/substances", response_class=HTMLResponse)
def substances(request: Request, q: str = "") -> Response:
    """Every substance with its vulnerability score and days of supply; search by code or name."""
    account, csrf = need(request, "national.read")
    page = _page(request, account, csrf, "substances")
    query = q.strip()[:100]
    risk = _risk_rows(request)
    dataset = _dataset(request)
    days = dataset.days_of_supply()
    rows = []
    for i, (atc, name, crit) in enumerate(
        zip(
            dataset.substances["atc_code"],
            dataset.substances["name"],
            dataset.substances["criticality"],
            strict=True,
        )
    ):
        if (
            query
            and query.upper() not in str(atc).upper()
            and query.lower() not in str(name).lower()
        ):
            continue
        r = risk.get(str(atc), {})
        rows.append(
            {
                "atc_code": atc,
                "name": name,
                "criticality": crit,
                "score": r.get("score"),
                "days_of_supply": float(days[i]) if math.isfinite(days[i]) else None,
            }
        )
    rows.sort(key=lambda r: -(r["score"] or 0.0))
    table = Table(
        "substances",
        plain("Virkestoffer", "Substances"),
        [
            web_column("atc_code"),
            web_column("name"),
            web_column("criticality"),
            web_column("score", "score"),
            web_column("days_of_supply", "days"),
        ],
        rows,
    )
    return _render(page, "substances.html", table=table, q=query)


def _producer_tables(request: Request, account: Account, atc: str) -> list[Table]:
    bundle = _bundle(request)
    tables = []
    for stem, columns in (
        (
            "agreements",
            [
                ("agreement_id", "text"), ("line_id", "text"), ("company_id", "text"),
                ("reserved_ddd_per_day", "ddd"), ("response_days", "int"),
                ("annual_fee", "money"), ("valid_from", "date"), ("valid_until", "date"),
            ],
        ),
        (
            "offers",
            [
                ("offer_id", "text"), ("line_id", "text"), ("company_id", "text"),
                ("reserved_ddd_per_day", "ddd"), ("response_days", "int"),
                ("annual_fee", "money"), ("valid_from", "date"), ("valid_until", "date"),
            ],
        ),
    ):  # fmt: skip
        found = [
            r for r in permissions.producer_rows(bundle, stem, account) if r["atc_code"] == atc
        ]
        tables.append(
            Table(
                stem,
                plain(
                    *{"agreements": ("Avtaler", "Agreements"), "offers": ("Tilbud", "Offers")}[stem]
                ),
                [web_column(k, kind) for k, kind in columns],
                found,
            )
        )
    return tables


@router.get("/substances/{atc}", response_class=HTMLResponse)
def substance(atc: str, request: Request) -> Response:
    """One substance: supply map, stock by tier over time, risk and its drivers, simulated
    outcomes, notices, agreements and offers (prices and capacities for the roles that may)."""
    account, csrf = need(request, "national.read")
    page = _page(request, account, csrf, "substances")
    bundle = _bundle(request)
    found = next((r for r in bundle.rows("substances") if r["atc_code"] == atc), None)
    if found is None:
        raise PageError(
            404, web_text("not_found_title", page.lang), web_text("not_found", page.lang)
        )
    dataset = _dataset(request)
    i = dataset.substance_idx(atc)
    products = [r for r in bundle.rows("products") if r["atc_code"] == atc]
    product_table = Table(
        "products",
        plain("Pakninger", "Packs"),
        [
            web_column("product_id"), web_column("name"), web_column("ma_holder_id"),
            web_column("ddd_per_pack", "float"), web_column("market_share", "pct"),
        ],
        products,
    )  # fmt: skip
    history = records.stock_history(bundle, atc)
    risk_row = _risk_rows(request).get(atc)
    factors = None
    if risk_row is not None:
        section = _vulnerability(request)
        columns = {c.key: c for c in section.table("all").columns}
        factors = Table(
            "factors",
            plain("Faktorer", "Factors"),
            [web_column("factor", "i18n"), web_column("contribution", "score")],
            [
                {"factor": columns[k].header, "contribution": v}
                for k, v in risk_row.items()
                if k.startswith("f_")
            ],
        )
    all_risk = sorted(_risk_rows(request).values(), key=lambda r: -(r["score"] or 0.0))
    rank = next((n for n, r in enumerate(all_risk, 1) if r["atc_code"] == atc), None)
    run = _latest(request)
    outcomes = Table(
        "outcomes",
        plain("Simulerte utfall per scenario", "Simulated outcomes by scenario"),
        [
            web_column("scenario_name", "i18n"), web_column("unmet_ddd_mean", "ddd"),
            web_column("unmet_ddd_p95", "ddd"), web_column("shortage_days_mean", "days"),
            web_column("shortage_prob", "pct"), web_column("stockout_prob", "pct"),
        ],
        (run.outcomes.get(atc, []) if run else []),
    )  # fmt: skip
    notices = Table(
        "notices",
        plain("Mangelvarsler", "Shortage notices"),
        [
            web_column("notice_id"), web_column("status"), web_column("cause"),
            web_column("start_date", "date"), web_column("expected_end_date", "date"),
            web_column("end_date", "date"),
        ],
        sorted(
            (r for r in bundle.rows("shortages") if r["atc_code"] == atc),
            key=lambda r: r["start_date"], reverse=True,
        ),
    )  # fmt: skip
    return _render(
        page,
        "substance.html",
        substance=found,
        demand=float(dataset.demand_ddd_per_day[i]),
        days=float(dataset.days_of_supply()[i]),
        products=product_table,
        charts=True,
        supply_map=dv.supply_map_figure(bundle, atc),
        stock_chart=dv.stock_figure(history),
        risk=risk_row,
        drivers=_drivers(request, atc),
        rank=rank,
        n_substances=len(all_risk),
        factors=factors,
        outcomes=outcomes,
        run_note=_run_note(run, page.lang),
        notices=notices,
        producer_tables=_producer_tables(request, account, atc),
        redacted=not permissions.sees_prices(account.role),
    )


# --- shortages ------------------------------------------------------------------------------
_STATUSES = ("announced", "ongoing", "resolved", "cancelled")
_CAUSES = (
    "unknown", "manufacturing", "quality", "api_supply", "demand_increase", "logistics",
    "regulatory", "commercial", "export_restriction", "other",
)  # fmt: skip


def _board(request: Request, account: Account, csrf: str, **context: Any) -> HTMLResponse:
    page = _page(request, account, csrf, "shortages")
    notices = workflow.notice_rows(_store(request), _bundle(request))
    by_status = {s: [n for n in notices if str(n["status"]) == s] for s in _STATUSES}
    substances = sorted(
        ((r["atc_code"], r["name"]) for r in _bundle(request).rows("substances")),
    )
    status = 422 if context.get("problems") else 200
    return _render(
        page,
        "shortages.html",
        status=status,
        by_status=by_status,
        statuses=_STATUSES,
        causes=_CAUSES,
        substances=substances,
        can_write=permissions.allowed(account.role, "notices.write"),
        values=context.pop("values", {}),
        problems=context.pop("problems", None),
        **context,
    )


@router.get("/shortages", response_class=HTMLResponse)
def shortages(request: Request) -> Response:
    """The shortage board: notices by status, and a new notice (the authority)."""
    account, csrf = need(request, "plans.read")
    return _board(request, account, csrf)


@router.post("/shortages", response_class=HTMLResponse)
async def new_notice(request: Request) -> Response:
    """Record a notice; its response plan is made at once. Bad input: the form again, with the
    message and what was typed, nothing written."""
    account, csrf = need(request, "notices.write")
    form = await form_of(request, csrf)
    fields = (
        "notice_id",
        "atc_code",
        "status",
        "start_date",
        "expected_end_date",
        "cause",
        "title",
    )
    values = {k: _text(form, k) for k in fields}
    lang = lang_of(request)
    try:
        notice = NoticeIn.model_validate({k: v for k, v in values.items() if v})
        if notice.atc_code not in {r["atc_code"] for r in _bundle(request).rows("substances")}:
            from beredt.errors import InvalidInput

            raise InvalidInput(f"atc_code: {notice.atc_code!r} is not a substance of the dataset")
        workflow.create_notice(_store(request), notice.model_dump(), who=account.name)
    except (ValidationError, BeredtError) as exc:
        return _board(
            request, account, csrf, values=values, problems=_problem_table(_problems(exc, lang))
        )
    return redirect(f"/shortages/{notice.notice_id}?done=saved")


def _activation_rows(request: Request, account: Account, notice_id: str) -> list[dict[str, Any]]:
    rows = workflow.activations(_store(request), notice_id=notice_id)
    return [r for r in rows if permissions.visible_activation(r, account)]


def _activation_table(rows: list[dict[str, Any]]) -> Table:
    return Table(
        "activations",
        plain("Aktiveringer", "Activations"),
        [
            web_column("activation_id", "int"), web_column("kind"), web_column("company_id"),
            web_column("line_id"), web_column("status"), web_column("activated_on", "date"),
            web_column("confirm_by", "date"), web_column("eta", "date"),
            web_column("days_overdue", "int"), web_column("confirmed_ddd_per_day", "ddd"),
            web_column("decline_reason"),
        ],
        rows,
    )  # fmt: skip


def _notice_page(
    request: Request, account: Account, csrf: str, notice_id: str, **context: Any
) -> HTMLResponse:
    page = _page(request, account, csrf, "shortages")
    store = _store(request)
    try:
        notice = workflow.notice(store, notice_id, _bundle(request))
    except BeredtError:
        raise PageError(
            404, web_text("not_found_title", page.lang), web_text("not_found", page.lang)
        ) from None
    plan = store.get_document(workflow.PLAN_KIND, notice_id)
    redacted = not permissions.sees_prices(account.role)
    options: list[tuple[str, str]] = []
    if permissions.allowed(account.role, "activations.write"):
        bundle = _bundle(request)
        atc = notice["atc_code"]
        options += [
            (f"agreement:{r['agreement_id']}", f"{web_text('agreements', page.lang)}: {r['agreement_id']} ({r['line_id']})")
            for r in bundle.rows("agreements") if r["atc_code"] == atc
        ]  # fmt: skip
        options += [
            (f"offer:{r['offer_id']}", f"{web_text('offers', page.lang)}: {r['offer_id']} ({r['line_id']})")
            for r in bundle.rows("offers") if r["atc_code"] == atc
        ]  # fmt: skip
        options += [
            (f"line:{r['line_id']}", f"{web_text('lines', page.lang)}: {r['line_id']}")
            for r in bundle.rows("capabilities") if r["atc_code"] == atc and r["qualified"]
        ]  # fmt: skip
    status = 422 if context.get("problems") else 200
    return _render(
        page,
        "notice.html",
        status=status,
        notice=notice,
        plan=plan,
        plan_kpis=dv.plan_kpis(plan) if plan else [],
        actions=dv.plan_actions_table(plan, redacted) if plan else None,
        timeline=dv.timeline_figure(plan) if plan else None,
        charts=plan is not None,
        activations=_activation_table(_activation_rows(request, account, notice_id)),
        options=options,
        statuses=_STATUSES,
        can_write=permissions.allowed(account.role, "notices.write"),
        values=context.pop("values", {}),
        problems=context.pop("problems", None),
        plan_note=context.pop("plan_note", None),
        **context,
    )


@router.get("/shortages/{notice_id}", response_class=HTMLResponse)
def notice_page(notice_id: str, request: Request) -> Response:
    """A notice: its response plan (actions, timeline, uncertainty), activations and answers."""
    account, csrf = need(request, "plans.read")
    return _notice_page(request, account, csrf, notice_id)


@router.post("/shortages/{notice_id}/activations", response_class=HTMLResponse)
async def activate(notice_id: str, request: Request) -> Response:
    """Activate an agreement, or ask for an offer or a qualified line (the authority)."""
    account, csrf = need(request, "activations.write")
    form = await form_of(request, csrf)
    lang = lang_of(request)
    choice = _text(form, "choice")
    days_text = _text(form, "confirm_within_days") or "2"
    values = {"choice": choice, "confirm_within_days": days_text}
    kind, _, key = choice.partition(":")
    days = _number(days_text)
    problems = []
    if kind not in ("agreement", "offer", "line") or not key:
        problems.append(_field_problem("choice", "choose", lang))
    if days is None or not days.is_integer() or not 0 <= days <= 90:
        problems.append({"line": None, "field": "confirm_within_days", "reason": "0–90"})
    if not problems:
        try:
            workflow.activate(
                _store(request), notice_id,
                agreement_id=key if kind == "agreement" else None,
                offer_id=key if kind == "offer" else None,
                line_id=key if kind == "line" else None,
                confirm_within_days=int(days or 0), who=account.name,
            )  # fmt: skip
        except BeredtError as exc:
            problems = _problems(exc, lang)
    if problems:
        return _notice_page(
            request, account, csrf, notice_id, values=values, problems=_problem_table(problems)
        )
    return redirect(f"/shortages/{notice_id}?done=activated")


@router.post("/shortages/{notice_id}/plan", response_class=HTMLResponse)
async def make_plan(notice_id: str, request: Request) -> Response:
    """Plan the response to a notice now (one recorded without a plan, e.g. imported)."""
    account, csrf = need(request, "notices.write")
    await form_of(request, csrf)
    try:
        made = workflow.refresh_plan(_store(request), notice_id, who=account.name)
    except BeredtError as exc:
        return _notice_page(
            request, account, csrf, notice_id,
            problems=_problem_table(_problems(exc, lang_of(request))),
        )  # fmt: skip
    if made["plan"] is None:
        return _notice_page(request, account, csrf, notice_id, plan_note=made["note"])
    return redirect(f"/shortages/{notice_id}?done=saved")


@router.post("/shortages/{notice_id}/status", response_class=HTMLResponse)
async def change_status(notice_id: str, request: Request) -> Response:
    """Change a notice's status (the plan is made again)."""
    account, csrf = need(request, "notices.write")
    form = await form_of(request, csrf)
    status = _text(form, "status")
    lang = lang_of(request)
    if status not in _STATUSES:
        return _notice_page(
            request, account, csrf, notice_id, values={"status": status},
            problems=_problem_table([_field_problem("status", "choose", lang)]),
        )  # fmt: skip
    try:
        workflow.update_notice(_store(request), notice_id, {"status": status}, who=account.name)
    except BeredtError as exc:
        return _notice_page(
            request, account, csrf, notice_id, problems=_problem_table(_problems(exc, lang))
        )
    return redirect(f"/shortages/{notice_id}?done=saved")


# --- scenarios and jobs ---------------------------------------------------------------------
def _jobs_table(request: Request, account: Account) -> Table:
    mine = None if account.role in permissions.AUTHORITY else account.name
    jobs = [job_view(j) for j in ServerStore(_store(request)).list_jobs(created_by=mine)][:20]
    return Table(
        "jobs",
        plain("Jobber", "Jobs"),
        [
            web_column("job_id"), web_column("kind"), web_column("status"),
            web_column("progress", "pct"), web_column("created_by"),
        ],
        jobs,
    )  # fmt: skip


def _scenarios_page(request: Request, account: Account, csrf: str, **context: Any) -> HTMLResponse:
    page = _page(request, account, csrf, "scenarios")
    from beredt.sim import load_scenario

    library = []
    for path in compute.scenario_library():
        scenario = load_scenario(path)
        library.append(
            {
                "key": path.stem,
                "name": {"nb": scenario.name_nb or scenario.name, "en": scenario.name},
                "description": {
                    "nb": scenario.description_nb or scenario.description,
                    "en": scenario.description,
                },
            }
        )
    status = 422 if context.get("problems") else 200
    return _render(
        page,
        "scenarios.html",
        status=status,
        library=library,
        jobs=_jobs_table(request, account),
        values=context.pop("values", {}),
        problems=context.pop("problems", None),
    )


@router.get("/scenarios", response_class=HTMLResponse)
def scenarios(request: Request) -> Response:
    """Pick a library scenario or upload a file; the jobs so far."""
    account, csrf = need(request, "jobs.start")
    return _scenarios_page(request, account, csrf)


async def _upload_text(form: Mapping[str, Any], name: str, limit: int, lang: str) -> str | None:
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    raw = await upload.read(limit + 1)
    if len(raw) > limit:
        from beredt.errors import InvalidInput

        raise InvalidInput(f"{name}: larger than {limit:,} bytes")
    try:
        return raw.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        from beredt.errors import InvalidInput

        raise InvalidInput(f"{name}: {web_text('not_toml', lang)}") from None


@router.post("/scenarios", response_class=HTMLResponse)
async def run_scenario(request: Request) -> Response:
    """Simulate a library scenario or an uploaded file as a background job."""
    account, csrf = need(request, "jobs.start")
    form = await form_of(request, csrf)
    lang = lang_of(request)
    chosen = _text(form, "scenario")
    draws_text = _text(form, "scenarios") or "500"
    values = {"scenario": chosen, "scenarios": draws_text}
    draws = _number(draws_text)
    problems: list[dict[str, Any]] = []
    if draws is None or not draws.is_integer() or not 10 <= draws <= 10_000:
        problems.append(_field_problem("scenarios", "draws_range", lang))
    parameters: dict[str, Any] = {}
    try:
        text = await _upload_text(form, "file", MAX_UPLOAD, lang)
        if text is not None:
            upload = form.get("file")
            name = str(getattr(upload, "filename", "") or "uploaded").rsplit("/", 1)[-1]
            name = name.removesuffix(".toml")[:60] or "uploaded"
            compute.uploaded_scenario(text, _dataset(request), name)
            parameters = {"scenario": name, "scenario_toml": text}
        elif chosen:
            compute.library_scenario(chosen)
            parameters = {"scenario": chosen}
        else:
            problems.append(_field_problem("scenario", "choose_scenario", lang))
    except BeredtError as exc:
        problems += _problems(exc, lang)
    if problems:
        return _scenarios_page(
            request, account, csrf, values=values, problems=_problem_table(problems)
        )
    parameters["scenarios"] = int(draws or 0)
    job_id = _state(request).jobs.submit("simulate", parameters, who=account.name)
    return redirect(f"/jobs/{job_id}")


def _job(request: Request, account: Account, job_id: str, with_result: bool = False) -> Any:
    job = (
        ServerStore(_store(request)).job(job_id, with_result=with_result)
        if len(job_id) == 32
        else None
    )
    visible = job is not None and (
        account.role in permissions.AUTHORITY or job["created_by"] == account.name
    )
    if not visible:
        lang = lang_of(request)
        raise PageError(404, web_text("not_found_title", lang), web_text("not_found", lang))
    return job


def _progress_context(job: Mapping[str, Any]) -> dict[str, Any]:
    view = job_view(job)
    return {"job": view, "finished": view["status"] in ("succeeded", "failed")}


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(job_id: str, request: Request) -> Response:
    """A background job: live progress while it runs, its results once it has finished."""
    account, csrf = need(request, "jobs.read")
    page = _page(request, account, csrf, "scenarios")
    job = _job(request, account, job_id, with_result=True)
    context = _progress_context(job)
    kpis: list[Any] = []
    table, figure = None, None
    if job["status"] == "succeeded" and job["kind"] == "simulate":
        result = result_of(job)
        kpis, table = dv.simulation_tables(result)
        figure = dv.simulation_figure(result)
    return _render(
        page, "job.html", kpis=kpis, table=table, figure=figure, charts=figure is not None,
        **context,
    )  # fmt: skip


@router.get("/jobs/{job_id}/progress", response_class=HTMLResponse)
def job_progress(job_id: str, request: Request) -> Response:
    """The progress bar of a job (htmx polls it; a finished job reloads its page)."""
    account, csrf = need(request, "jobs.read")
    page = _page(request, account, csrf, "scenarios")
    context = _progress_context(_job(request, account, job_id))
    response = _render(page, "progress.html", **context)
    if context["finished"]:
        response.headers["HX-Refresh"] = "true"
    return response


@router.get("/jobs/{job_id}/result.json")
def job_result_json(job_id: str, request: Request) -> Response:
    """A finished job's result (the command's ``--json``) as a download."""
    account, _ = need(request, "jobs.read")
    job = _job(request, account, job_id, with_result=True)
    if job["status"] != "succeeded":
        raise PageError(404, web_text("not_found_title", lang_of(request)), job["status"])
    body = json.dumps(result_of(job), indent=2, ensure_ascii=False, sort_keys=True)
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="beredt-{job["kind"]}-{job_id[:8]}.json"'
        },
    )


@router.get("/jobs/{job_id}/substances.csv")
def job_result_csv(job_id: str, request: Request) -> Response:
    """A finished simulation's per-substance statistics as CSV."""
    account, _ = need(request, "jobs.read")
    job = _job(request, account, job_id, with_result=True)
    if job["status"] != "succeeded" or job["kind"] != "simulate":
        raise PageError(404, web_text("not_found_title", lang_of(request)), job["status"])
    return Response(
        dv.simulation_csv(result_of(job)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="beredt-simulate-{job_id[:8]}.csv"'},
    )


# --- planner --------------------------------------------------------------------------------
_OBJECTIVES = ("loss", "vital-days", "loss-capped")


def _planner_page(request: Request, account: Account, csrf: str, **context: Any) -> HTMLResponse:
    page = _page(request, account, csrf, "planner")
    run = _latest(request)
    status = 422 if context.get("problems") else 200
    return _render(
        page,
        "planner.html",
        status=status,
        run=run,
        run_note=_run_note(run, page.lang),
        frontier=_section(run, "frontier"),
        recommendations=_section(run, "recommendations"),
        frontier_title=section_title("frontier"),
        recommendations_title=section_title("recommendations"),
        charts=run is not None,
        objectives=_OBJECTIVES,
        values=context.pop("values", {}),
        problems=context.pop("problems", None),
        run_scenarios=RUN_SCENARIOS,
    )


@router.get("/planner", response_class=HTMLResponse)
def planner(request: Request) -> Response:
    """Budget, floors and objective; the frontier with today's plan on it; the shortlist."""
    account, csrf = need(request, "plans.optimise")
    return _planner_page(request, account, csrf)


@router.post("/planner", response_class=HTMLResponse)
async def replan(request: Request) -> Response:
    """Run the national analysis again at a budget, policy floors and objective."""
    account, csrf = need(request, "plans.optimise")
    form = await form_of(request, csrf)
    lang = lang_of(request)
    keys = ("budget", "policy", "floor_vital", "floor_essential", "objective", "scenarios")
    values = {k: _text(form, k) for k in keys}
    problems = []
    parameters: dict[str, Any] = {}
    if values["budget"]:
        budget = _number(values["budget"])
        if budget is None or budget < 0 or budget > 1e13:
            problems.append(_field_problem("budget", "budget_bad", lang))
        else:
            parameters["budget"] = budget
    if values["policy"] not in ("default", "none"):
        problems.append(_field_problem("policy", "choose", lang))
    else:
        parameters["policy"] = values["policy"]
    floors = []
    for crit in ("vital", "essential"):
        text = values[f"floor_{crit}"]
        if text:
            weeks = _number(text)
            if weeks is None or not 0 <= weeks <= 104:
                problems.append(_field_problem(f"floor_{crit}", "floor_bad", lang))
            else:
                floors.append(f"{crit}:{weeks:g}")
    parameters["min_cover"] = floors
    if values["objective"]:
        if values["objective"] not in _OBJECTIVES:
            problems.append(_field_problem("objective", "choose", lang))
        else:
            parameters["objective"] = values["objective"]
    draws = _number(values["scenarios"] or str(RUN_SCENARIOS))
    if draws is None or not draws.is_integer() or not 10 <= draws <= 10_000:
        problems.append(_field_problem("scenarios", "draws_range", lang))
    else:
        parameters["scenarios"] = int(draws)
    if problems:
        return _planner_page(
            request, account, csrf, values=values, problems=_problem_table(problems)
        )
    job_id = _state(request).jobs.submit("run", parameters, who=account.name)
    return redirect(f"/jobs/{job_id}?done=run_started")


@router.get("/planner/workbook.xlsx")
def planner_workbook(request: Request) -> Response:
    """The planner's sections of the latest run (frontier, recommendations, offers) as an Excel
    workbook, written by the report's workbook writer."""
    need(request, "plans.optimise")
    run = _latest(request)
    lang = lang_of(request)
    if run is None:
        raise PageError(404, web_text("not_found_title", lang), web_text("run_none", lang))
    import tempfile
    from pathlib import Path

    from beredt.report.xlsx import write_workbook
    from beredt.views.model import Report

    keys = ("frontier", "recommendations", "offers")
    report = Report(run.report.meta, [s for s in run.report.sections if s.key in keys])
    with tempfile.TemporaryDirectory(prefix="beredt-web-") as folder:
        path = write_workbook(report, Path(folder) / "plan.xlsx", lang)
        data = path.read_bytes()
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="beredt-plan.xlsx"'},
    )


# --- producer portal ------------------------------------------------------------------------
def _company_of(request: Request, account: Account) -> str | None:
    if account.role == "producer":
        return account.company_id
    wanted = request.query_params.get("company", "")
    companies = {r["company_id"] for r in _bundle(request).rows("lines")}
    return wanted if wanted in companies else None


def _producer_page(request: Request, account: Account, csrf: str, **context: Any) -> HTMLResponse:
    page = _page(request, account, csrf, "producer")
    bundle = _bundle(request)
    company = _company_of(request, account)
    companies = sorted({r["company_id"] for r in bundle.rows("lines")})
    names = {r["company_id"]: r["name"] for r in bundle.rows("companies")}
    tables: list[Table] = []
    waiting: list[dict[str, Any]] = []
    answered: Table | None = None
    if company is not None:
        scoped = Account(**{**account.__dict__, "role": "producer", "company_id": company})
        specs = {
            "lines": [("line_id", "text"), ("name", "text"), ("dosage_forms", "text"),
                      ("response_days", "int"), ("ramp_days", "int")],
            "capabilities": [("line_id", "text"), ("atc_code", "text"),
                             ("capacity_ddd_per_day", "ddd"), ("unit_cost_per_ddd", "float"),
                             ("api_on_hand_ddd", "ddd"), ("api_source_country", "text"),
                             ("qualified", "bool")],
            "offers": [("offer_id", "text"), ("line_id", "text"), ("atc_code", "text"),
                       ("reserved_ddd_per_day", "ddd"), ("response_days", "int"),
                       ("annual_fee", "money"), ("valid_from", "date"), ("valid_until", "date")],
            "agreements": [("agreement_id", "text"), ("line_id", "text"), ("atc_code", "text"),
                           ("reserved_ddd_per_day", "ddd"), ("response_days", "int"),
                           ("annual_fee", "money"), ("valid_from", "date"),
                           ("valid_until", "date")],
        }  # fmt: skip
        titles = {
            "lines": ("Produksjonslinjer", "Production lines"),
            "capabilities": ("Kapabiliteter", "Capabilities"),
            "offers": ("Tilbud", "Offers"),
            "agreements": ("Avtaler", "Agreements"),
        }
        for stem, columns in specs.items():
            rows = permissions.producer_rows(bundle, stem, scoped)
            for row in rows:
                if isinstance(row.get("dosage_forms"), (list, tuple)):
                    row["dosage_forms"] = ", ".join(row["dosage_forms"])  # "tablet, capsule"
            tables.append(
                Table(
                    stem, plain(*titles[stem]), [web_column(k, kind) for k, kind in columns], rows
                )
            )
        activations = workflow.activations(_store(request), company_id=company)
        waiting = [a for a in activations if a["status"] == "requested"]
        answered = _activation_table([a for a in activations if a["status"] != "requested"])
    status = 422 if context.get("problems") else 200
    return _render(
        page,
        "producer.html",
        status=status,
        company=company,
        company_name=names.get(company or "", company or ""),
        companies=[(c, names.get(c, c)) for c in companies] if account.role != "producer" else [],
        tables=tables,
        waiting=waiting,
        answered=answered,
        values=context.pop("values", {}),
        problems=context.pop("problems", None),
        failed_id=context.pop("failed_id", None),
    )


@router.get("/producer", response_class=HTMLResponse)
def producer(request: Request) -> Response:
    """The producer's own lines, capabilities, offers, agreements and activations to answer."""
    account, csrf = need(request, "activations.answer")
    return _producer_page(request, account, csrf)


def _own_activation(request: Request, account: Account, activation_id: str) -> dict[str, Any]:
    lang = lang_of(request)
    missing = PageError(404, web_text("not_found_title", lang), web_text("not_found", lang))
    if not activation_id.isdigit() or not 0 < int(activation_id) < 2**53:
        raise missing
    try:
        found = workflow.activation(_store(request), int(activation_id))
    except BeredtError:
        raise missing from None
    if not permissions.visible_activation(found, account):
        raise missing  # another company's: as if it did not exist
    return found


@router.post("/producer/activations/{activation_id}/confirm", response_class=HTMLResponse)
async def confirm(activation_id: str, request: Request) -> Response:
    """Confirm an activation: first output on a date at a rate."""
    account, csrf = need(request, "activations.answer")
    form = await form_of(request, csrf)  # the token first, as on every form
    found = _own_activation(request, account, activation_id)
    lang = lang_of(request)
    values = {"start_date": _text(form, "start_date"), "ddd_per_day": _text(form, "ddd_per_day")}
    rate = _number(values["ddd_per_day"])
    try:
        answer = ConfirmIn.model_validate(
            {"start_date": values["start_date"] or None, "ddd_per_day": rate}
        )
        workflow.confirm(
            _store(request), found["activation_id"], start_date=answer.start_date,
            ddd_per_day=answer.ddd_per_day, who=account.name,
        )  # fmt: skip
    except (ValidationError, BeredtError) as exc:
        return _producer_page(
            request, account, csrf, values=values, failed_id=found["activation_id"],
            problems=_problem_table(_problems(exc, lang)),
        )  # fmt: skip
    return redirect(_back_to_producer(request, account) + "done=confirmed")


@router.post("/producer/activations/{activation_id}/decline", response_class=HTMLResponse)
async def decline(activation_id: str, request: Request) -> Response:
    """Decline an activation, with the reason."""
    account, csrf = need(request, "activations.answer")
    form = await form_of(request, csrf)  # the token first, as on every form
    found = _own_activation(request, account, activation_id)
    lang = lang_of(request)
    reason = _text(form, "reason")[:2000]
    try:
        workflow.decline(_store(request), found["activation_id"], reason=reason, who=account.name)
    except BeredtError as exc:
        return _producer_page(
            request, account, csrf, values={"reason": reason}, failed_id=found["activation_id"],
            problems=_problem_table(_problems(exc, lang)),
        )  # fmt: skip
    return redirect(_back_to_producer(request, account) + "done=declined")


def _back_to_producer(request: Request, account: Account) -> str:
    company = request.query_params.get("company")
    if account.role != "producer" and company:
        from urllib.parse import quote

        return f"/producer?company={quote(company)}&"
    return "/producer?"


# --- holder portal --------------------------------------------------------------------------
def _holder_of(request: Request, account: Account) -> str | None:
    if account.role == "holder":
        return account.holder
    wanted = request.query_params.get("holder", "")
    holders = {str(r["holder"]) for r in _bundle(request).rows("stock")}
    return wanted if wanted in holders else None


def _holder_page(request: Request, account: Account, csrf: str, **context: Any) -> HTMLResponse:
    page = _page(request, account, csrf, "holder")
    bundle = _bundle(request)
    holder = _holder_of(request, account)
    positions = None
    reports = None
    if holder is not None:
        names = {r["product_id"]: r["name"] for r in bundle.rows("products")}
        rows = sorted(
            (
                {**r, "name": names.get(r["product_id"], "")}
                for r in bundle.rows("stock")
                if r["holder"] == holder
            ),
            key=lambda r: (r["date"], r["product_id"]),
            reverse=True,
        )
        positions = Table(
            "positions",
            plain("Lagerposisjoner", "Stock positions"),
            [
                web_column("date", "date"), web_column("product_id"), web_column("name"),
                web_column("tier"), web_column("kind"), web_column("packs", "int"),
                web_column("source"),
            ],
            rows,
        )  # fmt: skip
        events = [
            {
                "recorded": f"{e['at']:%Y-%m-%d %H:%M} UTC" if e.get("at") else None,
                "who": e.get("who"),
                "entries": (e.get("detail") or {}).get("entries"),
                "packs": (e.get("detail") or {}).get("packs"),
            }
            for e in _store(request).audit(200, containing=holder)
            if e.get("action") == "stock report"
            and holder in ((e.get("detail") or {}).get("holders") or [])
        ]
        reports = Table(
            "reports",
            plain("Rapporter", "Reports"),
            [
                web_column("recorded"), web_column("who"), web_column("entries", "int"),
                web_column("packs", "int"),
            ],
            events,
        )  # fmt: skip
    holders = sorted({str(r["holder"]) for r in bundle.rows("stock")})
    products = sorted((r["product_id"], r["name"]) for r in bundle.rows("products"))
    status = 422 if context.get("problems") else 200
    return _render(
        page,
        "holder.html",
        status=status,
        holder=holder,
        holders=holders if account.role != "holder" else [],
        products=products,
        tiers=("wholesale", "hospital", "pharmacy", "preparedness", "producer"),
        positions=positions,
        reports=reports,
        values=context.pop("values", {}),
        problems=context.pop("problems", None),
        receipt=context.pop("receipt", None),
    )


@router.get("/holder", response_class=HTMLResponse)
def holder(request: Request) -> Response:
    """The holder's own stock positions and reports; a report by form or CSV."""
    account, csrf = need(request, "stock.report")
    return _holder_page(request, account, csrf)


def _receipt_text(receipt: Any, lang: str) -> str:
    if receipt.replayed:
        return web_text("replayed", lang)
    return web_text("reported", lang, n=Num(len(receipt.entry_ids), "int"))


@router.post("/holder/report", response_class=HTMLResponse)
async def holder_report(request: Request) -> Response:
    """One stock count or movement from the form, validated like a report (all or nothing)."""
    account, csrf = need(request, "stock.report")
    holder_name = _holder_of(request, account)
    form = await form_of(request, csrf)
    lang = lang_of(request)
    keys = ("date", "product_id", "tier", "packs", "kind", "source", "idempotency_key")
    values = {k: _text(form, k) for k in keys}
    if holder_name is None:
        return _holder_page(
            request, account, csrf, values=values,
            problems=_problem_table([_field_problem("holder", "choose_holder", lang)]),
        )  # fmt: skip
    packs = _number(values["packs"]) if values["packs"] else None
    try:
        row = StockRowIn.model_validate(
            {
                "date": values["date"] or None,
                "product_id": values["product_id"] or None,
                "tier": values["tier"] or None,
                "packs": int(packs)
                if packs is not None and packs.is_integer()
                else values["packs"] or None,
                "kind": values["kind"] or "count",
                "source": values["source"] or "web form",
                "holder": holder_name,
            }
        )
        receipt = records.report_stock(
            _store(request), [row.model_dump()], who=account.name, holder=holder_name,
            report_key=values["idempotency_key"] or None, label="stock report",
        )  # fmt: skip
    except (ValidationError, BeredtError) as exc:
        return _holder_page(
            request, account, csrf, values=values, problems=_problem_table(_problems(exc, lang))
        )
    return _holder_page(request, account, csrf, receipt=_receipt_text(receipt, lang))


@router.post("/holder/report.csv", response_class=HTMLResponse)
async def holder_report_csv(request: Request) -> Response:
    """A stock report as a CSV file (the columns of stock.csv), all or nothing."""
    account, csrf = need(request, "stock.report")
    holder_name = _holder_of(request, account)
    form = await form_of(request, csrf)
    lang = lang_of(request)
    if holder_name is None:
        return _holder_page(
            request, account, csrf,
            problems=_problem_table([_field_problem("holder", "choose_holder", lang)]),
        )  # fmt: skip
    try:
        text = await _upload_text(form, "file", MAX_CSV, lang)
        if text is None:
            from beredt.errors import InvalidInput

            raise InvalidInput(f"file: {web_text('report_file', lang)}")
        rows, lines = records.parse_stock_csv(text, holder=holder_name)
        receipt = records.report_stock(
            _store(request), rows, who=account.name, lines=lines, holder=holder_name,
            report_key=_text(form, "idempotency_key") or None,
        )  # fmt: skip
    except BeredtError as exc:
        return _holder_page(request, account, csrf, problems=_problem_table(_problems(exc, lang)))
    return _holder_page(request, account, csrf, receipt=_receipt_text(receipt, lang))


# --- industry -------------------------------------------------------------------------------
@router.get("/industry", response_class=HTMLResponse)
def industry(request: Request) -> Response:
    """Exports against the doubling target, trade balance, self-sufficiency; the export
    report's four measures (clinical trials, home market, competence, risk relief) against
    their targets, with the investment cases when the latest run has them."""
    account, csrf = need(request, "national.read")
    page = _page(request, account, csrf, "industry")

    def make() -> Section:
        from beredt.app.analyses import Analyses, RunParameters
        from beredt.industry import industry_indicators
        from beredt.views.sections.industry import industry_section

        dataset = _dataset(request)
        analyses = Analyses(
            dataset=dataset, parameters=RunParameters(), industry=industry_indicators(dataset)
        )
        return industry_section(analyses)

    section = _cached(request, "industry", make)
    run = _latest(request)
    measures = _section(run, "measures")
    if measures is not None:
        measures_note = _run_note(run, page.lang)
    else:
        measures = _cached(request, "measures", lambda: _measures_now(request))
        measures_note = web_text("measures_now", page.lang)
    charts = any(f.kind == "plotly" for f in [*section.figures, *measures.figures])
    return _render(
        page,
        "industry.html",
        section=section,
        measures=measures,
        measures_note=measures_note,
        industry_heading=section_title("industry"),
        measures_heading=section_title("measures"),
        charts=charts,
    )


def _measures_now(request: Request) -> Section:
    """The four measures against their targets from the store's data, without the optimiser
    (the latest run's section has the state's loss avoided per fee and the investment cases)."""
    from beredt.app.analyses import Analyses, RunParameters
    from beredt.industry.measures import measure_indicators
    from beredt.views.sections.measures import measures_section

    dataset = _dataset(request)
    analyses = Analyses(
        dataset=dataset, parameters=RunParameters(), measures=measure_indicators(dataset)
    )
    return measures_section(analyses)
