"""Every table command at 80 columns on the Norwegian sample: ids and numbers are printed whole.

Each command runs twice: as a person sees it (``COLUMNS=80``) and with ``--json -``; the ids
and the numbers of the JSON, formatted as the table formats them, must all appear in what was
printed, nothing may carry rich's ellipsis, and no line may be wider than the terminal.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from beredt.app.compute import scenario_library
from beredt.cli import get_app
from beredt.views.respond_text import number

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample-no"
WIDTH = 80
NOTICE = "SMP-2026-0123"  # open on the sample's as-of date; diclofenac, every pack


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A store holding the sample, with one saved response plan, seen at 80 columns."""
    db = tmp_path_factory.mktemp("width") / "w.db"
    env = {"BEREDT_DATABASE_URL": f"sqlite:///{db}", "COLUMNS": str(WIDTH)}
    for args in (
        ["import", "bundle", str(SAMPLE)],
        ["respond", "--notice", NOTICE, "--samples", "100", "--save"],
    ):
        result = CliRunner().invoke(get_app(), args, env=env)
        assert result.exit_code == 0, result.output
    return env


def _m(value: float) -> str:
    return f"{value / 1e6:,.2f}"


def _n(value: float | None, digits: int = 0) -> str | None:
    return None if value is None or not math.isfinite(value) else f"{value:,.{digits}f}"


def _status(d: Any) -> list[str | None]:
    rows = d["substances"][:25]
    return [t for r in rows for t in (r["atc_code"], _n(r["demand_ddd_per_day"]))] + [
        _n(r["days_of_supply"]) for r in rows
    ]


def _shortages(d: Any) -> list[str | None]:
    out: list[str | None] = []
    for r in d:
        out += [r["notice_id"], r["atc_code"], r["product_id"], r["start_date"]]
        out += [r["expected_end_date"]]
        if r["days_of_supply_left"] is not None:
            out.append(number(r["days_of_supply_left"], "en", 1))
    return out


def _plans(d: Any) -> list[str | None]:
    return [r["key"] for r in d]


def _risk(d: Any) -> list[str | None]:
    rows = d["substances"][:20]
    return [t for r in rows for t in (r["atc_code"], f"{r['score']:.1f}", str(r["rank"]))]


def _plan(d: Any) -> list[str | None]:
    out: list[str | None] = []
    for cut in d["cuts"][:25]:
        out += [cut["atc_code"], _m(cut["cost_saved_per_year"]), _m(cut["loss_added_per_year"])]
        out += [f"{cut['today_weeks']:.1f} → {cut['plan_weeks']:.1f}"]
        out += [r for r in (cut["today_reservations"], cut["plan_reservations"]) if r]
    for offer in d["offer_values"]:
        out += [offer["reservation_id"], offer["atc_code"], _m(offer["annual_fee"])]
        out += [_m(offer["loss_avoided_per_year"])]
    for line in d["lines"]:
        out += [line["line_id"], line["company_id"], f"{line['load']:.2f}"]
    changed = sorted(
        (s for s in d["substances"] if s["changed"]),
        key=lambda s: s["loss_avoided_vs_today"],
        reverse=True,
    )[:15]
    out += [t for s in changed for t in (s["atc_code"], _m(s["loss_avoided_vs_today"]))]
    return out


def _frontier(d: Any) -> list[str | None]:
    points = [p for p in d["points"] if p["feasible"]]
    return [t for p in points for t in (_m(p["budget"]), _m(p["expected_loss_per_year"]))]


def _simulate(d: Any) -> list[str | None]:
    rows = [r for r in d["options"][0]["substances"] if r["weighted_unmet_mean"] > 0][:10]
    return [
        t for r in rows for t in (r["atc_code"], _n(r["unmet_ddd_mean"]), _n(r["unmet_ddd_p95"]))
    ]


def _library(_d: Any) -> list[str | None]:
    return [p.stem for p in scenario_library()]


def _calibrate(d: Any) -> list[str | None]:
    return [f"{fit['n']:,}" for fit in d["durations"].values()] + [f"{d['notices_used']:,}"]


def _backtest(d: Any) -> list[str | None]:
    return [t for c in d["cuts"] for t in (c["cut"], _n(c["forecast"]["brier"], 4))]


def _outlook(d: Any) -> list[str | None]:
    out: list[str | None] = []
    for r in d["substances"][:20]:
        out += [r["atc_code"], _n(r["days_of_supply"])]
        out += [f"{100 * w['p_notice']:.1f} %" for w in r["windows"].values()]
    return out


def _respond(d: Any) -> list[str | None]:
    return [d["notice"]["notice_id"]] + [number(a["quantity_ddd"], "en") for a in d["actions"]]


def _industry(d: Any) -> list[str | None]:
    out: list[str | None] = []
    for r in d["trade_by_group"]:
        out += [str(r["year"]), f"{r['exports'] / 1e6:,.0f}", f"{r['balance'] / 1e6:,.0f}"]
    for r in d["self_sufficiency"]["vital_without_domestic_option"]:
        out += [r["atc_code"], f"{r['demand_ddd_per_day']:,.0f}"]
    return out


