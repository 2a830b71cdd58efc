"""Plain-language texts of a response plan in English (``en``) and Norwegian bokmål (``nb``).

Numbers, money and dates come from :mod:`beredt.views.fmt` (CLDR through Babel: en
1,234,567.8 and 1 Nov 2026; nb 1 234 567,8 and 1. nov. 2026).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from beredt.views.fmt import date_text as date
from beredt.views.fmt import locale_of, money, number, percent

if TYPE_CHECKING:
    from beredt.respond.duration import DurationModel
    from beredt.respond.planner import Action, ResponsePlan

LANGS = ("en", "nb")
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "vital": "vital",
        "essential": "essential",
        "other": "other",
        "manufacturing": "manufacturing problems",
        "quality": "a quality defect",
        "api_supply": "shortage of active ingredient",
        "demand_increase": "increased demand",
        "logistics": "logistics",
        "regulatory": "regulatory reasons",
        "commercial": "commercial reasons",
        "export_restriction": "an export restriction",
        "unknown": "unknown",
        "used": "used",
        "not_needed": "not needed",
        "too_late": "too late",
        "too_small": "too little, too late",
        "no_capacity": "nothing available",
        "unqualified": "line not qualified for the substance",
        "other_route": "other route of administration",
        "agreement_inactive": "agreement not valid on the as-of date",
        "declined": "declined by the producer",
        "confirmed": "confirmed by the producer",
        "no_stock": "no stock or extra supply",
        "clinical_review": "clinical review",
        "no_agreement": "no agreement: slower",
        "api_limited": "limited by API on hand",
        "api_limited_until_resupply": "API on hand until resupply",
        "global_cause": "global shortage: little to import",
        "other_products": "Other packs of the substance",
        "redistribution": "Redistribution of stock",
        "preparedness": "Preparedness stock",
        "agreement": "Domestic agreement",
        "domestic_unreserved": "Domestic production without agreement",
        "exemption_import": "Exemption import",
        "therapeutic_alternative": "Therapeutic alternative",
        "uncovered": "Uncovered",
        "demand": "Demand",
        "gap": "Gap (lost deliveries)",
    },
    "nb": {
        "vital": "livsviktig",
        "essential": "viktig",
        "other": "annen",
        "manufacturing": "produksjonsproblemer",
        "quality": "kvalitetsavvik",
        "api_supply": "mangel på virkestoff",
        "demand_increase": "økt etterspørsel",
        "logistics": "logistikk",
        "regulatory": "regulatoriske forhold",
        "commercial": "kommersielle forhold",
        "export_restriction": "eksportrestriksjoner",
        "unknown": "ukjent",
        "used": "brukes",
        "not_needed": "ikke nødvendig",
        "too_late": "for sent",
        "too_small": "for lite, for sent",
        "no_capacity": "ingenting tilgjengelig",
        "unqualified": "linjen er ikke kvalifisert for virkestoffet",
        "other_route": "annen administrasjonsvei",
        "agreement_inactive": "avtalen gjelder ikke på datoen",
        "declined": "avslått av produsenten",
        "confirmed": "bekreftet av produsenten",
        "no_stock": "verken lager eller ekstra leveranser",
        "clinical_review": "klinisk vurdering",
        "no_agreement": "uten avtale: tregere",
        "api_limited": "begrenset av virkestoff på lager",
        "api_limited_until_resupply": "virkestoff på lager til nye leveranser",
        "global_cause": "global mangel: lite å importere",
        "other_products": "Andre pakninger av virkestoffet",
        "redistribution": "Omfordeling av lager",
        "preparedness": "Beredskapslager",
        "agreement": "Beredskapsavtale",
        "domestic_unreserved": "Innenlandsk produksjon uten avtale",
        "exemption_import": "Import på godkjenningsfritak",
        "therapeutic_alternative": "Terapeutisk alternativ",
        "uncovered": "Udekket",
        "demand": "Behov",
        "gap": "Gap (bortfalte leveranser)",
    },
}


def _check(lang: str) -> str:
    locale_of(lang)  # ValueError for a language the views do not speak
    return lang


def word(key: str, lang: str) -> str:
    """The word for a code (kind, status, flag, cause, criticality) in `lang`."""
    return WORDS[_check(lang)].get(key, key)


_TIERS = {
    "en": {},
    "nb": {
        "producer": "produsent",
        "preparedness": "beredskapslager",
        "wholesale": "grossist",
        "hospital": "sykehus",
        "pharmacy": "apotek",
    },
}


def duration_text(model: DurationModel, lang: str) -> str:
    """How the duration distribution was built, in words."""
    nb = _check(lang) == "nb"
    sd = number(model.log_sd or 0.0, lang, 2)
    median = number(model.median_days or 0.0, lang)
    cause = word(model.cause or "unknown", lang)
    if model.basis in ("announced", "announced_calibrated"):
        spread = (
            (
                f"spredning fra {model.n_history} avsluttede varsler"
                if nb
                else f"spread from {model.n_history} resolved notices"
            )
            if model.basis == "announced_calibrated"
            else ("standard spredning" if nb else "default spread")
        )
        if model.kind == "fixed":
            return f"fast, {median} dager" if nb else f"fixed, {median} days"
        return (
            f"lognormal rundt varslet varighet {model.announced_days} dager (median {median}, "
            f"log-sd {sd}; {spread})"
            if nb
            else f"lognormal around the announced {model.announced_days} days (median {median}, "
            f"log-sd {sd}; {spread})"
        )
    if model.basis == "same_cause":
        return (
            f"empirisk: {len(model.values)} avsluttede varsler med årsak {cause}"
            if nb
            else f"empirical: {len(model.values)} resolved notices with cause {cause}"
        )
    if model.basis == "all_causes":
        return (
            f"empirisk: {len(model.values)} avsluttede varsler, alle årsaker (for få med årsak {cause})"
            if nb
            else f"empirical: {len(model.values)} resolved notices of all causes (too few with cause {cause})"
        )
    return (
        f"lognormal med median {median} dager, log-sd {sd} (for få avsluttede varsler i dataene)"
        if nb
        else f"lognormal with median {median} days, log-sd {sd} (too few resolved notices in the data)"
    )


def action_source(action: Action, lang: str) -> str:
    """Where the action's supply comes from, in words (holders, lead times, capacities)."""
    nb = _check(lang) == "nb"
    d: dict[str, Any] = action.detail
    if "holders" in d:
        packs = "pakninger" if nb else "packs"
        return "; ".join(
            f"{h['holder']} ({_TIERS[lang].get(h['tier'], h['tier'])}) {number(h['packs'], lang)} {packs}"
            for h in d["holders"]
        )
    rate = number(action.capacity_ddd_per_day or 0.0, lang)
    if action.kind.value == "other_products":
        return (
            f"{d.get('company_id')}: opptil {rate} DDD/dag etter {d.get('lead_time_days')} dager"
            if nb
            else f"{d.get('company_id')}: up to {rate} DDD/day after {d.get('lead_time_days')} days"
        )
    if action.kind.value in ("agreement", "domestic_unreserved"):
        api = d.get("api_on_hand_ddd")
        api_text = (
            ""
            if api is None
            else (
                f", virkestoff på lager {number(api, lang)} DDD"
                if nb
                else f", API on hand {number(api, lang)} DDD"
            )
        )
        offers = d.get("offers") or []
        offer_text = (
            ""
            if not offers
            else (
                f", tilbud {', '.join(offers)} ikke signert"
                if nb
                else f", offer {', '.join(offers)} not signed"
            )
        )
        return (
            f"{rate} DDD/dag, responstid {d.get('response_days')} dager, opptrapping "
            f"{d.get('ramp_days')} dager{api_text}{offer_text}"
            if nb
            else f"{rate} DDD/day, response {d.get('response_days')} days, ramp-up "
            f"{d.get('ramp_days')} days{api_text}{offer_text}"
        )
    if action.kind.value == "exemption_import":
        return (
            f"opptil {rate} DDD/dag etter {d.get('lead_time_days')} dager"
            if nb
            else f"up to {rate} DDD/day after {d.get('lead_time_days')} days"
        )
    stock = number(action.stock_ddd or 0.0, lang)
    reserve = number(action.floor_ddd or 0.0, lang)
    return (
        f"lager {stock} DDD, {reserve} DDD holdes tilbake; høyst en andel av gapet per dag"
        if nb
        else f"stock {stock} DDD, {reserve} DDD kept back; at most a share of the gap a day"
    )


