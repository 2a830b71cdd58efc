"""``beredt risk``: the explainable vulnerability score per substance (DESIGN.md §4, docs/risk.md).

A ranked table with each substance's score, data completeness and top three drivers in words;
``--explain ATC`` breaks one substance down by factor; ``--json``, ``--csv`` and ``--heatmap``
(PNG or self-contained HTML, by ATC group) write the results.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from beredt.cli.common import (
    AsOfOption,
    DatabaseOption,
    JsonOption,
    console_for,
    emit_json,
    fail,
    fail_unknown,
    load_dataset,
    note_line,
)
from beredt.domain.atc import AtcCode, AtcError
from beredt.views.safe_cells import safe_frame
from beredt.views.terminal import Col, data_table, did_you_mean, show

DEFAULT_ROWS_SHOWN = 20
_HEATMAP_SUFFIXES = {".png", ".html", ".htm"}


def register(app: typer.Typer) -> None:
    """Add ``beredt risk`` to the application."""
    app.command("risk")(risk)


def risk(
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            min=1,
            metavar="N",
            help=f"Only the N highest scores, in the table and in every export "
            f"(default: show {DEFAULT_ROWS_SHOWN}, export all).",
        ),
    ] = None,
    atc: Annotated[
        list[str] | None,
        typer.Option(
            "--atc",
            metavar="PREFIX",
            help="Only substances under this ATC code, e.g. J01 or N02BE (repeatable).",
        ),
    ] = None,
    weights_file: Annotated[
        Path | None,
        typer.Option(
            "--weights",
            metavar="FILE",
            dir_okay=False,
            help="TOML overriding any part of the default weights and anchors (docs/risk.md).",
        ),
    ] = None,
    explain: Annotated[
        str | None,
        typer.Option("--explain", metavar="ATC", help="Show every factor of one substance."),
    ] = None,
    csv_path: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            metavar="FILE",
            dir_okay=False,
            help="Write the table with every factor's raw value, exposure and points as CSV.",
        ),
    ] = None,
    heatmap: Annotated[
        Path | None,
        typer.Option(
            "--heatmap",
            metavar="FILE.png|FILE.html",
            dir_okay=False,
            help="Write a heat map of the factors by ATC group: PNG, or HTML (works offline).",
        ),
    ] = None,
    heatmap_level: Annotated[
        int,
        typer.Option("--heatmap-level", min=1, max=4, help="ATC level of the heat map's rows."),
    ] = 2,
    as_of: AsOfOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Rank substances by supply vulnerability (0–100) and explain each score."""
    from beredt.risk import WeightsError, score
    from beredt.views.charts.risk import heatmap_html, heatmap_png

    prefixes = [_prefix(p) for p in atc or []]
    explain_code = _prefix(explain) if explain else None
    if heatmap is not None and heatmap.suffix.lower() not in _HEATMAP_SUFFIXES:
        fail(f"--heatmap {heatmap}: the file must end in .png or .html")
    try:
        from beredt.risk import load_weights

        weights = load_weights(weights_file)
    except WeightsError as exc:
        fail(str(exc), code=2)
    dataset = load_dataset(as_of, db)
    table = score(dataset, weights)
    selected = table.select(prefixes or None)
    console = console_for(json_target)
    if prefixes and not len(selected):
        codes = table.substances["atc_code"].astype(str).tolist()
        hints = [did_you_mean(p, codes) for p in prefixes]
        console.print(
            note_line(
                f"no substance under {', '.join(prefixes)}; " + " ".join(h for h in hints if h)
            )
            if any(hints)
            else note_line(f"no substance under {', '.join(prefixes)}")
        )
    exported = selected.select(top=top) if top is not None else selected
    if explain_code is not None:
        try:
            _print_explain(console, table, explain_code)
        except KeyError:
            subs = table.substances
            codes = subs["atc_code"].astype(str).tolist()
            fail_unknown(
                "substance (--explain)",
                explain_code,
                codes,
                "`beredt risk --top 1000` lists them",
                names=dict(zip(codes, subs["name"].astype(str), strict=True)),
            )
    else:
        _print_table(console, selected.select(top=top or DEFAULT_ROWS_SHOWN), len(table))
    if csv_path is not None:
        csv_path.parent.mkdir(parents=True, exist_ok=True)
        safe_frame(exported.to_frame()).to_csv(csv_path, index=False)
        console.print(f"table: {csv_path}")
    if heatmap is not None:
        heatmap.parent.mkdir(parents=True, exist_ok=True)
        if heatmap.suffix.lower() == ".png":
            heatmap.write_bytes(heatmap_png(selected, heatmap_level))
        else:
            heatmap.write_text(heatmap_html(selected, heatmap_level), encoding="utf-8")
        console.print(f"heat map: {heatmap}")
    emit_json(exported.to_json_dict(), json_target)


