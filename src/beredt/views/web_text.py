"""Bokmål and English texts of the web dashboard (labels, buttons, messages).

The analyses' own texts (section titles, column headers, key figures) come from
:mod:`beredt.views.i18n`; these are the words of the pages around them.
"""

from __future__ import annotations

from typing import Any

from beredt.views.fmt import Num

#: Key → (bokmål, English).
WEB: dict[str, tuple[str, str]] = {
    # frame
    "app_name": ("Beredt", "Beredt"),
    "tagline": ("Nasjonal legemiddelberedskap", "National medicine preparedness"),
    "skip": ("Gå til innholdet", "Skip to the content"),
    "nav": ("Hovedmeny", "Main menu"),
    "language": ("Språk", "Language"),
    "signed_in_as": ("Innlogget som {name} ({role})", "Signed in as {name} ({role})"),
    "log_out": ("Logg ut", "Sign out"),
    "overview": ("Oversikt", "Overview"),
    "substances": ("Virkestoffer", "Substances"),
    "shortages": ("Mangler", "Shortages"),
    "scenarios": ("Scenarioer", "Scenarios"),
    "planner": ("Planlegger", "Planner"),
    "industry": ("Industri", "Industry"),
    "producer": ("Produsentportal", "Producer portal"),
    "holder": ("Lagerportal", "Holder portal"),
    "role_admin": ("administrator", "administrator"),
    "role_authority": ("myndighet", "authority"),
    "role_analyst": ("analytiker", "analyst"),
    "role_holder": ("lagerholder", "holder"),
    "role_producer": ("produsent", "producer"),
    # login
    "login_title": ("Logg inn", "Sign in"),
    "login_lead": (
        "Logg inn med kontoen du har fått av administratoren.",
        "Sign in with the account your administrator gave you.",
    ),
    "name": ("Brukernavn", "Name"),
    "password": ("Passord", "Password"),
    "login_button": ("Logg inn", "Sign in"),
    "login_failed": ("Feil brukernavn eller passord.", "Wrong name or password."),
    "login_limited": (
        "For mange mislykkede forsøk: prøv igjen om {minutes} minutter.",
        "Too many failed attempts: try again in {minutes} minutes.",
    ),
    "logged_out": ("Du er logget ut.", "You are signed out."),
    "session_ended": (
        "Økten er utløpt eller avsluttet: logg inn igjen.",
        "Your session has expired or ended: sign in again.",
    ),
    "csrf_failed": (
        "Skjemaet var utløpt. Send det på nytt.",
        "The form had expired. Send it again.",
    ),
    # errors
    "forbidden_title": ("Ingen tilgang", "No access"),
    "forbidden": (
        "Rollen din gir ikke tilgang til denne siden.",
        "Your role gives no access to this page.",
    ),
    "not_found_title": ("Finnes ikke", "Not found"),
    "not_found": ("Siden eller posten finnes ikke.", "The page or record does not exist."),
    "error_title": ("Noe gikk galt", "Something went wrong"),
    "error": (
        "Serveren kunne ikke svare. Referanse: {rid}.",
        "The server could not answer. Reference: {rid}.",
    ),
    "bad_input": (
        "Rett opp dette og send på nytt; ingenting er lagret:",
        "Correct this and send again; nothing was saved:",
    ),
    "saved": ("Lagret.", "Saved."),
    "empty": ("Ingen rader.", "No rows."),
    "none": ("ingen", "none"),
    "yes": ("ja", "yes"),
    "no": ("nei", "no"),
    "more_rows": ("Viser {shown} av {total} rader.", "Showing {shown} of {total} rows."),
    "download": ("Last ned", "Download"),
    # latest run
    "run_none": (
        "Ingen nasjonal analyse er kjørt på disse dataene ennå.",
        "No national analysis has been run on these data yet.",
    ),
    "run_kept": (
        "Fra den nasjonale analysen {when} ({who}), data per {as_of}.",
        "From the national analysis of {when} ({who}), data as of {as_of}.",
    ),
    "run_start": ("Kjør nasjonal analyse", "Run the national analysis"),
    "run_scenarios": ("Trekk per scenario", "Draws per scenario"),
    "run_started": ("Analysen er startet.", "The analysis has started."),
    # overview
    "overview_title": ("Nasjonal oversikt", "National overview"),
    "key_figures": ("Hovedtall", "Key figures"),
    "outlook": ("Tidlig varsling", "Early warning"),
    "open_shortages": ("Åpne mangler", "Open shortages"),
    "not_reported": ("Har ikke rapportert lager", "Has not reported stock"),
    "not_reported_lead": (
        "Lagerholdere uten rapport siden {since}.",
        "Holders with no report since {since}.",
    ),
    "all_reported": ("Alle har rapportert siden {since}.", "Everyone has reported since {since}."),
    "days_left": ("Dager med lager igjen", "Days of supply left"),
    "lasts": ("rekker hele perioden", "lasts the horizon"),
    "holder_col": ("Lagerholder", "Holder"),
    "account_col": ("Konto", "Account"),
    "last_report": ("Siste rapport", "Last report"),
    # substances
    "substances_title": ("Virkestoffer", "Substances"),
    "search": ("Søk (ATC-kode eller navn)", "Search (ATC code or name)"),
    "search_button": ("Søk", "Search"),
    "supply_map": ("Forsyningskart", "Supply map"),
    "supply_map_lead": (
        "Pakninger → produksjonssteder → land (andel av etterspørselen).",
        "Packs → manufacturing sites → countries (share of demand).",
    ),
    "stock_over_time": ("Lager per ledd over tid", "Stock by tier over time"),
    "risk": ("Sårbarhet", "Vulnerability"),
    "risk_lead": (
        "Poeng {score} av 100 (rang {rank} av {n}). Viktigste drivere: {drivers}.",
        "Score {score} of 100 (rank {rank} of {n}). Main drivers: {drivers}.",
    ),
    "factor": ("Faktor", "Factor"),
    "contribution": ("Bidrag (poeng)", "Contribution (points)"),
    "simulated": ("Simulerte utfall", "Simulated outcomes"),
    "notices": ("Mangelvarsler", "Shortage notices"),
    "agreements": ("Avtaler", "Agreements"),
    "offers": ("Tilbud", "Offers"),
    "lines": ("Produksjonslinjer", "Production lines"),
    "capabilities": ("Kapabiliteter", "Capabilities"),
    "redacted": (
        "Priser og kapasiteter vises ikke for din rolle.",
        "Prices and capacities are not shown for your role.",
    ),
    "products": ("Pakninger", "Packs"),
    "criticality": ("Kritikalitet", "Criticality"),
    "demand": ("Etterspørsel (DDD per dag)", "Demand (DDD a day)"),
    "days_of_supply": ("Dager med lager", "Days of supply"),
    # shortages
    "board_title": ("Mangeltavle", "Shortage board"),
    "new_notice": ("Nytt mangelvarsel", "New shortage notice"),
    "notice_id": ("Varsel-ID", "Notice id"),
    "atc_code": ("ATC-kode", "ATC code"),
    "status": ("Status", "Status"),
    "start_date": ("Startdato", "Start date"),
    "expected_end_date": ("Forventet slutt", "Expected end"),
    "cause": ("Årsak", "Cause"),
    "title": ("Tittel", "Title"),
    "record": ("Registrer", "Record"),
    "response_plan": ("Responsplan", "Response plan"),
    "no_plan_yet": (
        "Ingen responsplan er laget for dette varselet ennå.",
        "No response plan has been made for this notice yet.",
    ),
    "make_plan": ("Lag responsplan", "Make the response plan"),
    "plan_lead": (
        "Mangel {start}–{end}: behov {gap} DDD, dekket {covered} DDD, udekket {uncovered} DDD.",
        "Shortage {start}–{end}: need {gap} DDD, covered {covered} DDD, uncovered {uncovered} DDD.",
    ),
    "timeline": ("Tidslinje", "Timeline"),
    "uncertainty": ("Usikkerhet", "Uncertainty"),
    "actions": ("Tiltak i prioritert rekkefølge", "Actions in priority order"),
    "activations": ("Aktiveringer og svar", "Activations and answers"),
    "activate": ("Aktiver avtale eller be om tilbud", "Activate an agreement or ask for an offer"),
    "choose": ("Velg", "Choose"),
    "confirm_within": ("Svarfrist (dager)", "Days to answer"),
    "activate_button": ("Send til produsent", "Send to the producer"),
    "activated": ("Sendt til produsenten.", "Sent to the producer."),
    "update_status": ("Endre status", "Change status"),
    "change": ("Endre", "Change"),
    # scenarios and jobs
    "scenarios_title": ("Scenarioer", "Scenarios"),
    "library": ("Scenariobiblioteket", "The scenario library"),
    "upload": ("Eller last opp en scenariofil (TOML)", "Or upload a scenario file (TOML)"),
    "scenario_file": ("Scenariofil", "Scenario file"),
    "scenario": ("Scenario", "Scenario"),
    "draws": ("Trekk", "Draws"),
    "run_button": ("Kjør i bakgrunnen", "Run in the background"),
    "jobs": ("Jobber", "Jobs"),
    "job": ("Jobb", "Job"),
    "kind": ("Type", "Kind"),
    "created": ("Startet", "Started"),
    "by": ("Av", "By"),
    "progress": ("Framdrift", "Progress"),
    "queued": ("i kø", "queued"),
    "running": ("kjører", "running"),
    "succeeded": ("ferdig", "finished"),
    "failed": ("feilet", "failed"),
    "job_failed": ("Jobben feilet: {error}", "The job failed: {error}"),
    "results": ("Resultater", "Results"),
    "result_json": ("Resultat (JSON)", "Result (JSON)"),
    "result_csv": ("Per virkestoff (CSV)", "By substance (CSV)"),
    "national": ("Nasjonalt", "National"),
    "worst": ("Mest berørte virkestoffer", "Most affected substances"),
    "choose_scenario": (
        "Velg et scenario eller last opp en fil.",
        "Choose a scenario or upload a file.",
    ),
    "not_toml": ("filen må være UTF-8-tekst (TOML)", "the file must be UTF-8 text (TOML)"),
    "draws_range": ("trekk: et helt tall 10–10 000", "draws: a whole number 10–10,000"),
    # planner
    "planner_title": ("Beredskapsplanlegger", "Preparedness planner"),
    "planner_lead": (
        "Velg budsjett, gulv og mål; analysen kjøres på nytt i bakgrunnen.",
        "Choose the budget, floors and objective; the analysis runs again in the background.",
    ),
    "budget": ("Budsjett per år ({currency})", "Budget a year ({currency})"),
    "budget_hint": ("Tomt: dagens kostnad.", "Empty: today's cost."),
    "policy": ("Beredskapspolitikk (gulv)", "Preparedness policy (floors)"),
    "policy_default": ("den fastsatte politikken", "the policy as set"),
    "policy_none": ("ingen gulv", "no floors"),
    "floor_vital": ("Gulv for vitale (uker)", "Floor for vital (weeks)"),
    "floor_essential": ("Gulv for viktige (uker)", "Floor for essential (weeks)"),
    "floor_hint": ("Tomt: politikkens gulv.", "Empty: the policy's floor."),
    "objective": ("Mål", "Objective"),
    "objective_policy": ("politikkens mål", "the policy's objective"),
    "plan_button": ("Optimer", "Optimise"),
    "workbook": ("Arbeidsbok (Excel)", "Workbook (Excel)"),
    "budget_bad": ("budsjett: et tall ≥ 0", "budget: a number ≥ 0"),
    "floor_bad": ("gulv: uker 0–104", "floor: weeks 0–104"),
    # producer
    "producer_title": ("Produsentportal: {company}", "Producer portal: {company}"),
    "company": ("Firma", "Company"),
    "to_answer": ("Aktiveringer å svare på", "Activations to answer"),
    "answered": ("Besvarte aktiveringer", "Answered activations"),
    "confirm": ("Bekreft", "Confirm"),
    "decline": ("Avslå", "Decline"),
    "confirm_start": ("Første leveranse (dato)", "First output (date)"),
    "confirm_rate": ("DDD per dag", "DDD a day"),
    "decline_reason": ("Begrunnelse", "Reason"),
    "confirmed": ("Bekreftet.", "Confirmed."),
    "declined": ("Avslått.", "Declined."),
    "no_activations": ("Ingen aktiveringer venter på svar.", "No activation awaits an answer."),
    "choose_company": ("Velg firma", "Choose a company"),
    "show": ("Vis", "Show"),
    # holder
    "holder_title": ("Lagerportal: {holder}", "Holder portal: {holder}"),
    "report_form": ("Rapporter en lagertelling", "Report a stock count"),
    "report_csv": ("Eller last opp en lagerrapport (CSV)", "Or upload a stock report (CSV)"),
    "csv_hint": (
        "Kolonnene i stock.csv: date, product_id, tier, packs, kind, source.",
        "The columns of stock.csv: date, product_id, tier, packs, kind, source.",
    ),
    "report_file": ("Lagerrapport (CSV)", "Stock report (CSV)"),
    "date": ("Dato", "Date"),
    "product": ("Pakning", "Pack"),
    "tier": ("Ledd", "Tier"),
    "packs": ("Pakninger", "Packs"),
    "entry_kind": ("Type føring", "Entry kind"),
    "count": ("telling", "count"),
    "movement": ("bevegelse", "movement"),
    "source": ("Kilde", "Source"),
    "send": ("Send", "Send"),
    "reported": ("Rapporten er lagret: {n} føringer.", "The report is saved: {n} entries."),
    "replayed": (
        "Denne rapporten var allerede lagret; ingenting nytt er skrevet.",
        "This report was saved already; nothing new was written.",
    ),
    "rejected": (
        "Rapporten ble avvist; ingenting er lagret.",
        "The report was rejected; nothing was saved.",
    ),
    "line": ("Linje", "Line"),
    "field": ("Felt", "Field"),
    "reason": ("Årsak", "Reason"),
    "history": ("Egne lagerposisjoner", "Own stock positions"),
    "reports": ("Egne rapporter", "Own reports"),
    "when": ("Når", "When"),
    "entries": ("Føringer", "Entries"),
    "choose_holder": ("Velg lagerholder", "Choose a holder"),
    # industry
    "industry_title": ("Helseindustrien", "The health industry"),
    "measures_now": (
        "Beregnet fra dataene nå. Statens unngåtte tap per krone avtaleavgift (målet for "
        "risikoavlastning) og investeringsregnestykket kommer med den nasjonale analysen.",
        "Computed from the data now. The state's loss avoided per unit of agreement fee (the "
        "target of risk relief) and the investment case come with the national analysis.",
    ),
}