def action_title(action: Action, lang: str) -> str:
    """A short name of the action, with its product, line or agreement."""
    d: dict[str, Any] = action.detail
    name = d.get("name", "")
    kind = action.kind.value
    if lang == "nb":
        titles = {
            "other_products": (
                f"Ekstra leveranser av {name} ({action.product_id})"
                if action.action_id.endswith(":spare")
                else f"Lager av {name} ({action.product_id})"
            ),
            "redistribution": f"Omfordel lageret av {name} ({action.product_id})",
            "preparedness": f"Frigi beredskapslager av {name} ({action.product_id})",
            "agreement": f"Aktiver avtale {action.agreement_id}: {name} ({d.get('company_id')})",
            "domestic_unreserved": f"Produksjon uten avtale: {name} ({d.get('company_id')})",
            "exemption_import": "Import på godkjenningsfritak",
            "therapeutic_alternative": f"Bytt til {name} ({action.atc_code})",
        }
    else:
        titles = {
            "other_products": (
                f"Extra supply of {name} ({action.product_id})"
                if action.action_id.endswith(":spare")
                else f"Stock of {name} ({action.product_id})"
            ),
            "redistribution": f"Redistribute the stock of {name} ({action.product_id})",
            "preparedness": f"Release preparedness stock of {name} ({action.product_id})",
            "agreement": f"Activate agreement {action.agreement_id}: {name} ({d.get('company_id')})",
            "domestic_unreserved": f"Production without agreement: {name} ({d.get('company_id')})",
            "exemption_import": "Exemption import",
            "therapeutic_alternative": f"Switch to {name} ({action.atc_code})",
        }
    return titles[kind]