def _prefix(text: str) -> str:
    try:
        return AtcCode.parse(text).code
    except AtcError as exc:
        fail(str(exc))


def _score_style(value: float) -> str:
    if value >= 60:
        return "bold red"
    if value >= 40:
        return "yellow"
    return "green"


def _print_table(console: Console, table: Any, total: int) -> None:
    p = table.provenance
    shown = len(table)
    view = data_table(
        ("#", "number"),
        ("ATC", "id"),
        ("substance", "name"),
        ("crit.", "text"),
        ("score", "number"),
        ("data", "number"),
        ("top drivers", "text"),
        title=f"Vulnerability score (0–100), {shown} of {total} substances, "
        f"as of {p.as_of.isoformat()}",
        caption=f"data = share of the score's weight resting on known data · weights: "
        f"{table.weights.origin} · dataset {p.fingerprint[:12]}",
        show_lines=shown <= 40,
    )
    for row in table.substances.to_dict("records"):
        drivers = "\n".join(d for d in (row["driver_1"], row["driver_2"], row["driver_3"]) if d)
        view.add_row(
            str(row["rank"]),
            row["atc_code"],
            row["name"],
            row["criticality"],
            Text(f"{row['score']:.1f}", _score_style(row["score"])),
            f"{100 * row['completeness']:.0f} %",
            drivers,
        )
    show(console, view)


def _raw_text(raw: float, unit: str) -> str:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return "unknown"
    if math.isinf(raw):
        return "∞"
    if unit == "count":
        return f"{raw:.0f}"
    if unit == "days":
        return f"{raw:,.0f} d"
    if unit.startswith("HHI"):
        return f"{raw:,.0f}"
    if unit.startswith("share"):
        return f"{100 * raw:.1f} %"
    return f"{raw:g}"


def _print_explain(console: Console, table: Any, atc: str) -> None:
    row = table.row(atc)
    factors = table.explain(atc)
    view = data_table(
        Col("factor", "name", max_width=16),
        ("raw", "number"),
        ("exposure", "number"),
        ("points", "number"),
        ("of", "number"),
        ("why", "text"),
        title=f"{row['atc_code']} {row['name']} ({row['criticality']}): score "
        f"{row['score']:.1f} of 100, rank {row['rank']} of {len(table)}, "
        f"data {100 * row['completeness']:.0f} %",
        caption="exposure: 0 (none) … 1 (full), read off the factor's fixed anchors; "
        "points = exposure × the factor's maximum",
    )
    for f in factors.to_dict("records"):
        raw = "unknown" if f["imputed"] else _raw_text(f["raw"], f["unit"])
        if f["factor"] == "criticality":
            raw = row["criticality"]
        view.add_row(
            f["label"],
            raw,
            f"{f['exposure']:.2f}",
            f"{f['contribution']:.1f}",
            f"{f['points']:.0f}",
            f["detail"] + (" (imputed)" if f["imputed"] else ""),
        )
    show(console, view)
