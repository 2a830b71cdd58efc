"""``beredt respond`` (a response plan for a shortage) and ``beredt shortages`` (the notices)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.text import Text

from beredt.app import workflow
from beredt.cli.common import (
    AsOfOption,
    DatabaseOption,
    JsonOption,
    after_commit,
    as_date,
    check_json_target,
    console_for,
    emit_json,
    fail,
    fail_unknown,
    load_dataset,
    open_store,
)
from beredt.domain.atc import matches_prefix
from beredt.domain.enums import ShortageCause
from beredt.respond import (
    NoticeError,
    ResponseNotice,
    ResponseParams,
    ResponsePlan,
    days_of_supply_left,
)
from beredt.results import to_jsonable
from beredt.store import StoreError
from beredt.views.respond import to_html, to_markdown
from beredt.views.respond_text import LANGS, action_title, date, number, percent, summary, word
from beredt.views.terminal import Col, data_table, show

#: Kind of the store documents that hold saved response plans.
DOCUMENT_KIND = workflow.PLAN_KIND

DateOption = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])]


def _present(value: Any) -> Any:
    """`value`, or None where the frame holds a missing value (NaN, NaT, None)."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def parse_floor(text: str) -> dict[str, float]:
    """``--preparedness-floor``: ``0.3`` or ``30%`` (share of the stock) or ``14d`` (days)."""
    value = text.strip().lower()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(%|d|days?)?", value)
    if not m:
        raise typer.BadParameter(f"{text!r}: write a share (0.3 or 30%) or days of demand (14d)")
    number_, unit = float(m.group(1)), m.group(2)
    if unit in ("d", "day", "days"):
        return {"preparedness_floor_share": 0.0, "preparedness_floor_days": number_}
    share = number_ / 100.0 if unit == "%" else number_
    if not 0 <= share <= 1:
        raise typer.BadParameter(f"{text!r}: a share must lie between 0 and 1 (0 % and 100 %)")
    return {"preparedness_floor_share": share}


def _notice(
    dataset: Any,
    notice_id: str | None,
    product: str | None,
    atc: str | None,
    start: dt.date | None,
    until: dt.date | None,
    duration_days: int | None,
    cause: ShortageCause,
) -> ResponseNotice:
    chosen = [x for x in (notice_id, product, atc) if x]
    if len(chosen) != 1:
        fail("give exactly one of --notice ID, --product ID or --atc CODE")
    if until is not None and duration_days is not None:
        fail("give --until or --duration-days, not both")
    if duration_days is not None and duration_days < 1:
        fail("--duration-days must be at least 1")
    if notice_id:
        _check_notice(dataset, notice_id)
    elif product:
        products = dataset.products
        if product not in set(products["product_id"].astype(str)):
            fail_unknown(
                "product",
                product,
                products["product_id"].astype(str).tolist(),
                "products.csv of `beredt export bundle DIR` lists them",
                names=dict(zip(products["product_id"].astype(str), products["name"], strict=True)),
            )
    elif atc:
        _check_substance(dataset, atc)
    try:
        if notice_id:
            if start is not None:
                fail("--from applies to --product and --atc; a notice has its own start")
            notice = ResponseNotice.from_dataset(dataset, notice_id)
        else:
            if start is None:
                fail("--product and --atc need --from DATE (the first day without supply)")
            if product:
                notice = ResponseNotice.for_product(dataset, product, start, cause=cause.value)
            else:
                notice = ResponseNotice(
                    atc_code=str(atc).upper(), start_date=start, cause=cause.value
                )
        if duration_days is not None:
            until = notice.start_date + dt.timedelta(days=duration_days - 1)
        if until is not None:
            notice = notice.with_end(until)
    except NoticeError as exc:
        fail(str(exc))
    return notice


