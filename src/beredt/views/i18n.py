"""Bokmål and English texts of the national preparedness report.

Every text the report shows is a :data:`Text`: a mapping from language code (``nb``, ``en``) to
the string. The HTML page carries both languages and switches between them; the workbook and
the PNG charts use the language chosen with ``--lang``. Sentences with numbers are templates
whose :class:`~beredt.views.fmt.Num` arguments are formatted per language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from beredt.views.fmt import LANGS, Num

Text = Mapping[str, str]


def plain(nb: str, en: str) -> Text:
    """A text given directly in both languages."""
    return {"nb": nb, "en": en}


def same(text: str) -> Text:
    """A text that reads the same in both languages (names, codes)."""
    return dict.fromkeys(LANGS, text)


def _arg(value: Any, lang: str) -> Any:
    if isinstance(value, Num):
        return value.render(lang)
    if isinstance(value, Mapping) and lang in value:
        return value[lang]
    return value


def t(key: str, **values: Any) -> Text:
    """The message `key` in both languages, with `values` filled in (numbers per language)."""
    try:
        nb, en = MESSAGES[key]
    except KeyError:
        raise KeyError(f"no report text {key!r}") from None
    return {
        lang: template.format(**{k: _arg(v, lang) for k, v in values.items()})
        for lang, template in (("nb", nb), ("en", en))
    }


def join(*parts: Text, sep: str = " ") -> Text:
    """Texts concatenated language by language."""
    return {lang: sep.join(p[lang] for p in parts if p[lang]) for lang in LANGS}


def column_label(key: str) -> Text:
    """Header of a table column (the key itself where no label is declared)."""
    pair = COLUMNS.get(key)
    return plain(*pair) if pair else same(key)


def section_title(key: str) -> Text:
    """Title of a report section."""
    return plain(*SECTIONS[key])


def sheet_name(key: str, lang: str) -> str:
    """The workbook sheet name of a section in `lang` (at most 31 characters, Excel's limit)."""
    return SHEETS[key][0 if lang == "nb" else 1][:31]


#: Section key → (bokmål, English) title, in report order.
SECTIONS: dict[str, tuple[str, str]] = {
    "headline": ("Hovedtall", "Key figures"),
    "dataset": ("Datagrunnlag", "Dataset"),
    "calibration": (
        "Kalibrering, etterprøving og varsling",
        "Calibration, back-test and early warning",
    ),
    "sensitivity": ("Følsomhet for antakelsene", "Sensitivity to the assumptions"),
    "vulnerability": ("Sårbarhet per virkestoff", "Vulnerability by substance"),
    "days_of_supply": ("Lagerdekning per ledd", "Days of supply by tier"),
    "scenarios": ("Scenarioer: hva et avbrudd gjør", "Scenarios: what a disruption does"),
    "frontier": ("Budsjett og risiko", "Budget and risk"),
    "recommendations": ("Anbefalt beredskap", "Recommended preparedness"),
    "offers": ("Verdien av innenlandske tilbud", "Value of domestic offers"),
    "shortages": ("Åpne mangelsituasjoner", "Open shortages"),
    "industry": ("Helseindustrien", "Health industry"),
    "measures": (
        "De fire tiltakene og investeringsregnestykket",
        "The four measures and the investment case",
    ),
    "methods": ("Metode og kilder", "Methods and sources"),
}

#: Section key → (bokmål, English) sheet name (≤ 31 characters, no []:*?/\).
SHEETS: dict[str, tuple[str, str]] = {
    "headline": ("Hovedtall", "Key figures"),
    "dataset": ("Datagrunnlag", "Dataset"),
    "calibration": ("Kalibrering", "Calibration"),
    "sensitivity": ("Følsomhet", "Sensitivity"),
    "vulnerability": ("Sårbarhet", "Vulnerability"),
    "days_of_supply": ("Lagerdekning", "Days of supply"),
    "scenarios": ("Scenarioer", "Scenarios"),
    "frontier": ("Budsjett og risiko", "Budget frontier"),
    "recommendations": ("Anbefalt beredskap", "Recommendations"),
    "offers": ("Tilbud", "Offers"),
    "shortages": ("Mangler", "Shortages"),
    "industry": ("Helseindustri", "Industry"),
    "measures": ("Tiltak og investering", "Measures and investment"),
    "methods": ("Metode", "Methods"),
}

#: Parameter key (of `beredt run` and of the optimiser) → (bokmål, English) label.
PARAMETERS: dict[str, tuple[str, str]] = {
    "budget": ("Budsjett per år", "Budget a year"),
    "budget_share": ("Budsjett som andel av dagens kostnad", "Budget as a share of today's cost"),
    "budget_used": ("Budsjett brukt", "Budget used"),
    "today_cost": ("Dagens kostnad per år", "Today's cost a year"),
    "frontier_max_factor": (
        "Fronten til (× budsjettet)",
        "Frontier up to (× the budget)",
    ),
    "frontier_points": ("Punkter på fronten", "Points on the frontier"),
    "hazards": ("Avbruddsrater", "Outage rates"),
    "horizon_days": ("Horisont (dager)", "Horizon (days)"),
    "low_cover_days": ("Lav dekning under (dager)", "Low cover below (days)"),
    "outlook_months": ("Utsikter (måneder)", "Outlook (months)"),
    "policy": ("Beredskapspolitikk", "Preparedness policy"),
    "risk_threshold": ("Terskel for høy risiko (poeng)", "High-risk threshold (score)"),
    "scenarios": ("Framtider simulert", "Futures simulated"),
    "n_scenarios": ("Framtider simulert", "Futures simulated"),
    "seed": ("Frø for tilfeldige tall", "Random seed"),
    "top_n": ("Virkestoff vist i topplister", "Substances in top lists"),
    "holding_cost_rate_per_year": (
        "Lagerkostnad per år (andel av verdien)",
        "Holding cost a year (share of value)",
    ),
    "min_usable_days": ("Minste brukbare holdbarhet (dager)", "Least usable shelf life (days)"),
    "rotation_allowance_months": ("Rullering (måneder)", "Rotation allowance (months)"),
    "rotation_share_of_demand": ("Rullering (andel av behovet)", "Rotation (share of demand)"),
    "cover_rules": ("Gulv", "Floors"),
    "criticality_weights": ("Vekter per kritikalitet", "Weights by criticality"),
    "include_unqualified": ("Ta med ukvalifiserte tilbud", "Include unqualified offers"),
    "library": ("Scenarioer og vekter", "Scenarios and weights"),
    "loss_mode": ("Tapsberegning", "Loss computation"),
    "mip_rel_gap": ("Toleranse for optimum (relativ)", "Optimality tolerance (relative)"),
    "objective": ("Mål", "Objective"),
    "scenario": ("Scenario", "Scenario"),
    "value_per_patient_day": ("Verdi per pasientdøgn", "Value per patient-day"),
    "vital_risk_cap": ("Tak på vital risiko (× dagens)", "Cap on vital risk (× today's)"),
    "weeks_menu": ("Valgbare lageruker", "Stock weeks to choose from"),
}

#: Bundle file stems → (bokmål, English) name of the table.
ENTITY_NAMES: dict[str, tuple[str, str]] = {
    "countries": ("Land", "Countries"),
    "companies": ("Selskaper", "Companies"),
    "substances": ("Virkestoff", "Substances"),
    "sites": ("Fabrikker", "Sites"),
    "products": ("Pakninger", "Products"),
    "supply": ("Leveranser (produkt–fabrikk)", "Supply (product–site)"),
    "demand": ("Forbruk", "Demand"),
    "stock": ("Lager", "Stock"),
    "shortages": ("Mangelmeldinger", "Shortage notices"),
    "lines": ("Produksjonslinjer", "Production lines"),
    "capabilities": ("Linjekapasiteter", "Line capabilities"),
    "offers": ("Tilbud", "Offers"),
    "agreements": ("Avtaler", "Agreements"),
    "levers": ("Virkemidler", "Levers"),
    "trade": ("Handel", "Trade"),
    "industry": ("Industri", "Industry"),
    "trials": ("Kliniske studier", "Clinical trials"),
    "procurement": ("Offentlige anskaffelser", "Public procurement"),
    "investments": ("Investeringer i linjer", "Line investments"),
    "investment_substances": ("Investeringer per virkestoff", "Investments by substance"),
}

#: Column key → (bokmål, English) header.
COLUMNS: dict[str, tuple[str, str]] = {
    # identity
    "atc_code": ("ATC", "ATC"),
    "atc_group": ("ATC-gruppe", "ATC group"),
    "atc4": ("ATC4", "ATC4"),
    "name": ("Navn", "Name"),
    "substance": ("Virkestoff", "Substance"),
    "criticality": ("Kritikalitet", "Criticality"),
    "entity": ("Tabell", "Table"),
    "rows": ("Rader", "Rows"),
    "key": ("Nøkkel", "Key"),
    "value": ("Verdi", "Value"),
    "item": ("Punkt", "Item"),
    "source": ("Kilde", "Source"),
    "url": ("Adresse", "Address"),
    "note": ("Merknad", "Note"),
    "file": ("Fil", "File"),
    "reason": ("Grunn", "Reason"),
    "unit": ("Enhet", "Unit"),
    "figure": ("Tall", "Figure"),
    "detail": ("Usikkerhet og sammenligning", "Uncertainty and comparison"),
    "today": ("I dag", "Today"),
    "with_plan": ("Med planen", "With the plan"),
    "change": ("Endring", "Change"),
    # calibration and back-test
    "cut": ("Skjæringsdato", "Cut"),
    "notices_used": ("Meldinger brukt", "Notices used"),
    "episodes_recorded": ("Episoder/år registrert", "Episodes/yr recorded"),
    "episodes_simulated": ("Episoder/år simulert", "Episodes/yr simulated"),
    "episodes_simulated_p5": ("Simulert 5 %", "Simulated 5 %"),
    "episodes_simulated_p95": ("Simulert 95 %", "Simulated 95 %"),
    "recorded_percentile": ("Registrert år, persentil", "Recorded year, percentile"),
    "duration_median_recorded": ("Median dager registrert", "Median days recorded"),
    "duration_median_simulated": ("Median dager simulert", "Median days simulated"),
    "duration_p90_recorded": ("P90 dager registrert", "P90 days recorded"),
    "duration_p90_simulated": ("P90 dager simulert", "P90 days simulated"),
    "down_recorded": ("Virkestoffdager nede/år registrert", "Substance-days down/yr recorded"),
    "down_simulated": ("Virkestoffdager nede/år simulert", "Substance-days down/yr simulated"),
    "brier": ("Brier (modell)", "Brier (model)"),
    "brier_baseline": ("Brier (historisk hyppighet)", "Brier (historical frequency)"),
    "brier_skill": ("Brier-ferdighet", "Brier skill"),
    "auc": ("AUC", "AUC"),
    "n": ("Antall", "Count"),
    "open": ("Åpne", "Open"),
    "law": ("Fordeling", "Law"),
    "median_days": ("Median dager", "Median days"),
    "median_low": ("Median nedre 90 %", "Median lower 90 %"),
    "median_high": ("Median øvre 90 %", "Median upper 90 %"),
    "mean_days": ("Gjennomsnitt dager", "Mean days"),
    "sigma": ("σ (log dager)", "σ (log days)"),
    "km_median": ("Kaplan–Meier median", "Kaplan–Meier median"),
    "km_p90": ("Kaplan–Meier P90", "Kaplan–Meier P90"),
    "events": ("Hendelser", "Events"),
    "expected_per_year": ("Forventede episoder/år", "Expected episodes/yr"),
    "days_of_supply": ("Dager lager", "Days of supply"),
    "open_notice": ("Åpent varsel", "Open notice"),
    # days of supply
    "demand_ddd_per_day": ("Forbruk DDD/dag", "Demand DDD/day"),
    "days_producer": ("Dager produsent", "Days producer"),
    "days_preparedness": ("Dager beredskap", "Days preparedness"),
    "days_wholesale": ("Dager grossist", "Days wholesale"),
    "days_hospital": ("Dager sykehus", "Days hospital"),
    "days_pharmacy": ("Dager apotek", "Days pharmacy"),
    "days_total": ("Dager totalt", "Days total"),
    "stock_ddd": ("Lager DDD", "Stock DDD"),
    # vulnerability
    "rank": ("Rang", "Rank"),
    "score": ("Poeng", "Score"),
    "completeness": ("Datadekning", "Data completeness"),
    "drivers": ("Viktigste drivere", "Main drivers"),
    "n_substances": ("Virkestoff", "Substances"),
    "mean_score": ("Snitt poeng", "Mean score"),
    "max_score": ("Maks poeng", "Max score"),
    "n_high_risk": ("Høy risiko", "High risk"),
    # scenarios
    "scenario": ("Scenario", "Scenario"),
    "description": ("Beskrivelse", "Description"),
    "n_scenarios": ("Trekk", "Draws"),
    "horizon_days": ("Horisont dager", "Horizon days"),
    "unmet_ddd_mean": ("Udekket DDD snitt", "Unmet DDD mean"),
    "unmet_ddd_se": ("Udekket DDD SE", "Unmet DDD SE"),
    "unmet_ddd_p5": ("Udekket DDD P5", "Unmet DDD P5"),
    "unmet_ddd_p50": ("Udekket DDD P50", "Unmet DDD P50"),
    "unmet_ddd_p95": ("Udekket DDD P95", "Unmet DDD P95"),
    "weighted_unmet_mean": ("Vektet udekket snitt", "Weighted unmet mean"),
    "weighted_unmet_se": ("Vektet udekket SE", "Weighted unmet SE"),
    "weighted_unmet_p5": ("Vektet udekket P5", "Weighted unmet P5"),
    "weighted_unmet_p95": ("Vektet udekket P95", "Weighted unmet P95"),
    "p_any_shortage": ("P(mangel)", "P(any shortage)"),
    "p_stockout": ("P(tomt lager)", "P(stock-out)"),
    "shortage_days_mean": ("Manglende dager snitt", "Shortage days mean"),
    "first_stockout_day_mean": ("Første tomme dag", "First stock-out day"),
    "worst_substances": ("Verst rammet", "Worst affected"),
    # plan / frontier
    "budget": ("Budsjett", "Budget"),
    "annual_cost": ("Årlig kostnad", "Annual cost"),
    "expected_loss_per_year": ("Forventet tap per år", "Expected loss per year"),
    "expected_loss_se_per_year": ("Tap SE", "Loss SE"),
    "unmet_ddd_per_year": ("Udekket DDD per år", "Unmet DDD per year"),
    "p_any_vital_shortage": ("P(mangel vitalt)", "P(vital shortage)"),
    "is_today": ("Dagens plan", "Today's plan"),
    "is_chosen": ("Valgt", "Chosen"),
    "weeks_today": ("Uker i dag", "Weeks today"),
    "weeks_plan": ("Uker planlagt", "Weeks planned"),
    "agreement_today": ("Avtale i dag", "Agreement today"),
    "agreement_plan": ("Avtale planlagt", "Agreement planned"),
    "cost_today": ("Kostnad i dag", "Cost today"),
    "cost_plan": ("Kostnad planlagt", "Cost planned"),
    "loss_today": ("Tap i dag", "Loss today"),
    "loss_plan": ("Tap planlagt", "Loss planned"),
    "line_id": ("Linje", "Line"),
    "load_today": ("Belastning i dag", "Load today"),
    "load_plan": ("Belastning planlagt", "Load planned"),
    "mip_gap": ("MIP-gap", "MIP gap"),
    "status": ("Status", "Status"),
    # offers
    "offer_id": ("Tilbud", "Offer"),
    "company": ("Selskap", "Company"),
    "reserved_ddd_per_day": ("Reservert DDD/dag", "Reserved DDD/day"),
    "response_days": ("Responstid dager", "Response days"),
    "annual_fee": ("Årlig avgift", "Annual fee"),
    "loss_avoided_per_year": ("Unngått tap per år", "Loss avoided per year"),
    "value_per_fee": ("Verdi per krone", "Value per currency unit"),
    "chosen": ("Valgt", "Chosen"),
    # shortages
    "notice_id": ("Varsel", "Notice"),
    "product_id": ("Produkt", "Product"),
    "cause": ("Årsak", "Cause"),
    "start_date": ("Start", "Start"),
    "expected_end_date": ("Forventet slutt", "Expected end"),
    "gap_ddd": ("Bortfall (DDD)", "Gap (DDD)"),
    "covered_ddd": ("Dekket DDD", "Covered DDD"),
    "uncovered_ddd": ("Udekket DDD", "Uncovered DDD"),
    "covered_share": ("Dekket andel", "Covered share"),
    "action": ("Tiltak", "Action"),
    "quantity_ddd": ("Mengde DDD", "Quantity DDD"),
    "packs": ("Pakninger", "Packs"),
    "start_day": ("Startdag", "Start day"),
    "eta_date": ("ETA", "ETA"),
    "cost": ("Kostnad", "Cost"),
    "flag": ("Flagg", "Flag"),
    "days_closed_p50": ("Dag gapet lukkes P50", "Day gap closed P50"),
    "days_closed_p90": ("Dag gapet lukkes P90", "Day gap closed P90"),
    "rationing": ("Rasjonering", "Rationing"),
    # industry
    "year": ("År", "Year"),
    "group": ("Gruppe", "Group"),
    "exports": ("Eksport", "Exports"),
    "imports": ("Import", "Imports"),
    "balance": ("Balanse", "Balance"),
    "country": ("Land", "Country"),
    "share": ("Andel", "Share"),
    "series": ("Serie", "Series"),
    "base_year": ("Basisår", "Base year"),
    "base_value": ("Basisverdi", "Base value"),
    "target_year": ("Målår", "Target year"),
    "factor": ("Faktor", "Factor"),
    "target_value": ("Målverdi", "Target value"),
    "required_cagr": ("Nødvendig årlig vekst", "Required CAGR"),
    "achieved_cagr": ("Oppnådd årlig vekst", "Achieved CAGR"),
    "latest_year": ("Siste år", "Latest year"),
    "latest_value": ("Siste verdi", "Latest value"),
    "gap_at_latest": ("Avvik fra målbanen", "Gap to target path"),
    "on_track": ("I rute", "On track"),
    "qualified_share": ("Kvalifisert andel", "Qualified share"),
    "agreed_share": ("Andel under avtale", "Share under agreement"),
    "companies": ("Selskaper", "Companies"),
    "employees": ("Ansatte", "Employees"),
    # the four measures
    "measure": ("Tiltak", "Measure"),
    "indicator": ("Indikator", "Indicator"),
    "latest": ("Siste hele år", "Latest complete year"),
    "trend": ("Trend per år", "Trend a year"),
    "target": ("Mål", "Target"),
    "standing": ("Status mot målet", "Against the target"),
    "phase": ("Fase", "Phase"),
    "sponsor_type": ("Sponsortype", "Sponsor type"),
    "trials": ("Studier", "Trials"),
    "sites_in_country": ("Studiesteder i Norge", "Sites in the country"),
    "domestic_value": ("Vunnet av innenlandsk produksjon", "Won by domestic production"),
    "domestic_share": ("Innenlandsk andel", "Domestic share"),
    "awards": ("Kontrakter", "Contracts"),
    "agreements": ("Avtaler", "Agreements"),
    "annual_fees": ("Avgifter i året", "Fees in the year"),
    "agreement_id": ("Avtale", "Agreement"),
    "loss_avoided_per_fee": ("Unngått tap per krone", "Loss avoided per unit of fee"),
    "kind_label": ("Type", "Kind"),
    "name_label": ("Mål", "Target"),
    "source_label": ("Kilde", "Source"),
    # the investment case
    "investment_id": ("Investering", "Investment"),
    "producer": ("Produsent", "Producer"),
    "capex": ("Investering (capex)", "Capital expenditure"),
    "npv_market_mean": ("Nåverdi uten avtale, snitt", "NPV without agreement, mean"),
    "p_npv_positive_market": ("P(nåverdi > 0) uten avtale", "P(NPV > 0) without agreement"),
    "npv_agreement_mean": ("Nåverdi med avtale, snitt", "NPV with agreement, mean"),
    "npv_agreement_p5": ("Nåverdi med avtale, 5 %", "NPV with agreement, 5 %"),
    "npv_agreement_p95": ("Nåverdi med avtale, 95 %", "NPV with agreement, 95 %"),
    "p_npv_positive_agreement": ("P(nåverdi > 0) med avtale", "P(NPV > 0) with agreement"),
    "irr_agreement_p50": ("Internrente med avtale, median", "IRR with agreement, median"),
    "break_even_fee": ("Likevektsavgift", "Break-even fee"),
    "surge_ddd_per_year": ("Beredskapsleveranser DDD/år", "Surge sales DDD/year"),
    "state_loss_avoided_pv": ("Statens unngåtte tap (nåverdi)", "State's loss avoided (PV)"),
    "state_fees_pv": ("Statens avgifter (nåverdi)", "State's fees (PV)"),
    "state_loss_avoided_per_fee": ("Unngått tap per krone avgift", "Loss avoided per unit of fee"),
    "case": ("Tilfelle", "Case"),
    "npv_mean": ("Nåverdi, snitt", "NPV, mean"),
    "npv_p5": ("Nåverdi, 5 %", "NPV, 5 %"),
    "npv_p50": ("Nåverdi, median", "NPV, median"),
    "npv_p95": ("Nåverdi, 95 %", "NPV, 95 %"),
    "p_npv_positive": ("P(nåverdi > 0)", "P(NPV > 0)"),
    "irr_p50": ("Internrente, median", "IRR, median"),
}

#: The four measures of the export report → (bokmål, English) name.
MEASURE_LABELS: dict[str, tuple[str, str]] = {
    "trials": ("Kliniske studier", "Clinical trials"),
    "home_market": ("Hjemmemarkedet", "Home market"),
    "competence": ("Kompetanse", "Competence"),
    "risk_relief": ("Risikoavlastning", "Risk relief"),
}

#: Indicators of the four measures (beredt.industry.measures) → (bokmål, English) name.
INDICATOR_LABELS: dict[str, tuple[str, str]] = {
    "trials_started": (
        "Studier startet med norsk studiested",
        "Trials started with a Norwegian site",
    ),
    "industry_trials_started": (
        "Industrifinansierte studier startet",
        "Industry-sponsored trials started",
    ),
    "industry_trial_share": ("Andel industrifinansierte studier", "Share sponsored by industry"),
    "domestic_procurement_share": (
        "Andel av offentlige innkjøp vunnet av innenlandsk produksjon",
        "Share of public procurement won by domestic production",
    ),
    "procurement_value": ("Verdi av offentlige innkjøp", "Value of public procurement"),
    "employees": ("Ansatte i industrien", "Employees of the industry"),
    "higher_education_share": ("Andel ansatte med høyere utdanning", "Share with higher education"),
    "agreement_fees": ("Årlige avgifter for avtaler", "Annual fees of agreements"),
    "reserved_ddd_per_day": ("Reservert kapasitet (DDD/dag)", "Reserved capacity (DDD/day)"),
    "agreement_loss_avoided_per_fee": (
        "Statens unngåtte tap per krone avgift",
        "State's loss avoided per unit of fee",
    ),
}

#: Cases of an investment (beredt.plan.invest.CASES) → (bokmål, English) name.
CASE_LABELS: dict[str, tuple[str, str]] = {
    "market": ("uten avtale", "without agreement"),
    "agreement_no_fee": ("med avtale, uten avgift", "with agreement, no fee"),
    "agreement": ("med avtale og tilbudt avgift", "with agreement at the offered fee"),
}

#: Trial phases and sponsor types (beredt.domain.enums) → (bokmål, English) name.
TRIAL_LABELS: dict[str, tuple[str, str]] = {
    "phase1": ("fase 1", "phase 1"),
    "phase1_2": ("fase 1/2", "phase 1/2"),
    "phase2": ("fase 2", "phase 2"),
    "phase2_3": ("fase 2/3", "phase 2/3"),
    "phase3": ("fase 3", "phase 3"),
    "phase4": ("fase 4", "phase 4"),
    "not_applicable": ("ikke aktuelt", "not applicable"),
    "unknown": ("ukjent", "unknown"),
    "industry": ("industri", "industry"),
    "academic": ("sykehus og universitet", "academic"),
    "government": ("offentlig", "government"),
    "mixed": ("industri og akademisk", "mixed"),
    "other": ("annet", "other"),
    "growth": ("vekst", "growth"),
    "level": ("nivå", "level"),
}


def pair_text(table: Mapping[str, tuple[str, str]], key: Any) -> Text:
    """The (bokmål, English) pair of `key` in `table` as a text (the key itself if absent)."""
    pair = table.get(str(key))
    return plain(*pair) if pair else same(str(key))


#: Message key → (bokmål, English) template.
MESSAGES: dict[str, tuple[str, str]] = {
    # page chrome
    "report_title": ("Nasjonal legemiddelberedskap", "National medicine preparedness"),
    "report_subtitle": (
        "{title} — {country}, per {as_of}",
        "{title} — {country}, as of {as_of}",
    ),
    "language": ("Språk", "Language"),
    "contents": ("Innhold", "Contents"),
    "generated_by": (
        "Laget med Beredt {version}. Datasett-fingeravtrykk {fingerprint}, frø {seed}.",
        "Made with Beredt {version}. Dataset fingerprint {fingerprint}, seed {seed}.",
    ),
    "illustrative": (
        "Illustrative data: selskaper, lager og kapasiteter i dette datasettet er ikke reelle.",
        "Illustrative data: companies, stock and capacities in this dataset are not real.",
    ),
    "not_available": ("Ikke tilgjengelig", "Not available"),
    "not_available_reason": (
        "Denne delen er ikke tilgjengelig i denne versjonen: {reason}",
        "This section is not available in this version: {reason}",
    ),
    "empty_table": ("Ingen rader.", "No rows."),
    "rows_shown": ("{n} rader", "{n} rows"),
    "download_hint": (
        "Alle tabeller finnes også i report.xlsx og maskinlesbart i results.json.",
        "Every table is also in report.xlsx, and machine-readable in results.json.",
    ),
    # headline
    "kpi_substances": ("Virkestoff i datasettet", "Substances in the dataset"),
    "kpi_at_risk": ("Virkestoff med høy sårbarhet", "Substances at high risk"),
    "kpi_low_cover": (
        "Vitale virkestoff under {days} dagers dekning",
        "Vital substances under {days} days of supply",
    ),
    "kpi_unmet_today": (
        "Pasientdøgn uten behandling per år i dag (forventet)",
        "Patient-days without treatment a year today (expected)",
    ),
    "kpi_unmet_plan": (
        "… med anbefalt plan",
        "… with the recommended plan",
    ),
    "kpi_p_vital_over_7": (
        "Sannsynlighet for at et vitalt legemiddel mangler mer enn 7 dager i løpet av året",
        "Probability that a vital medicine is short on more than 7 days in the year",
    ),
    "kpi_vital_days": (
        "Mangeldager for vitale legemidler per år (forventet)",
        "Shortage-days of vital medicines a year (expected)",
    ),
    "kpi_substances_short": (
        "Virkestoff der pasienter blir uten behandling i løpet av året (forventet antall; de "
        "fleste mangelmeldinger dekkes av andre pakninger)",
        "Substances whose patients go without treatment during the year (expected number; most "
        "shortage notices are covered by other packs)",
    ),
    "kpi_detail_pct": ("± {se}; med planen {plan}", "± {se}; with the plan {plan}"),
    "kpi_detail_se_plan": ("± {se}; med planen {plan}", "± {se}; with the plan {plan}"),
    "kpi_detail_interval": ("90 %: {lo}–{hi}", "90%: {lo}–{hi}"),
    "kpi_detail_interval_money": ("90 %: {lo}–{hi}", "90%: {lo}–{hi}"),
    "kpi_top_decile": (
        "Virkestoff i den mest sårbare tideln (poeng ≥ {score})",
        "Substances in the most vulnerable tenth (score ≥ {score})",
    ),
    "kpi_top_decile_detail": ("{vital} av dem vitale", "{vital} of them vital"),
    "kpi_overdue": (
        "{n} har passert forventet slutt",
        "{n} past their expected end",
    ),
    "headline_lead2": (
        "Beredt vurderer {n} virkestoff i {country} per {as_of}; {open} mangelmeldinger er åpne.",
        "Beredt assesses {n} substances in {country} as of {as_of}; {open} shortage notices "
        "are open.",
    ),
    "headline_definitions": (
        "Slik leses tallene. Et pasientdøgn uten behandling er én definert døgndose (DDD) som "
        "ikke kunne utleveres; en mangel på mer enn 7 dager er et vitalt virkestoff som mangler "
        "på mer enn 7 av årets dager. Tap er pasientdøgn vektet etter kritikalitet (vital 10, "
        "viktig 3, annet 1) og verdsatt til {value} per vektet døgn. Alle tallene på denne siden "
        "kommer fra én simulering, hovedsimuleringen: risikoen tilpasset mangelhistorikken, "
        "dagens lager og åpne meldinger, {days} dager, delte produksjonslinjer og terapeutiske "
        "alternativer, {n} framtider, dagens plan og den anbefalte på de samme trekningene. Hvert "
        "tall er forventningen med et 90 %-intervall (5–95 % av framtidene) eller ± standardfeil, "
        "avrundet til det usikkerheten tillater.",
        "How to read the figures. A patient-day without treatment is one defined daily dose (DDD) "
        "that could not be dispensed; a shortage of more than 7 days is a vital substance short "
        "on more than 7 days of the year. Loss is patient-days weighted by criticality (vital 10, "
        "essential 3, other 1), valued at {value} per weighted day. Every figure on this page "
        "comes from one simulation, the headline simulation: the hazards calibrated to the "
        "shortage record, today's stock and open notices, {days} days, shared production lines "
        "and therapeutic alternatives, {n} futures, today's plan and the recommended one on the "
        "same draws. Each figure is the expectation with a 90 % interval (5–95 % of the futures) "
        "or ± its standard error, rounded to what the uncertainty supports.",
    ),
    "headline_other_numbers": (
        "Andre tall i rapporten er merket med hva de er: optimeringens eget anslag (virkestoff "
        "for seg, veid over stresscenarioene) og scenarioenes hva-om-tall (gitt at scenarioet "
        "inntreffer).",
        "Other numbers in the report are labelled as what they are: the optimiser's own "
        "estimate (substances one by one, weighed over the stress scenarios) and the scenarios' "
        "what-ifs (given that the scenario happens).",
    ),
    "headline_by_criticality": (
        "Pasientdøgn uten behandling per år etter kritikalitet (hovedsimuleringen)",
        "Patient-days without treatment a year by criticality (the headline simulation)",
    ),
    "headline_by_criticality_note": (
        "Forventning avrundet til standardfeilen; 5 % og 95 % av framtidene.",
        "Expectation rounded to its standard error; 5 % and 95 % of the futures.",
    ),
    "kpi_cost_today": ("Årlig beredskapskostnad i dag", "Annual preparedness cost today"),
    "kpi_cost_plan": ("Årlig kostnad med planen", "Annual cost with the plan"),
    "kpi_open_shortages": ("Åpne mangelvarsler", "Open shortage notices"),
    "kpi_cal_notices": ("Mangelmeldinger modellen er tilpasset", "Notices the model is fitted to"),
    "kpi_cal_skill": (
        "Brier-ferdighet mot historisk hyppighet (snitt over skjæringsdatoer)",
        "Brier skill against historical frequency (mean over cuts)",
    ),
    "kpi_cal_episodes": (
        "Registrerte episoder året etter {cut}",
        "Recorded episodes in the year after {cut}",
    ),
    "kpi_cal_episodes_detail": (
        "simulert {mean} (5–95 %: {p5}–{p95})",
        "simulated {mean} (5–95 %: {p5}–{p95})",
    ),
    "cal_lead": (
        "Avbruddsrisikoen i modellen er tilpasset mangelhistorikken, ikke omvendt: {n} meldinger "
        "{since}–{until} ({recorded} episoder per år). Samtidige meldinger på pakninger som deler "
        "et produksjonssted er bevis for stedets avbrudd, det ingen felles årsak forklarer er "
        "pakningens eget. Forventede episoder per år: pakninger {pack}, virkestoff {substance}, "
        "produksjonssteder {site}, landsomfattende eksportstans {country}.",
        "The model's disruption hazards are fitted to the shortage record, not the record to the "
        "hazards: {n} notices {since}–{until} ({recorded} episodes a year). Simultaneous notices "
        "on packs that share a manufacturing site are the evidence for the site's outages; what "
        "no shared cause explains is the pack's own. Expected episodes a year: packs {pack}, "
        "substances {substance}, sites {site}, country-wide export restrictions {country}.",
    ),
    "cal_not_applied": (
        "Kjøringen bruker datasettets egne risikotall (--hazards data), ikke de tilpassede.",
        "This run uses the dataset's own hazards (--hazards data), not the calibrated ones.",
    ),
    "cal_priors": (
        "{n} størrelser hviler på forhåndsantakelser der historikken ikke sier noe (se "
        "results.json, priors_used): landsomfattende eksportstans har ikke skjedd i perioden.",
        "{n} quantities rest on priors where the record says nothing (see results.json, "
        "priors_used): no country-wide export restriction happened in the period.",
    ),
    "cal_verdict_wins": (
        "Etterprøving: ved alle {n} skjæringsdatoer slår modellens varsel om mangelmelding "
        "innen et år den historiske hyppigheten (Brier-ferdighet i snitt {skill}).",
        "Back-test: at all {n} cuts the model's forecast of a notice within a year beats the "
        "historical frequency (mean Brier skill {skill}).",
    ),
    "cal_verdict_loses": (
        "Etterprøving: modellen taper mot den historiske hyppigheten ved {cuts}.",
        "Back-test: the model LOSES to the historical frequency at {cuts}.",
    ),
    "cal_backtest_table": (
        "Etterprøving: tilpasset på historikken slik den sto ved skjæringsdatoen, sammenlignet "
        "med året etter",
        "Back-test: fitted on the record as it stood at the cut, compared with the year after",
    ),
    "cal_backtest_note": (
        "Episode = en melding som ikke ble trukket og som starter i vinduet (en melding på "
        "virkestoffnivå teller én). Persentil: hvor det registrerte året ligger blant de "
        "simulerte (50 % = midt i). Ferdighet = 1 − Brier/Brier(historisk hyppighet); over 0 "
        "slår modellen den enkle regelen.",
        "Episode = a notice not cancelled that starts in the window (a substance-level notice "
        "counts once). Percentile: where the recorded year falls among the simulated ones "
        "(50 % = the middle). Skill = 1 − Brier/Brier(historical frequency); above 0 the model "
        "beats the simple rule.",
    ),
    "cal_backtest_chart": (
        "Registrert mot simulert: episoder per år, varigheter og pålitelighet",
        "Recorded vs simulated: episodes a year, durations and reliability",
    ),
    "cal_by_cause_table": (
        "Registrerte episoder i vinduet etter årsak",
        "Recorded episodes in the window by cause",
    ),
    "cal_by_cause_note": (
        "Modellen kjenner bare forsyningsavbrudd; meldinger om økt etterspørsel telles som "
        "avbrudd i pakningen.",
        "The model knows supply outages only; demand-increase notices count as outages of the "
        "pack.",
    ),
    "cal_durations_table": ("Varighet av avbrudd etter årsak", "Outage durations by cause"),
    "cal_durations_note": (
        "Geometrisk eller lognormal fordeling valgt etter AIC, med sensurering av åpne "
        "meldinger; Kaplan–Meier ved siden av.",
        "Geometric or lognormal law chosen by AIC, open notices right-censored; Kaplan–Meier "
        "beside it.",
    ),
    "cal_sources_table": (
        "Avbrudd etter kilde: hendelser i historikken og forventede episoder per år",
        "Outages by source: events in the record and expected episodes a year",
    ),
    "cal_sources_note": (
        "En hendelse på et produksjonssted eller i et land gir én episode per pakning den stanser.",
        "An event at a site or in a country gives one episode per pack it stops.",
    ),
    "cal_outlook_table": (
        "Tidlig varsling: sannsynlighet for mangelmelding og for pasienter uten behandling "
        "({n} simuleringer)",
        "Early warning: probability of a shortage notice and of patients without treatment "
        "({n} simulations)",
    ),
    "cal_outlook_note": (
        "Fra den tilpassede modellen, dagens lager og åpne meldinger. Rangert etter "
        "kritikalitetsvektet sannsynlighet for pasienter uten behandling i det lengste vinduet. "
        "Treffsikkerheten for meldinger er etterprøvingen over.",
        "From the calibrated model, today's stock and open notices. Ranked by the "
        "criticality-weighted probability of patients without treatment in the longest window. "
        "The skill of the notice forecast is the back-test above.",
    ),
    "col_p_notice": ("P(melding) {m} mnd", "P(notice) {m} mo"),
    "sens_lead": (
        "Hvor mye hovedtallet ({loss} kritikalitetsvektet tap og {unmet} pasientdøgn uten "
        "behandling per år med dagens plan) flytter seg når én antakelse om gangen settes til "
        "en lav og en høy verdi, på de samme {n} framtidene (felles tilfeldige tall, så "
        "forskjellene skyldes antakelsen, ikke støy).",
        "How far the headline ({loss} of criticality-weighted loss and {unmet} patient-days "
        "without treatment a year under today's plan) moves when one assumption at a time is "
        "set to a low and a high value, on the same {n} futures (common random numbers, so the "
        "differences are the assumption's, not noise).",
    ),
    "sens_chart": (
        "Tornado: tapet per år ved lav og høy ende av hver antakelse",
        "Tornado: loss a year at the low and the high end of each assumption",
    ),
    "sens_table": (
        "Hovedtallet ved hver antakelses lave og høye ende, størst utslag først",
        "The headline at each assumption's low and high end, largest swing first",
    ),
    "sens_note": (
        "Verdi per pasientdøgn og vekter endrer bare verdsettingen av de samme framtidene; de "
        "andre antakelsene er simulert på nytt.",
        "The value per patient-day and the weights only re-value the same futures; the other "
        "assumptions are simulated again.",
    ),
    "col_p_untreated": ("P(uten behandling) {m} mnd", "P(untreated) {m} mo"),
    "headline_calibrated": (
        "Tallene kommer fra modellen tilpasset mangelhistorikken ({provenance}); "
        "etterprøvingen står i delen «Kalibrering».",
        "The figures come from the model calibrated to the shortage record ({provenance}); the "
        "back-test is in the Calibration section.",
    ),
    "kpi_weighted_loss_today": (
        "Kritikalitetsvektet tap per år i dag",
        "Criticality-weighted loss per year today",
    ),
    "kpi_weighted_loss_plan": (
        "… med planen",
        "… with the plan",
    ),
    "headline_lead": (
        "Beredt vurderer {n} virkestoff i {country} per {as_of}. {at_risk} har høy sårbarhet "
        "(poeng ≥ {threshold}), og {open} mangelvarsler er åpne.",
        "Beredt assesses {n} substances in {country} as of {as_of}. {at_risk} are highly "
        "vulnerable (score ≥ {threshold}) and {open} shortage notices are open.",
    ),
    "headline_plan": (
        "Med et budsjett på {budget} per år (i dag {today_cost}) anslås forventede pasientdøgn "
        "uten behandling å falle fra {unmet_today} til {unmet_plan} per år.",
        "With a budget of {budget} a year (today {today_cost}), expected patient-days without "
        "treatment fall from {unmet_today} to {unmet_plan} a year.",
    ),
    # dataset
    "dataset_lead": (
        "Datasettet «{title}» for {country} per {as_of}, beløp i {currency}.",
        "The dataset “{title}” for {country} as of {as_of}, money in {currency}.",
    ),
    "table_counts": ("Rader per tabell", "Rows per table"),
    "table_criticality": ("Virkestoff etter kritikalitet", "Substances by criticality"),
    # days of supply
    "dos_lead": (
        "Lager per ledd i forsyningskjeden delt på gjennomsnittlig nasjonalt forbruk. "
        "{low} vitale virkestoff har under {days} dagers samlet dekning.",
        "Stock at each tier of the supply chain divided by mean national demand. "
        "{low} vital substances have less than {days} days of supply in total.",
    ),
    "dos_table": (
        "Dager lagerdekning per virkestoff, lavest først",
        "Days of supply by substance, lowest first",
    ),
    "dos_chart": (
        "Dager lagerdekning per ledd for de {n} vitale og viktige virkestoffene med lavest dekning",
        "Days of supply by tier for the {n} vital and essential substances with the least cover",
    ),
    "dos_axis": ("Dager forbruk", "Days of demand"),
    "tier_producer": ("Produsent", "Producer"),
    "tier_preparedness": ("Beredskapslager", "Preparedness stock"),
    "tier_wholesale": ("Grossist", "Wholesale"),
    "tier_hospital": ("Sykehus", "Hospital"),
    "tier_pharmacy": ("Apotek", "Pharmacy"),
    # vulnerability
    "vuln_lead": (
        "Sårbarhetspoeng 0–100 per virkestoff, forklart med bidraget fra hver faktor. "
        "{high} virkestoff har poeng ≥ {threshold}.",
        "Vulnerability score 0–100 per substance, explained by each factor's contribution. "
        "{high} substances score ≥ {threshold}.",
    ),
    "vuln_heatmap": (
        "Gjennomsnittlig eksponering (0–100 %) per faktor og ATC-gruppe; siste kolonne er "
        "gruppens gjennomsnittlige poengsum",
        "Mean exposure (0–100 %) of each factor by ATC group; the last column is the group's "
        "mean score",
    ),
    "vuln_top": ("De mest sårbare virkestoffene", "The most vulnerable substances"),
    "vuln_groups": ("Sårbarhet per ATC-gruppe", "Vulnerability by ATC group"),
    "vuln_all": ("Alle virkestoff med faktorbidrag", "All substances with factor contributions"),
    "vuln_factor_axis": ("Faktor", "Factor"),
    "vuln_group_axis": ("ATC-gruppe", "ATC group"),
    # scenarios
    "scen_lead": (
        "Scenariobiblioteket simulert med {n} trekk hver over {horizon} dager (Monte Carlo, "
        "frø {seed}). Pasientdøgn uten behandling = udekket DDD.",
        "The scenario library simulated with {n} draws each over {horizon} days (Monte Carlo, "
        "seed {seed}). Patient-days without treatment = unmet DDD.",
    ),
    "scen_table": ("Utfall per scenario", "Outcome by scenario"),
    "scen_worst": (
        "Verst rammede virkestoff per scenario",
        "Worst-affected substances by scenario",
    ),
    "scen_chart": (
        "Kritikalitetsvektede pasientdøgn uten behandling per scenario (snitt, 5–95 %)",
        "Criticality-weighted patient-days without treatment by scenario (mean, 5–95 %)",
    ),
    "scen_axis": ("Vektede pasientdøgn uten behandling", "Weighted patient-days without treatment"),
    "scen_stress_lead": (
        "Den anbefalte planen og dagens plan simulert sammen under hvert scenario (samme "
        "tilfeldige trekk, ett år): hva planen unngår når det verste skjer.",
        "The recommended plan and today's plan simulated jointly under each scenario (the same "
        "random draws, one year): what the plan avoids when the worst happens.",
    ),
    "scen_stress_chart": (
        "Forventet tap per år under hvert scenario: dagens plan og anbefalt plan",
        "Expected loss per year under each scenario: today's plan and the recommended plan",
    ),
    "scen_stress_table": (
        "Anbefalt plan mot dagens plan per scenario",
        "The recommended plan against today's plan, by scenario",
    ),
    # frontier
    "front_lead": (
        "Forventet tap mot årlig budsjett. Dagens plan (lager og avtaler) er markert; den "
        "valgte planen ligger på {budget}.",
        "Expected loss against the annual budget. Today's plan (stock and agreements) is "
        "marked; the chosen plan is at {budget}.",
    ),
    "front_chart": ("Budsjett → forventet tap", "Budget → expected loss"),
    "front_table": ("Punkter på fronten", "Frontier points"),
    "front_x": ("Årlig budsjett ({currency})", "Annual budget ({currency})"),
    "front_y": ("Forventet tap per år ({currency})", "Expected loss per year ({currency})"),
    "front_y2": ("P(mangel på vitalt legemiddel)", "P(shortage of a vital medicine)"),
    "front_today": ("Dagens plan", "Today's plan"),
    "front_chosen": ("Valgt plan", "Chosen plan"),
    "front_line": ("Optimal plan", "Optimal plan"),
    # recommendations
    "rec_lead": (
        "Anbefalt lager i uker forbruk og avtaler med innenlandske produsenter ved et budsjett "
        "på {budget} per år. {changed} virkestoff får endret beredskap.",
        "Recommended stock in weeks of demand and agreements with domestic producers at a "
        "budget of {budget} a year. The preparedness of {changed} substances changes.",
    ),
    "sev_untreated": (
        "Pasientdøgn uten behandling per år, {crit}",
        "Untreated patient-days a year, {crit}",
    ),
    "rec_library": (
        "Planen er avveid mot bakgrunnsrisikoen og stresscenarioene, med sannsynlighet per år: "
        "{weights}.",
        "The plan is weighed against the background and the stress scenarios, with their "
        "probability a year: {weights}.",
    ),
    "rec_objective_capped": (
        "Mål: lavest forventet vektet tap, med P(et vitalt virkestoff mangler i mer enn 7 dager) "
        "høyst {cap} (dagens nivå); planen oppnår {achieved}.",
        "Objective: the least expected weighted loss with P(a vital substance short on more "
        "than 7 days) at most {cap} (today's); the plan reaches {achieved}.",
    ),
    "rec_objective_vital_days": (
        "Mål: færrest forventede mangeldager for vitale virkestoff; likt avgjøres på forventet "
        "vektet tap.",
        "Objective: the fewest expected vital shortage-days; ties broken by expected weighted "
        "loss.",
    ),
    "rec_objective_loss": (
        "Mål: lavest forventet vektet tap.",
        "Objective: the least expected weighted loss.",
    ),
    "rec_table": (
        "Anbefaling per virkestoff (endringer først)",
        "Recommendation by substance (changes first)",
    ),
    "rec_summary": ("Dagens plan mot anbefalt plan", "Today's plan against the recommended plan"),
    "rec_lines": ("Belastning av produksjonslinjer", "Production line load"),
    "rec_chart": ("Lager i uker: i dag og anbefalt", "Stock in weeks: today and recommended"),
    "weeks": ("Uker", "Weeks"),
    "act_table": (
        "Tiltaksliste: kutt i vitale virkestoff først, deretter de {n} endringene som unngår "
        "mest tap",
        "Action shortlist: cuts to vital substances first, then the {n} changes that avoid the "
        "most loss",
    ),
    "act_note": (
        "Oppbygging: ekstra lager ÷ (leverandørenes kapasitet utover normalt forbruk, {headroom} "
        "av behovet, × behov per dag); en avtale beskytter fra signering, etter sine responsdager. "
        "Unngått: forventet tap og mangeldager per år for virkestoffet, med ± SE over de samme "
        "framtidene. Alle endringer står i tabellen per virkestoff.",
        "Build-up: extra stock ÷ (the suppliers' capacity above normal demand, {headroom} of "
        "demand, × demand a day); an agreement protects from signature, after its response days. "
        "Avoided: expected loss and shortage-days a year for the substance, ± SE over the same "
        "futures. Every change is in the table by substance.",
    ),
    "act_cut": ("Lager kuttet {today} → {plan} uker", "Stock cut {today} → {plan} weeks"),
    "act_saves": ("sparer {saved} per år", "saves {saved} a year"),
    "act_add_stock": (
        "Lager {today} → {plan} uker ({extra} DDD)",
        "Stock {today} → {plan} weeks ({extra} DDD)",
    ),
    "act_add_agreement": (
        "avtale {ids} ({reserved} DDD/dag reservert)",
        "agreement {ids} ({reserved} DDD/day reserved)",
    ),
    "act_dropped": ("avtale {ids} sagt opp", "agreement {ids} ended"),
    # why an offer is or is not in the plan
    "why_kept_by_floor": (
        "beholdt av gulvet «{floor}» (ikke kutt under dagens nivå); i tillegg til planens lager "
        "unngår den {avoided} forventet tap per år for en avgift på {fee}; break-even-avgift {even}",
        "kept by the floor “{floor}” (no cut below today); on top of the plan's stock it avoids "
        "{avoided} a year of expected loss for a fee of {fee}; its break-even fee is {even}",
    ),
    "why_taken_for_floor": (
        "tatt for å oppfylle gulvet «{floor}»: avgiften på {fee} koster mindre enn {weeks} uker "
        "lager; den unngår {avoided} forventet tap per år",
        "taken to meet the floor “{floor}”: the fee of {fee} costs less than {weeks} weeks of "
        "stock; it avoids {avoided} a year of expected loss",
    ),
    "why_taken": (
        "tatt: unngår {avoided} forventet tap per år for en avgift på {fee}",
        "taken: avoids {avoided} a year of expected loss for a fee of {fee}",
    ),
    "why_no_value": (
        "ikke tatt: i tillegg til planens lager unngår den ikke noe forventet tap (lageret "
        "dekker allerede avbruddene modellen venter)",
        "not taken: on top of the plan's stock it avoids no expected loss (the stock already "
        "covers the outages the model expects)",
    ),
    "why_below_price": (
        "ikke tatt: den unngår {per_fee} per krone i avgift, mens den siste budsjettkronen "
        "unngår {price} andre steder; den lønner seg ved en avgift på høyst {even}",
        "not taken: it avoids {per_fee} per unit of fee, while the last unit of budget avoids "
        "{price} elsewhere; it would pay at a fee of at most {even}",
    ),
    "why_ruled_out": (
        "ikke tatt: linjen kan ikke bære den ved siden av de valgte reservasjonene, eller et "
        "gulv eller budsjettet utelukker den",
        "not taken: the line cannot carry it beside the reservations chosen, or a floor or the "
        "budget rules it out",
    ),
    # offers
    "offers_lead": (
        "Hva hvert innenlandske tilbud er verdt for landet: unngått tap per krone i avgift ved "
        "valgt budsjett.",
        "What each domestic offer is worth to the country: loss avoided per unit of fee at the "
        "chosen budget.",
    ),
    "offers_table": ("Tilbud rangert etter verdi", "Offers ranked by value"),
    "offers_chart": ("Unngått tap per krone i avgift", "Loss avoided per unit of fee"),
    # shortages
    # notes on the stages of `beredt run`
    "stage_absent": ("ikke tilgjengelig", "not available"),
    "stage_generation": ("generasjon {n}", "generation {n}"),
    "stage_investments": ("investeringer: {n}", "investments: {n}"),
    "stage_scenarios": ("scenarioer: {n}", "scenarios: {n}"),
    "stage_skipped": ("hoppet over: {n}", "skipped: {n}"),
    "stage_budget": ("budsjett {budget}", "budget {budget}"),
    "stage_assumptions": ("antakelser: {n}", "assumptions: {n}"),
    "stage_budgets": ("budsjetter: {n}", "budgets: {n}"),
    "stage_notices": ("varsler: {n}", "notices: {n}"),
    "short_lead": (
        "{n} åpne mangelvarsler med responsplan. Planene er regnet over fordelingen av hvor "
        "lenge mangelen varer: i {at_risk} av dem er sjansen over 5 % for at noen pasienter "
        "blir uten; {overdue} er forbi forventet slutt og bør følges opp.",
        "{n} open shortage notices with a response plan. The plans are evaluated over the "
        "distribution of how long each shortage lasts: in {at_risk} of them the chance that some "
        "patients go without exceeds 5 %; {overdue} are past their expected end and need a "
        "follow-up.",
    ),
    "short_notice": (
        "{notice} ({name}): P(ingen pasient uten) {p_ok}; forventet udekket {uncovered} DDD "
        "(P90 {p90}); mangelen er over innen {end90} i 9 av 10 utfall.",
        "{notice} ({name}): P(no patient without) {p_ok}; expected uncovered {uncovered} DDD "
        "(P90 {p90}); the shortage is over by {end90} in 9 out of 10 outcomes.",
    ),
    "short_overdue": (
        "Forbi forventet slutt med {days} dager.",
        "Past its expected end by {days} days.",
    ),
    "short_none": ("Ingen åpne mangelvarsler.", "No open shortage notices."),
    "short_table": ("Åpne varsler", "Open notices"),
    "short_actions": ("Tiltak for {notice}", "Actions for {notice}"),
    "short_chart_all": (
        "Dekning per tiltak mot behov, dag for dag (velg varsel i menyen)",
        "Coverage by action against demand, day by day (choose the notice in the menu)",
    ),
    "short_day_axis": ("Dag etter start", "Day from start"),
    "short_ddd_axis": ("DDD per dag", "DDD per day"),
    "short_demand": ("Behov", "Demand"),
    "short_uncovered": ("Udekket", "Uncovered"),
    # industry
    "ind_lead": (
        "Eksport, import og selvforsyning for helseindustrien.",
        "Exports, imports and self-sufficiency of the health industry.",
    ),
    # methods
    "methods_lead": (
        "Slik er tallene beregnet, med parameterne og kildene for denne kjøringen.",
        "How the figures are computed, with the parameters and sources of this run.",
    ),
    "methods_sources": ("Kilder i datasettet", "Sources in the dataset"),
    "methods_parameters": ("Parametere for kjøringen", "Parameters of this run"),
    "methods_models": ("Modeller", "Models"),
    "method_dos": (
        "Lagerdekning: lager (DDD) i hvert ledd delt på gjennomsnittlig nasjonalt forbruk "
        "(DDD/dag). 1 DDD ≈ ett pasientdøgn (WHO ATC/DDD).",
        "Days of supply: stock (DDD) at each tier divided by mean national demand (DDD/day). "
        "1 DDD ≈ one patient-day of treatment (WHO ATC/DDD).",
    ),
    "method_risk": (
        "Sårbarhet: forklarbar indeks 0–100 med faste normaliseringsankre og vekter, etter "
        "EUs metode for sårbarhetsvurdering av kritiske legemidler.",
        "Vulnerability: an explainable 0–100 index with fixed normalisation anchors and weights, "
        "after the EU's vulnerability-assessment methodology for critical medicines.",
    ),
    "method_sim": (
        "Scenarioer: Monte Carlo-simulering av avbrudd gjennom lager i alle ledd, andre "
        "pakninger, beredskapslager, innenlandsk produksjon og terapeutiske alternativer; "
        "start i stasjonær tilstand.",
        "Scenarios: Monte-Carlo simulation of disruptions through stock at every tier, other "
        "packs, preparedness stock, domestic surge production and therapeutic alternatives; "
        "started from the stationary state.",
    ),
    "method_plan": (
        "Beredskapsplan: blandet heltallsprogram (HiGHS) som velger lageruker og avtale per "
        "virkestoff innen budsjettet og linjekapasitetene (Tomlin 2006; Lücker & Seifert 2017).",
        "Preparedness plan: a mixed-integer programme (HiGHS) choosing stock weeks and an "
        "agreement per substance within the budget and line capacities (Tomlin 2006; Lücker & "
        "Seifert 2017).",
    ),
    "method_loss": (
        "Tap i kroner = verdi per vektet pasientdøgn uten behandling ({value}) × "
        "kritikalitetsvekt (vitalt 10, viktig 3, annet 1) × udekket DDD per år; verdien er en "
        "antakelse som brukeren kan endre (docs/plan.md).",
        "Loss in money = value per weighted patient-day without treatment ({value}) × "
        "criticality weight (vital 10, essential 3, other 1) × unmet DDD per year; the value is "
        "an assumption the user can change (docs/plan.md).",
    ),
    "method_budget": (
        "Standardbudsjett: {share} av dagens årlige beredskapskostnad (holdekostnad for "
        "beredskapslageret + avgifter for aktive avtaler) = {budget}.",
        "Default budget: {share} of today's annual preparedness cost (holding cost of the "
        "preparedness stock + fees of active agreements) = {budget}.",
    ),
    "method_respond": (
        "Responsplan: gapet (behov − gjenværende forsyning) fylles dag for dag i fast "
        "prioritert rekkefølge; terapeutiske alternativer flagges for klinisk vurdering.",
        "Response plan: the gap (demand − remaining supply) is filled day by day in a fixed "
        "order of priority; therapeutic alternatives are flagged for clinical review.",
    ),
    "method_industry": (
        "Industri: SSBs utenrikshandelstabeller (08801, 08799) etter varegruppe; "
        "selvforsyning = innenlandsk kapasitet mot nasjonalt forbruk.",
        "Industry: Statistics Norway's external-trade tables (08801, 08799) by commodity "
        "group; self-sufficiency = domestic capacity against national demand.",
    ),
    "not_installed": (
        "modulen {module} finnes ikke ennå",
        "the module {module} is not present yet",
    ),
    # the four measures and the investment case
    "meas_lead": (
        "Eksportrapporten ber myndighetene og industrien om fire tiltak: gjøre kliniske studier "
        "mer attraktive, styrke hjemmemarkedet, bedre tilgangen på kompetanse og avlaste "
        "risikoen ved å investere i produksjon. Her er indikatorene for hvert tiltak år for år, "
        "med kilde, trend og mål der et mål er satt.",
        "The export report asks the authorities and the industry for four measures: make "
        "clinical trials more attractive, strengthen the home market, improve access to "
        "competence and relieve the risk of investing in production. Here are the indicators "
        "of each measure by year, with their source, trend and target where one is set.",
    ),
    "meas_trend": (
        "Trenden er stigningstallet i en minste kvadraters linje gjennom de siste hele årene "
        "(inntil {years}); et år som ikke er over, vises, men teller ikke.",
        "The trend is the slope of a least-squares line through the latest complete years "
        "(up to {years}); a year not yet over is shown but does not count.",
    ),
    "meas_no_target": ("ikke satt", "none set"),
    "meas_on_track": ("i rute", "on track"),
    "meas_off_track": ("ikke i rute", "not on track"),
    "inv_lead": (
        "Investeringsregnestykket: for hvert tilbud i datasettet vurderer produsenten en ny "
        "eller utvidet linje. Nåverdi og internrente er regnet over {paths} simulerte framtider "
        "av linjens levetid: salg i normale tider og eksport (med usikkert marked), "
        "beredskapsleveranser når mangel utløser avtalen, og avtalens årlige avgift. "
        "Likevektsavgiften er den laveste årlige avgiften som gir P(nåverdi > 0) = {level}: "
        "risikoavlastningen rapporten etterlyser, i kroner per år.",
        "The investment case: for each offer of the dataset the producer considers a new or "
        "extended line. NPV and IRR are computed over {paths} simulated futures of the line's "
        "life: sales in normal times and exports (with an uncertain market), surge sales when "
        "shortages activate the agreement, and the agreement's annual fee. The break-even fee is "
        "the least annual fee that gives P(NPV > 0) = {level}: the risk relief the report asks "
        "for, in currency a year.",
    ),
    "inv_finance": (
        "Forutsetninger: realrente {rate} etter skatt for produsenten og {state_rate} for "
        "staten (R-109/2021), skatt {tax}, avskrivning {depreciation}, markedsusikkerhet "
        "(variasjonskoeffisient) {cv}, verdi per pasientdøgn {value}.",
        "Assumptions: a real after-tax discount rate of {rate} for the producer and {state_rate} "
        "for the state (R-109/2021), tax {tax}, depreciation {depreciation}, market risk "
        "(coefficient of variation) {cv}, value per patient-day {value}.",
    ),
    "inv_declining": ("saldo {rate} per år", "declining balance {rate} a year"),
    "inv_straight": ("lineær over levetiden", "straight line over the life"),
    "inv_summary": (
        "For {below} av {n} tilbud er den tilbudte avgiften minst likevektsavgiften; for {above} "
        "trenger produsenten mer. Samlet tilbudt avgift {offered} per år, samlet "
        "likevektsavgift {needed} per år.",
        "For {below} of {n} offers the offered fee is at least the break-even fee; for {above} "
        "the producer needs more. Offered fees {offered} a year in total, break-even fees "
        "{needed} a year.",
    ),
    "inv_state": (
        "Staten ser den andre siden på de samme framtidene: avgiftene den betaler mot tapet den "
        "unngår, begge neddiskontert med {state_rate}. Med dagens beredskapslager unngår de nye "
        "avtalene i snitt {avoided} i forventet tap (nåverdi) mot {fees} i avgifter.",
        "The state sees the other side on the same futures: the fees it pays against the loss "
        "it avoids, both discounted at {state_rate}. With today's preparedness stock the new "
        "agreements avoid {avoided} of expected loss on average (present value) against {fees} "
        "in fees.",
    ),
    "method_measures": (
        "De fire tiltakene: kliniske studier fra ClinicalTrials.gov og CTIS (en studie i "
        "begge registre telles én gang), offentlige innkjøp vunnet av innenlandsk "
        "produksjon, ansatte og utdanning fra industritallene, avgifter og reservert kapasitet "
        "fra avtalene og unngått tap per krone fra optimeringen; mål fra targets.toml.",
        "The four measures: clinical trials from ClinicalTrials.gov and CTIS (a trial in both "
        "registers counted once), public procurement won by domestic production, employees "
        "and education from the industry figures, fees and reserved capacity from the "
        "agreements and loss avoided per unit of fee from the optimiser; targets from "
        "targets.toml.",
    ),
    "method_invest": (
        "Investeringsregnestykket: kontantstrøm etter skatt, nåverdi og internrente "
        "(Brealey–Myers–Allen) over simulerte framtider; år trekkes fra bakgrunnen og "
        "stress-scenarioene etter sannsynlighet per år; beredskapsleveransene og statens "
        "unngåtte tap kommer fra simulatoren med og uten den nye reservasjonen på de samme "
        "trekkene.",
        "The investment case: after-tax cash flow, NPV and IRR (Brealey–Myers–Allen) over "
        "simulated futures; years are drawn from the background and the stress scenarios by "
        "their yearly probability; surge sales and the state's loss avoided come from the "
        "simulator with and without the new reservation on the same draws.",
    ),
}

#: Vulnerability factor key → (bokmål, English) label (English as in ``beredt.risk``).
FACTOR_LABELS: dict[str, tuple[str, str]] = {
    "criticality": ("Kritikalitet", "Criticality"),
    "suppliers": ("Leverandører", "Suppliers"),
    "market_concentration": ("Markedskonsentrasjon", "Market concentration"),
    "api_concentration": ("Landkonsentrasjon virkestoff (API)", "API country concentration"),
    "fdf_concentration": ("Landkonsentrasjon ferdigvare", "Finished-dose country concentration"),
    "export_restriction": ("Eksportrestriksjoner", "Export-restriction exposure"),
    "stock_cover": ("Lagerdekning", "Stock cover"),
    "domestic_coverage": ("Innenlandsk dekning", "Domestic coverage"),
    "shortage_count": ("Mangelvarsler", "Shortage notices"),
    "shortage_days": ("Mangeldager", "Shortage days"),
    "other_products": ("Andre pakninger", "Other packs"),
    "therapeutic_alternatives": ("Terapeutiske alternativer", "Therapeutic alternatives"),
}


def factor_label(key: str, english: str | None = None) -> Text:
    """Label of a vulnerability factor (falls back to the risk package's English label)."""
    pair = FACTOR_LABELS.get(key)
    if pair:
        return plain(*pair)
    return same(english or key)
