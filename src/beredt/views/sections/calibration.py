"""Calibration and back-test, and the early-warning outlook (issue 13, :mod:`beredt.calibrate`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from beredt.views.fmt import Num
from beredt.views.i18n import plain, t
from beredt.views.model import Column, Figure, Kpi, Section, Table, unavailable
from beredt.views.phrases import both

if TYPE_CHECKING:
    from beredt.app.analyses import Analyses

#: Substances shown in the outlook table (every row is in results.json).
OUTLOOK_ROWS = 30


def _backtest_rows(backtest: Any) -> list[dict[str, Any]]:
    rows = []
    for c in backtest.cuts:
        sim = c.simulated["episodes_per_year"]
        rows.append(
            {
                "cut": c.cut,
                "notices_used": c.calibration.notices_used,
                "episodes_recorded": c.recorded["episodes_per_year"],
                "episodes_simulated": sim["mean"],
                "episodes_simulated_p5": sim["p5"],
                "episodes_simulated_p95": sim["p95"],
                "recorded_percentile": c.simulated["recorded_percentile"],
                "duration_median_recorded": c.recorded["duration_days"]["median"],
                "duration_median_simulated": c.simulated["duration_days"]["median"],
                "duration_p90_recorded": c.recorded["duration_days"]["p90"],
                "duration_p90_simulated": c.simulated["duration_days"]["p90"],
                "down_recorded": c.recorded["substance_days_down_per_year"],
                "down_simulated": c.simulated["substance_days_down_per_year"]["mean"],
                "brier": c.forecast["brier"],
                "brier_baseline": c.forecast["brier_baseline"],
                "brier_skill": c.forecast["brier_skill"],
                "auc": c.forecast["auc"],
            }
        )
    return rows


def calibration_section(analyses: Analyses) -> Section:
    """How the hazards were fitted to the record, how well the model predicted, and the outlook."""
    cal = analyses.calibration
    if cal is None:
        return unavailable("calibration", analyses.absent.get("calibration", "not available"))
    section = Section("calibration")
    expected = cal.expected_episodes_per_year
    section.paragraphs.append(
        t(
            "cal_lead",
            n=Num(cal.notices_used, "int"),
            since=cal.since.isoformat(),
            until=cal.until.isoformat(),
            recorded=Num(cal.recorded_episodes_per_year, "float1"),
            pack=Num(expected["pack"], "float1"),
            substance=Num(expected["substance"], "float1"),
            site=Num(expected["site"], "float1"),
            country=Num(expected["country"], "float1"),
        )
    )
    if analyses.hazards_source == "data":
        section.paragraphs.append(t("cal_not_applied"))
    for line in cal.messages:
        section.paragraphs.append(plain(line, line))
    section.paragraphs.append(t("cal_priors", n=Num(len(cal.used_priors), "int")))
    kpis = [Kpi("notices_used", t("kpi_cal_notices"), cal.notices_used, "int")]
    bt = analyses.backtest
    if bt is not None and bt.cuts:
        summary = bt.summary()
        skill = summary["mean_brier_skill"]
        kpis.append(Kpi("brier_skill", t("kpi_cal_skill"), skill, "float2"))
        last = bt.cuts[-1]
        kpis.append(
            Kpi(
                "episodes_last_year",
                t("kpi_cal_episodes", cut=last.cut.isoformat()),
                last.recorded["episodes_per_year"],
                "float",
                detail=t(
                    "kpi_cal_episodes_detail",
                    mean=Num(last.simulated["episodes_per_year"]["mean"], "float"),
                    p5=Num(last.simulated["episodes_per_year"]["p5"], "float"),
                    p95=Num(last.simulated["episodes_per_year"]["p95"], "float"),
                ),
            )
        )
        losing = summary["model_loses_to_baseline_at"]
        section.paragraphs.append(
            t("cal_verdict_wins", n=Num(len(bt.cuts), "int"), skill=Num(skill, "float2"))
            if not losing
            else t("cal_verdict_loses", cuts=", ".join(losing))
        )
        section.tables.append(
            Table(
                "backtest",
                t("cal_backtest_table"),
                [
                    Column("cut", "date"),
                    Column("notices_used", "int"),
                    Column("episodes_recorded", "float"),
                    Column("episodes_simulated", "float"),
                    Column("episodes_simulated_p5", "float"),
                    Column("episodes_simulated_p95", "float"),
                    Column("recorded_percentile", "pct"),
                    Column("duration_median_recorded", "days"),
                    Column("duration_median_simulated", "days"),
                    Column("duration_p90_recorded", "days"),
                    Column("duration_p90_simulated", "days"),
                    Column("down_recorded", "float"),
                    Column("down_simulated", "float"),
                    Column("brier", "float3"),
                    Column("brier_baseline", "float3"),
                    Column("brier_skill", "float2"),
                    Column("auc", "float2"),
                ],
                _backtest_rows(bt),
                note=t("cal_backtest_note"),
            )
        )
        from beredt.views.charts.calibration import backtest_png

        section.figures.append(
            Figure(
                "backtest",
                t("cal_backtest_chart"),
                png={lang: backtest_png(bt, lang) for lang in ("nb", "en")},
            )
        )
        causes = sorted({k for c in bt.cuts for k in c.recorded["by_cause"]})
        section.tables.append(
            Table(
                "by_cause",
                t("cal_by_cause_table"),
                [
                    Column("cause"),
                    *[
                        Column(f"cut_{i}", "int", plain(c.cut.isoformat(), c.cut.isoformat()))
                        for i, c in enumerate(bt.cuts)
                    ],
                ],
                [
                    {
                        "cause": cause,
                        **{
                            f"cut_{i}": c.recorded["by_cause"].get(cause, 0)
                            for i, c in enumerate(bt.cuts)
                        },
                    }
                    for cause in causes
                ],
                note=t("cal_by_cause_note"),
            )
        )
    section.kpis = kpis
    section.tables.append(
        Table(
            "durations",
            t("cal_durations_table"),
            [
                Column("cause"),
                Column("n", "int"),
                Column("open", "int"),
                Column("law"),
                Column("median_days", "float1"),
                Column("median_low", "float1"),
                Column("median_high", "float1"),
                Column("mean_days", "float1"),
                Column("sigma", "float2"),
                Column("km_median", "days"),
                Column("km_p90", "days"),
            ],
            [
                {
                    "cause": cause,
                    "n": fit.n,
                    "open": fit.n_censored,
                    "law": fit.law,
                    "median_days": fit.median_days.value,
                    "median_low": fit.median_days.low,
                    "median_high": fit.median_days.high,
                    "mean_days": fit.mean_days.value,
                    "sigma": fit.sigma,
                    "km_median": fit.km_median_days,
                    "km_p90": fit.km_p90_days,
                }
                for cause, fit in cal.durations.items()
            ],
            note=t("cal_durations_note"),
        )
    )
    section.tables.append(
        Table(
            "sources",
            t("cal_sources_table"),
            [
                Column("source", "code"),
                Column("events", "int"),
                Column("expected_per_year", "float1"),
            ],
            [
                {"source": s, "events": cal.source_counts[s], "expected_per_year": expected[s]}
                for s in ("pack", "substance", "site", "country")
            ],
            note=t("cal_sources_note"),
        )
    )
    out = analyses.outlook
    if out is not None:
        cols = [Column("rank", "int"), Column("atc_code"), Column("name"), Column("criticality")]
        for m in out.months:
            cols.append(Column(f"p_notice_{m}", "pct", t("col_p_notice", m=m)))
            cols.append(Column(f"p_untreated_{m}", "pct", t("col_p_untreated", m=m)))
        cols += [
            Column("days_of_supply", "days"),
            Column("open_notice", "bool"),
            Column("drivers", "i18n"),
        ]
        rows = []
        for r in out.rows[:OUTLOOK_ROWS]:
            row = {
                k: r[k]
                for k in (
                    "rank",
                    "atc_code",
                    "name",
                    "criticality",
                    "days_of_supply",
                    "open_notice",
                )
            }
            row["drivers"] = both("; ".join(r["drivers"][:2]))
            for m in out.months:
                row[f"p_notice_{m}"] = r["windows"][str(m)]["p_notice"]
                row[f"p_untreated_{m}"] = r["windows"][str(m)]["p_untreated"]
            rows.append(row)
        section.tables.append(
            Table(
                "outlook",
                t("cal_outlook_table", n=out.n_scenarios),
                cols,
                rows,
                note=t("cal_outlook_note"),
            )
        )
        section.data["outlook"] = out.to_dict()
    section.data["calibration"] = {
        k: v for k, v in cal.to_dict().items() if k not in ("sites", "products", "substances")
    }
    if bt is not None:
        section.data["backtest"] = bt.to_dict()
    return section