#: Column key → (bokmål, English) header, for the pages' tables of records (the report's own
#: columns are in :data:`beredt.views.i18n.COLUMNS`).
WEB_COLUMNS: dict[str, tuple[str, str]] = {
    "shortage_prob": ("Sannsynlighet for mangel", "Probability of a shortage"),
    "stockout_prob": ("Sannsynlighet for tomt lager", "Probability of a stock-out"),
    "holder": ("Lagerholder", "Holder"),
    "tier": ("Ledd", "Tier"),
    "date": ("Dato", "Date"),
    "kind": ("Type", "Kind"),
    "title": ("Tittel", "Title"),
    "agreement_id": ("Avtale", "Agreement"),
    "company_id": ("Firma", "Company"),
    "valid_from": ("Gyldig fra", "Valid from"),
    "valid_until": ("Gyldig til", "Valid until"),
    "capacity_ddd_per_day": ("Kapasitet DDD/dag", "Capacity DDD/day"),
    "unit_cost_per_ddd": ("Kostnad per DDD", "Cost per DDD"),
    "qualified": ("Kvalifisert", "Qualified"),
    "dosage_forms": ("Legemiddelformer", "Dosage forms"),
    "ramp_days": ("Opptrapping dager", "Ramp-up days"),
    "eta": ("Tidligst levert", "ETA"),
    "confirm_by": ("Svarfrist", "Answer by"),
    "activated_on": ("Aktivert", "Activated"),
    "days_overdue": ("Dager på overtid", "Days overdue"),
    "confirmed_ddd_per_day": ("Bekreftet DDD/dag", "Confirmed DDD/day"),
    "confirmed_start_date": ("Bekreftet start", "Confirmed start"),
    "decline_reason": ("Begrunnelse for avslag", "Why declined"),
    "expected_first_output": ("Forventet første leveranse", "Expected first output"),
    "activation_id": ("Aktivering", "Activation"),
    "api_on_hand_ddd": ("Virkestoff på lager (DDD)", "API on hand (DDD)"),
    "api_source_country": ("Virkestoff fra", "API from"),
    "stage": ("Trinn", "Stage"),
    "market_share": ("Markedsandel", "Market share"),
    "overdue": ("På overtid", "Overdue"),
    "end_date": ("Slutt", "End"),
    "days_left": ("Dager med lager igjen", "Days of supply left"),
    "account": ("Konto", "Account"),
    "last_report_date": ("Siste rapport", "Last report"),
    "site": ("Produksjonssted", "Site"),
    "ma_holder_id": ("Innehaver av markedsføringstillatelse", "Marketing authorisation holder"),
    "price_per_pack": ("Pris per pakning", "Price per pack"),
    "ddd_per_pack": ("DDD per pakning", "DDD per pack"),
    "job_id": ("Jobb", "Job"),
    "created_at": ("Startet", "Started"),
    "created_by": ("Av", "By"),
    "progress": ("Framdrift", "Progress"),
    "recorded": ("Når", "When"),
    "entries": ("Føringer", "Entries"),
    "who": ("Hvem", "Who"),
    "line": ("Linje", "Line"),
    "field": ("Felt", "Field"),
    "reason": ("Årsak", "Reason"),
    "scenario_name": ("Scenario", "Scenario"),
    "first_stockout_day_mean": ("Første dag med tomt lager (snitt)", "First stock-out day (mean)"),
    "factor": ("Faktor", "Factor"),
    "contribution": ("Bidrag (poeng)", "Contribution (points)"),
}