def _audit(d: Any) -> list[str | None]:
    return [e["at"][:19].replace("T", " ") for e in d]


CASES: list[tuple[list[str], Callable[[Any], list[str | None]]]] = [
    (["status", "--limit", "25"], _status),
    (["shortages", "--since", "2026-06-01"], _shortages),
    (["shortages", "--plans"], _plans),
    (["risk", "--top", "20"], _risk),
    (["risk", "--explain", "N02BE01"], lambda _d: ["N02BE01"]),
    (["plan", "--budget", "150e6", "--scenarios", "128"], _plan),
    (["frontier", "--budgets", "0:400e6:3", "--scenarios", "128"], _frontier),
    (["simulate", "export-ban-analgesics-api", "--scenarios", "200", "--top", "10"], _simulate),
    (["simulate", "--list"], _library),
    (["calibrate"], _calibrate),
    (["backtest", "--scenarios", "20"], _backtest),
    (["outlook", "--scenarios", "100", "--top", "20"], _outlook),
    (["respond", "--notice", NOTICE, "--samples", "100"], _respond),
    (["industry"], _industry),
    (["audit", "--limit", "5"], _audit),
]


def _invoke(env: dict[str, str], args: list[str]) -> Result:
    result = CliRunner().invoke(get_app(), args, env=env)
    assert result.exit_code == 0, f"{args}: {result.output}{result.exception!r}"
    return result


@pytest.mark.parametrize(("args", "tokens"), CASES, ids=[" ".join(c[0][:2]) for c in CASES])
def test_ids_and_numbers_are_whole_at_80_columns(
    env: dict[str, str], args: list[str], tokens: Callable[[Any], list[str | None]]
) -> None:
    shown = _invoke(env, args).stdout
    data = json.loads(_invoke(env, [*args, "--json", "-"]).stdout) if args[-1] != "--list" else None
    expected = [t for t in tokens(data) if t]
    assert expected
    missing = [t for t in expected if t not in shown]
    assert not missing, f"cut or missing in `beredt {' '.join(args)}`: {missing[:10]}"
    # rich marks a cut cell with an ellipsis right after the kept part ("SMP-…", "4,166…");
    # the commands' own "… 318 more" and "… (see --json)" stand apart from any word
    assert not re.search(r"\S…", shown), shown
    wide = [line for line in shown.splitlines() if len(line) > WIDTH]
    assert not wide, f"lines wider than {WIDTH} columns: {wide[:3]}"


def test_a_table_too_wide_for_the_terminal_prints_longer_lines_not_cut_ones() -> None:
    """The helper's last resort: a table whose ids alone exceed the width keeps them whole."""
    import io

    from rich.console import Console

    from beredt.views.terminal import data_table, show

    ids = [f"ID-{i:02d}-" + "x" * 14 for i in range(5)]
    table = data_table(*[(f"id {i}", "id") for i in range(5)], ("name", "name"))
    table.add_row(*ids, "a name that has to wrap somewhere")
    out = io.StringIO()
    show(Console(file=out, width=60, markup=False), table)
    text = out.getvalue()
    assert all(i in text for i in ids)
    assert max(len(line) for line in text.splitlines()) > 60


def test_an_id_longer_than_its_share_of_a_narrow_table_folds_but_keeps_every_character() -> None:
    import io

    from rich.console import Console

    from beredt.views.terminal import ID_FOLD_WIDTH, data_table, show

    url = "https://www.ema.europa.eu/en/medicines/human/shortages/amoxicillin-2026-0042"
    table = data_table(("notice", "id"), ("substance", "name"), ("DDD", "number"))
    table.add_row(url, "amoxicillin", "1,234,567")
    table.add_row("SMP-2026-0001", "paracetamol", "89")
    out = io.StringIO()
    show(Console(file=out, width=60, markup=False), table)
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 60 for line in lines)
    cells = [line.split("│")[1].strip() for line in lines if "│" in line]
    assert "".join(c for c in cells if c and not c.startswith("SMP")) == url
    assert max(len(c) for c in cells) <= ID_FOLD_WIDTH
    assert any("1,234,567" in line for line in lines)
    assert any("SMP-2026-0001" in line for line in lines)


def test_long_work_shows_progress_that_ends_whole_at_80_columns(env: dict[str, str]) -> None:
    """On a terminal the option simulation and every budget report progress; the counts and
    times keep their width and the bar gives way."""
    terminal = {**env, "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "0"}  # rich: a terminal
    args = ["frontier", "--budgets", "0:400e6:3", "--scenarios", "128"]
    result = CliRunner().invoke(get_app(), args, env=terminal)
    assert result.exit_code == 0, result.output
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.stderr)
    lines = [line for line in shown.splitlines() if line.strip()]
    assert any(line.startswith("options: background") and "128/128" in line for line in lines)
    assert any(line.startswith("budgets solved") and " 3/3 " in line for line in lines)
    assert all(len(line) <= WIDTH for line in lines), lines
