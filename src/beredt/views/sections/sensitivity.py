"""Sensitivity: the headline under each main assumption varied one at a time (a tornado)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from beredt.views.charts import ACCENT, PRIMARY, new_figure, per_lang_png, style_axes
from beredt.views.fmt import Num, format_compact, round_sig
from beredt.views.i18n import plain, t
from beredt.views.model import Column, Figure, Section, Table, unavailable

if TYPE_CHECKING:
    from beredt.app.analyses import Analyses

#: Assumption key → (bokmål, English) name.
ASSUMPTIONS: dict[str, tuple[str, str]] = {
    "hazards": ("Avbruddsrisiko (alle kilder)", "Disruption hazards (every source)"),
    "export_bans": ("Landsomfattende eksportstans", "Country-wide export bans"),
    "headroom": ("Leverandørenes ekstrakapasitet", "Suppliers' headroom"),
    "alternatives": ("Terapeutiske alternativer", "Therapeutic alternatives"),
    "exemption_import": ("Import på godkjenningsfritak", "Exemption imports"),
    "value": ("Verdi per pasientdøgn", "Value per patient-day"),
    "weights": ("Kritikalitetsvekter", "Criticality weights"),
}
#: Variant label (the English one the analysis gives) → bokmål.
VARIANTS_NB: dict[str, str] = {
    "all hazards × 0.5": "all risiko × 0,5",
    "all hazards × 2": "all risiko × 2",
    "no country-wide export bans": "ingen landsomfattende eksportstans",
    "country-wide export bans × 3": "landsomfattende eksportstans × 3",
    "supplier headroom 0 %": "ekstrakapasitet 0 %",
    "supplier headroom 50 %": "ekstrakapasitet 50 %",
    "no therapeutic alternatives": "ingen terapeutiske alternativer",
    "alternatives up to 100 %": "alternativer opptil 100 %",
    "no exemption imports": "ingen import på godkjenningsfritak",
    "exemption imports: all demand after 7 days": "godkjenningsfritak: hele behovet etter 7 dager",
    "value per patient-day × 0.5": "verdi per pasientdøgn × 0,5",
    "value per patient-day × 2": "verdi per pasientdøgn × 2",
    "criticality weights 1 / 1 / 1": "kritikalitetsvekter 1 / 1 / 1",
    "criticality weights 100 / 10 / 1": "kritikalitetsvekter 100 / 10 / 1",
}


def _label(text: str) -> dict[str, str]:
    return {"nb": VARIANTS_NB.get(text, text), "en": text}


def _chart(rows: list[dict[str, Any]], baseline: float, currency: str) -> dict[str, bytes]:
    def build(lang: str) -> Any:
        fig = new_figure(8.5, 0.55 * len(rows) + 1.5)
        ax = fig.add_subplot()
        names = [ASSUMPTIONS[r["assumption"]][0 if lang == "nb" else 1] for r in rows][::-1]
        for i, r in enumerate(rows[::-1]):
            lo, hi = r["low_weighted_loss"], r["high_weighted_loss"]
            ax.barh(i, lo - baseline, left=baseline, color=PRIMARY, height=0.6)
            ax.barh(i, hi - baseline, left=baseline, color=ACCENT, height=0.6)
        ax.axvline(baseline, color="#333333", lw=1)
        ax.set_yticks(range(len(rows)), names)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.xaxis.set_major_formatter(lambda x, _pos: format_compact(x, lang))
        ax.set_xlabel(
            f"Kritikalitetsvektet tap per år, {currency} (blå: lav ende, oransje: høy ende)"
            if lang == "nb"
            else f"Criticality-weighted loss a year, {currency} (blue: low end, orange: high end)"
        )
        style_axes(ax)
        fig.tight_layout()
        return fig

    return per_lang_png(build)


def sensitivity_section(analyses: Analyses) -> Section:
    """The headline under each assumption's low and high end, largest swing first."""
    tornado = analyses.sensitivity
    if tornado is None:
        return unavailable("sensitivity", analyses.absent.get("sensitivity", "not computed"))
    currency = analyses.dataset.currency
    section = Section("sensitivity")
    base = tornado.baseline
    section.paragraphs.append(
        t(
            "sens_lead",
            loss=Num(round_sig(base["weighted_loss"], 2), "money_compact", currency),
            unmet=Num(base["untreated_patient_days"], "compact2"),
            n=Num(tornado.n_scenarios, "int"),
        )
    )
    rows = []
    for r in tornado.rows:
        rows.append(
            {
                "assumption": dict(zip(("nb", "en"), ASSUMPTIONS[r["assumption"]], strict=True)),
                "low": _label(r["low_label"]),
                "low_loss": round_sig(r["low_weighted_loss"], 3),
                "low_change": r["low_weighted_loss_change"],
                "low_unmet": round_sig(r["low_untreated_patient_days"], 3),
                "high": _label(r["high_label"]),
                "high_loss": round_sig(r["high_weighted_loss"], 3),
                "high_change": r["high_weighted_loss_change"],
                "high_unmet": round_sig(r["high_untreated_patient_days"], 3),
                "low_p7": r["low_p_vital_shortage_over_7_days"],
                "high_p7": r["high_p_vital_shortage_over_7_days"],
            }
        )
    section.figures.append(
        Figure(
            "tornado", t("sens_chart"), png=_chart(tornado.rows, base["weighted_loss"], currency)
        )
    )
    section.tables.append(
        Table(
            "tornado",
            t("sens_table"),
            [
                Column("assumption", "i18n", plain("Antakelse", "Assumption")),
                Column("low", "i18n", plain("Lav ende", "Low end")),
                Column("low_loss", "money", plain("Tap, lav", "Loss, low")),
                Column("low_change", "pct", plain("Endring, lav", "Change, low")),
                Column("low_unmet", "ddd", plain("Pasientdøgn, lav", "Patient-days, low")),
                Column("low_p7", "pct", plain("P(vital > 7 d), lav", "P(vital > 7 d), low")),
                Column("high", "i18n", plain("Høy ende", "High end")),
                Column("high_loss", "money", plain("Tap, høy", "Loss, high")),
                Column("high_change", "pct", plain("Endring, høy", "Change, high")),
                Column("high_unmet", "ddd", plain("Pasientdøgn, høy", "Patient-days, high")),
                Column("high_p7", "pct", plain("P(vital > 7 d), høy", "P(vital > 7 d), high")),
            ],
            rows,
            note=t("sens_note"),
        )
    )
    section.data["tornado"] = tornado.to_dict()
    return section