def _check_notice(dataset: Any, notice_id: str) -> None:
    """Fail unless the notice is known on the as-of date (close ids suggested otherwise)."""
    known = dataset.shortages["notice_id"].astype(str).tolist()
    if notice_id in known:
        return
    for row in dataset.bundle.rows("shortages"):
        if row["notice_id"] == notice_id:
            since = row["announced_date"] or row["start_date"]
            fail(
                f"shortage notice {notice_id!r} is not known on {dataset.as_of}: it became known "
                f"on {since}; give --as-of {since} or later"
            )
    fail_unknown(
        "shortage notice",
        notice_id,
        known,
        "`beredt shortages` lists them",
        where=f"on {dataset.as_of}",
    )


def _check_substance(dataset: Any, atc: str) -> None:
    """Fail unless `atc` is a substance of the dataset (close codes and names suggested)."""
    subs = dataset.substances
    codes = subs["atc_code"].astype(str).tolist()
    if atc.upper() not in codes:
        fail_unknown(
            "substance",
            atc,
            codes,
            "`beredt status --json -` lists them",
            names=dict(zip(codes, subs["name"].astype(str), strict=True)),
        )


def _print_plan(console: Console, plan: ResponsePlan, lang: str) -> None:
    nb = lang == "nb"
    # A rule's title is cut to fit the line: the notice id (an EMA URL, say) goes on its own.
    console.rule()
    console.print(
        Text(f"{plan.substance.name} ({plan.substance.atc_code}) – {plan.notice.key}", "bold")
    )
    console.print(summary(plan, lang), markup=False)
    table = data_table(
        ("Prioritet" if nb else "Priority", "number"),  # the action's rank, shared by its kind
        ("Tiltak" if nb else "Action", "name"),
        ("Status", "text"),
        Col("ETA", "number", justify="left"),
        ("DDD", "number"),
        Col("Start / slutt" if nb else "Start / end", "number", justify="left"),
        title="Tiltak" if nb else "Actions",
        show_edge=False,
    )
    for a in plan.actions:
        table.add_row(
            str(a.priority),
            action_title(a, lang),
            word(a.status.value, lang),
            date(a.eta_date, lang),
            number(a.quantity_ddd, lang),
            f"{date(a.start_date, lang)}\n{date(a.end_date, lang)}",
        )
    show(console, table)