def _period(action: Action, lang: str) -> str:
    a, b = date(action.start_date, lang), date(action.end_date, lang)
    return a if a == b else f"{a} – {b}"


def action_line(plan: ResponsePlan, action: Action, lang: str) -> str:
    """One line of the plan: what, how much, when, and what it costs."""
    qty = number(action.quantity_ddd, lang)
    packs = (
        f", {number(math.ceil(action.packs - 1e-9), lang)} "
        f"{'pakninger' if lang == 'nb' else 'packs'}"
        if action.packs
        else ""
    )
    period = _period(action, lang)
    extra = ""
    if action.extra_cost > 0.5:
        extra = (
            f"; merkostnad {money(action.extra_cost, plan.currency, lang)}"
            if lang == "nb"
            else f"; extra cost {money(action.extra_cost, plan.currency, lang)}"
        )
    trigger = ""
    if action.trigger_date is not None:
        trigger = (
            f"; bestill/aktiver {date(action.trigger_date, lang)}, første leveranse "
            f"{date(action.eta_date, lang)}"
            if lang == "nb"
            else f"; order/activate {date(action.trigger_date, lang)}, first delivery "
            f"{date(action.eta_date, lang)}"
        )
    floor = ""
    if action.floor_ddd and action.stock_ddd is not None and action.kind.value == "preparedness":
        floor = (
            f"; {number(action.stock_ddd - action.quantity_ddd, lang)} DDD blir igjen (gulv "
            f"{number(action.floor_ddd, lang)})"
            if lang == "nb"
            else f"; {number(action.stock_ddd - action.quantity_ddd, lang)} DDD stay "
            f"(floor {number(action.floor_ddd, lang)})"
        )
    flags = [word(f, lang) for f in action.flags]
    flag_text = f" [{', '.join(flags)}]" if flags else ""
    return f"{action_title(action, lang)}: {qty} DDD{packs}, {period}{trigger}{floor}{extra}{flag_text}"