#: Codes of the server's records (activations, jobs) → (bokmål, English); the analyses' codes
#: are in :data:`beredt.views.fmt.CODE_LABELS`.
WEB_CODES: dict[str, tuple[str, str]] = {
    "offer_request": ("forespørsel om tilbud", "offer request"),
    "requested": ("venter på svar", "awaiting an answer"),
    "confirmed": ("bekreftet", "confirmed"),
    "declined": ("avslått", "declined"),
    "queued": ("i kø", "queued"),
    "running": ("kjører", "running"),
    "succeeded": ("ferdig", "finished"),
    "failed": ("feilet", "failed"),
    "simulate": ("simulering", "simulation"),
    "run": ("nasjonal analyse", "national analysis"),
    "plan": ("plan", "plan"),
    "backtest": ("etterprøving", "back-test"),
    "calibrate": ("kalibrering", "calibration"),
}


def web_code(value: Any, lang: str) -> str:
    """A code as a page names it: the server's own codes first, then the analyses'."""
    from beredt.views.fmt import code_label

    pair = WEB_CODES.get(str(value))
    if pair is not None:
        return pair[0] if lang == "nb" else pair[1]
    return code_label(value, lang)


def web_column(key: str, kind: str = "text") -> Any:
    """A table column with the page's header for `key` (the report's own where it has one)."""
    from beredt.views.i18n import COLUMNS
    from beredt.views.model import Column

    pair = WEB_COLUMNS.get(key) if key not in COLUMNS else None
    return Column(key, kind, {"nb": pair[0], "en": pair[1]} if pair else None)


def web_text(key: str, lang: str, **values: Any) -> str:
    """The page text `key` in `lang`, with `values` filled in (numbers per language)."""
    nb, en = WEB[key]
    template = nb if lang == "nb" else en
    if not values:
        return template
    shown = {k: v.render(lang) if isinstance(v, Num) else v for k, v in values.items()}
    return template.format(**shown)