def respond(
    notice_id: Annotated[
        str | None, typer.Option("--notice", metavar="ID", help="A shortage notice in the store.")
    ] = None,
    product: Annotated[
        str | None, typer.Option("--product", metavar="ID", help="A product out of supply.")
    ] = None,
    atc: Annotated[
        str | None, typer.Option("--atc", metavar="CODE", help="A substance out of supply.")
    ] = None,
    start: Annotated[
        dt.datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="First day without supply."),
    ] = None,
    until: Annotated[
        dt.datetime | None,
        typer.Option("--until", formats=["%Y-%m-%d"], help="Expected last day (overrides)."),
    ] = None,
    duration_days: Annotated[
        int | None, typer.Option("--duration-days", metavar="N", help="Expected duration.")
    ] = None,
    cause: Annotated[
        ShortageCause, typer.Option("--cause", help="Cause of a shortage given by --product/--atc.")
    ] = ShortageCause.UNKNOWN,
    json_target: JsonOption = None,
    md: Annotated[Path | None, typer.Option("--md", metavar="FILE", help="Write Markdown.")] = None,
    html_file: Annotated[
        Path | None, typer.Option("--html", metavar="FILE", help="Write a standalone HTML page.")
    ] = None,
    png: Annotated[
        Path | None, typer.Option("--png", metavar="FILE", help="Write the timeline chart (PNG).")
    ] = None,
    save: Annotated[bool, typer.Option("--save", help="Save the plan in the store.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Language: nb (bokmål) or en.")] = "en",
    preparedness_floor: Annotated[
        str | None,
        typer.Option(
            "--preparedness-floor",
            metavar="SHARE|Nd",
            help="Preparedness stock kept back: a share (0.3, 30%) or days of demand (14d). "
            "Default 25 %.",
        ),
    ] = None,
    import_lead_days: Annotated[
        int | None, typer.Option("--import-lead-days", help="Exemption import lead time (days).")
    ] = None,
    import_share: Annotated[
        float | None,
        typer.Option("--import-share", help="Share of demand importable per day (0–1)."),
    ] = None,
    plan_quantile: Annotated[
        float | None,
        typer.Option("--plan-quantile", help="Plan to this quantile of the duration (e.g. 0.8)."),
    ] = None,
    full_capacity: Annotated[
        bool,
        typer.Option("--full-capacity", help="Run activated actions at capacity, not to need."),
    ] = False,
    samples: Annotated[int, typer.Option("--samples", help="Duration draws.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    who: Annotated[str | None, typer.Option("--who", help="Who saves the plan.")] = None,
    as_of: AsOfOption = None,
    db: DatabaseOption = None,
) -> None:
    """A costed, dated response plan for a shortage: the gap day by day and what fills it."""
    if lang not in LANGS:
        fail(f"--lang must be one of {', '.join(LANGS)}")
    console = console_for(json_target)
    if save:
        check_json_target(json_target)
    dataset = load_dataset(as_of, db)
    notice = _notice(
        dataset, notice_id, product, atc, as_date(start), as_date(until), duration_days, cause
    )
    overrides: dict[str, Any] = {"duration_samples": samples, "seed": seed}
    if preparedness_floor is not None:
        try:
            overrides.update(parse_floor(preparedness_floor))
        except typer.BadParameter as exc:
            fail(f"--preparedness-floor {exc}")
    if import_lead_days is not None:
        overrides["exemption_import_lead_days"] = import_lead_days
    if import_share is not None:
        overrides["exemption_import_share"] = import_share
    if plan_quantile is not None:
        overrides["planning_quantile"] = plan_quantile
    if full_capacity:
        overrides["size_to_need"] = False
    try:
        params = dataclasses.replace(ResponseParams(), **overrides)
        # the producers' answers to activations on the server count here too
        plan = workflow.response_plan(open_store(db), notice, params, dataset=dataset)
    except (NoticeError, ValueError) as exc:
        fail(str(exc))
    _print_plan(console, plan, lang)
    if md is not None:
        md.parent.mkdir(parents=True, exist_ok=True)
        md.write_text(to_markdown(plan, lang), encoding="utf-8")
        console.print(f"Markdown: {md}")
    if html_file is not None:
        html_file.parent.mkdir(parents=True, exist_ok=True)
        html_file.write_text(to_html(plan, lang), encoding="utf-8")
        console.print(f"HTML: {html_file}")
    if png is not None:
        from beredt.views.respond import timeline_png

        timeline_png(plan, png, lang)
        console.print(f"PNG: {png}")
    payload = to_jsonable(plan)
    if save:
        try:
            open_store(db).save_document(DOCUMENT_KIND, notice.key, payload, who=who)
        except StoreError as exc:
            fail(f"--save: {exc}")
        after_commit(console, f"saved as {DOCUMENT_KIND} {notice.key}", payload, json_target)
        return
    emit_json(payload, json_target)


def shortages(
    status: Annotated[
        str,
        typer.Option(
            "--status",
            help="open, all, or one status (announced, ongoing, resolved, cancelled).",
        ),
    ] = "all",
    atc: Annotated[
        str | None, typer.Option("--atc", metavar="PREFIX", help="ATC code or prefix.")
    ] = None,
    since: Annotated[
        dt.datetime | None,
        typer.Option(
            "--since",
            formats=["%Y-%m-%d"],
            help="Only notices running on or after this date (no end, or ending then or later).",
        ),
    ] = None,
    plans: Annotated[
        bool, typer.Option("--plans", help="List the saved response plans instead.")
    ] = False,
    json_target: JsonOption = None,
    as_of: AsOfOption = None,
    db: DatabaseOption = None,
) -> None:
    """Shortage notices; for open ones the days of supply left and whether a plan is saved."""
    console = console_for(json_target)
    dataset = load_dataset(as_of, db)
    saved = {d["key"]: d for d in open_store(db).list_documents(DOCUMENT_KIND)}
    if plans:
        table = data_table(
            ("plan", "id"),
            Col("saved at", "number", justify="left"),
            ("saved by", "name"),
            title="Saved response plans",
            show_edge=False,
        )
        for d in saved.values():
            table.add_row(d["key"], str(d["saved_at"])[:19], str(d["saved_by"]))
        show(console, table)
        emit_json(list(saved.values()), json_target)
        return
    frame = dataset.shortages
    valid = {"open", "all", "announced", "ongoing", "resolved", "cancelled"}
    if status not in valid:
        fail(f"--status must be one of {', '.join(sorted(valid))}")
    if status == "open":
        frame = frame[frame["is_open"]]
    elif status != "all":
        frame = frame[frame["status"] == status]
    if atc:
        frame = frame[[matches_prefix(c, [atc]) for c in frame["atc_code"]]]
    since_d = as_date(since)
    if since_d is not None:

        def running(row: Any) -> bool:
            end = row["end_date"] if isinstance(row["end_date"], dt.date) else None
            return end is None or end >= since_d

        frame = frame[[running(r) for _, r in frame.iterrows()]]
    names = dataset.substances.set_index("atc_code")["name"]
    rows: list[dict[str, Any]] = []
    for _, r in frame.sort_values(["start_date", "notice_id"]).iterrows():
        left = days_of_supply_left(dataset, str(r["notice_id"])) if r["is_open"] else None
        doc = saved.get(str(r["notice_id"]))
        rows.append(
            {
                "notice_id": r["notice_id"],
                "atc_code": r["atc_code"],
                "substance": names.get(r["atc_code"], ""),
                "product_id": _present(r["product_id"]),
                "status": r["status"],
                "is_open": bool(r["is_open"]),
                "cause": r["cause"],
                "start_date": r["start_date"],
                "expected_end_date": _present(r["expected_end_date"]),
                "end_date": _present(r["end_date"]),
                "days_of_supply_left": None if left is None or math.isinf(left) else left,
                "supply_lasts_horizon": left is not None and math.isinf(left),
                "plan_saved": doc is not None,
                "plan_saved_at": None if doc is None else doc["saved_at"],
                "title": _present(r["title"]),
            }
        )
    # Two lines a notice (its product, its expected end under the start) so that every id and
    # date fits whole on an 80-column terminal.
    table = data_table(
        ("notice / product", "id"),
        ("ATC", "id"),
        ("substance", "name"),
        ("status, cause", "text"),
        Col("start / expected end", "number", justify="left"),
        ("days of supply left", "number"),
        title=f"Shortage notices on {dataset.as_of}",
        show_edge=False,
    )
    for row in rows:
        if not row["is_open"]:
            left_text = ""
        elif row["supply_lasts_horizon"]:
            left_text = "> 2 years"
        else:
            left_text = number(row["days_of_supply_left"], "en", 1)
        state = f"{row['status']}, {str(row['cause']).replace('_', ' ')}" + (
            "\nplan saved" if row["plan_saved"] else ""
        )
        table.add_row(
            f"{row['notice_id']}\n{row['product_id'] or 'all packs'}",
            str(row["atc_code"]),
            str(row["substance"]),
            state,
            f"{row['start_date']}\n{row['expected_end_date'] or '–'}",
            left_text,
        )
    show(console, table)
    if not rows:
        console.print("no notices match")
    else:
        open_count = sum(r["is_open"] for r in rows)
        console.print(
            f"{len(rows)} notices, {open_count} open; days of supply left: what is in the country "
            f"(other packs, chain stock, preparedness stock above a {percent(0.25, 'en')} floor) "
            "against the gap, counted from the as-of date"
        )
    emit_json(rows, json_target)


def register(app: typer.Typer) -> None:
    """Add ``respond`` and ``shortages`` to the ``beredt`` application."""
    app.command("respond")(respond)
    app.command("shortages")(shortages)