def summary(plan: ResponsePlan, lang: str = "en") -> str:
    """The plan in a few paragraphs of plain language."""
    _check(lang)
    nb = lang == "nb"
    sub = plan.substance
    n = plan.notice
    paras: list[str] = []

    scope = ", ".join(plan.scope_product_ids) or ("ingen registrert" if nb else "none listed")
    if n.product_id:
        product = n.product_id
        what = f"pakningen {product} er utilgjengelig" if nb else f"pack {product} is unavailable"
    else:
        what = "alle pakninger er utilgjengelige" if nb else "all packs are unavailable"
    since = ("siden" if nb else "since") if n.start_date < plan.as_of else ("fra" if nb else "from")
    head = f"{sub.name} ({sub.atc_code}, {word(sub.criticality, lang)}): {what} {since} {date(n.start_date, lang)}"
    if n.expected_end_date:
        head += (
            f", ventet til {date(n.expected_end_date, lang)}"
            if nb
            else f", expected until {date(n.expected_end_date, lang)}"
        )
    ref = n.notice_id or ("manuelt beskrevet" if nb else "described by hand")
    cause = word(n.cause, lang)
    head += f" ({ref}; {'årsak' if nb else 'cause'}: {cause})."
    paras.append(head)

    per_day = plan.gap_ddd / plan.horizon_days
    if nb:
        paras.append(
            f"Gap {date(plan.start_date, lang)} – {date(plan.end_date, lang)} "
            f"({plan.horizon_days} {'dag' if plan.horizon_days == 1 else 'dager'}): "
            f"{number(plan.gap_ddd, lang)} DDD (≈ pasientdøgn), "
            f"{number(per_day, lang)} DDD per dag, {percent(plan.lost_share, lang)} av behovet "
            f"i landet (berørte pakninger: {scope})."
        )
    else:
        paras.append(
            f"Gap {date(plan.start_date, lang)} – {date(plan.end_date, lang)} "
            f"({plan.horizon_days} {'day' if plan.horizon_days == 1 else 'days'}): "
            f"{number(plan.gap_ddd, lang)} DDD (≈ patient-days), "
            f"{number(per_day, lang)} DDD a day, {percent(plan.lost_share, lang)} of national "
            f"demand (packs affected: {scope})."
        )

    used = plan.used_actions
    if used:
        lines = [f"{i}. {action_line(plan, a, lang)}" for i, a in enumerate(used, start=1)]
        paras.append(
            ("Tiltak i prioritert rekkefølge:" if nb else "Actions in priority order:")
            + "\n"
            + "\n".join(lines)
        )
    else:
        paras.append("Ingen tiltak trengs." if nb else "No action is needed.")

    skipped = [
        a
        for a in plan.actions
        if not a.kind.always_available and a.status.value in ("too_late", "too_small")
    ]
    if skipped or plan.exclusions:
        items = [
            f"{action_title(a, lang)} ({word(a.status.value, lang)}: "
            f"{'første leveranse' if nb else 'first delivery'} {date(a.eta_date, lang)})"
            for a in skipped
        ]
        items += [f"{e.what} ({word(e.reason, lang)})" for e in plan.exclusions]
        paras.append(("Kan ikke brukes: " if nb else "Cannot help: ") + "; ".join(items) + ".")

    if plan.uncovered_ddd <= 0 or plan.rationing is None:
        paras.append(
            "Resultat: gapet dekkes helt i planperioden."
            if nb
            else "Result: the gap is covered in full over the plan."
        )
    else:
        r = plan.rationing
        if nb:
            paras.append(
                f"Resultat: {number(r.uncovered_ddd, lang)} DDD (≈ pasientdøgn uten behandling) "
                f"dekkes ikke, {r.uncovered_days} dager mellom {date(r.first_uncovered_date, lang)} "
                f"og {date(r.last_uncovered_date, lang)}. Forslag: begrens utlevering til "
                f"{r.weeks_per_patient} ukers forbruk per pasient og prioriter pasienter uten "
                f"alternativ; utleveringen må ned {percent(r.cut_share_from_start, lang)} om "
                f"rasjoneringen starter nå, {percent(r.cut_share_from_first_uncovered, lang)} om "
                f"den venter til {date(r.first_uncovered_date, lang)}."
            )
        else:
            paras.append(
                f"Result: {number(r.uncovered_ddd, lang)} DDD (≈ patient-days without "
                f"treatment) stay uncovered, {r.uncovered_days} days between "
                f"{date(r.first_uncovered_date, lang)} and {date(r.last_uncovered_date, lang)}. "
                f"Suggestion: cap dispensing at {r.weeks_per_patient} weeks per patient and "
                f"give priority to patients without an alternative; dispensing must fall by "
                f"{percent(r.cut_share_from_start, lang)} if rationing starts now, "
                f"{percent(r.cut_share_from_first_uncovered, lang)} if it waits until "
                f"{date(r.first_uncovered_date, lang)}."
            )

    u = plan.uncertainty
    closed_p90 = (
        date(u.closing_date_p90, lang)
        if u.closing_date_p90
        else ("etter planhorisonten" if nb else "beyond the horizon")
    )
    if nb:
        paras.append(
            f"Usikkerhet ({number(u.n_samples, lang)} trekk av varigheten; "
            f"{duration_text(u.distribution, lang)}): "
            f"mangelen varer trolig til {date(u.end_date_p50, lang)} (90 % innen "
            f"{date(u.end_date_p90, lang)}). Med denne planen er sannsynligheten "
            f"{percent(1 - u.p_uncovered, lang)} for at ingen pasient står uten behandling; i 9 "
            f"av 10 tilfeller er gapet lukket innen {closed_p90}. Forventet udekket: "
            f"{number(u.uncovered_ddd_mean, lang)} DDD."
        )
    else:
        paras.append(
            f"Uncertainty ({number(u.n_samples, lang)} draws of the duration; "
            f"{duration_text(u.distribution, lang)}): the "
            f"shortage most likely lasts until {date(u.end_date_p50, lang)} (90% by "
            f"{date(u.end_date_p90, lang)}). With this plan the probability that no patient goes "
            f"without treatment is {percent(1 - u.p_uncovered, lang)}; in 9 cases out of 10 the "
            f"gap is closed by {closed_p90}. Expected uncovered: "
            f"{number(u.uncovered_ddd_mean, lang)} DDD."
        )
    if u.p_uncovered > 0.2 and plan.params.planning_quantile is None:
        paras.append(
            f"Planen er dimensjonert til {date(plan.end_date, lang)}; for å være 90 % sikker, "
            f"planlegg til {date(u.end_date_p90, lang)} (--until)."
            if nb
            else f"The plan is sized to {date(plan.end_date, lang)}; to be 90% sure, plan to "
            f"{date(u.end_date_p90, lang)} (--until)."
        )

    above = plan.extra_cost >= 0
    extra = money(abs(plan.extra_cost), plan.currency, lang)
    if nb:
        paras.append(
            f"Kostnad: {money(plan.cost, plan.currency, lang)}, {extra} "
            f"{'over' if above else 'under'} normal pris for de samme døgndosene."
        )
    else:
        paras.append(
            f"Cost: {money(plan.cost, plan.currency, lang)}, {extra} "
            f"{'above' if above else 'below'} the normal price of the same doses."
        )
    return "\n\n".join(paras)
