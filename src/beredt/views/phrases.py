"""Bokmål for the short English phrases the analytics write into their results.

The analytic packages (risk, plan, calibrate, industry) describe what they found in short English
phrases — a risk driver ("92 % of demand depends on API from India"), a note on a plan ("today's
plan breaks the cover rules for …") — kept in English in their JSON outputs, which scripts
read. The views show them in the reader's language: this module holds one pattern per phrase
and its bokmål wording. A phrase with no pattern is shown as written; the bokmål report test
fails on any English sentence left, so a new phrase in the analytics cannot slip through
untranslated. Country names come from the CLDR data through Babel.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from babel import Locale

Text = Mapping[str, str]

#: Words that appear inside phrases (stage names, criticality classes, units).
_WORDS: dict[str, str] = {
    "API": "virkestoff (API)",
    "finished doses": "ferdigvare",
}

#: Risk factors by their label (beredt.risk.weights), lower case.
_FACTORS = {
    "criticality": "kritikalitet",
    "suppliers": "leverandører",
    "market concentration": "markedskonsentrasjon",
    "api country concentration": "landkonsentrasjon for virkestoff (API)",
    "finished-dose country concentration": "landkonsentrasjon for ferdigvare",
    "export-restriction exposure": "eksponering for eksportstans",
    "stock cover": "lagerdekning",
    "domestic coverage": "innenlandsk dekning",
    "shortage notices": "mangelmeldinger",
    "shortage days": "mangeldager",
    "other packs": "andre pakninger",
    "therapeutic alternatives": "terapeutiske alternativer",
}

_MEDICINE = {
    "vital": "vitalt legemiddel",
    "essential": "viktig legemiddel",
    "other": "annet legemiddel",
}


@cache
def _country_names() -> dict[str, str]:
    """English country name → bokmål (CLDR territory names), plus the common short forms."""
    en, nb = Locale("en").territories, Locale("nb").territories
    names = {str(en[code]): str(nb[code]) for code in en if code in nb}
    names.update({"United States": str(nb["US"]), "Czech Republic": str(nb["CZ"])})
    return names


def country_nb(name: str) -> str:
    """A country's name in bokmål (the name itself when CLDR does not know it)."""
    return _country_names().get(name, name)


def _nb_number(text: str) -> str:
    """English digits to bokmål: 1,856 → 1 856; 0.25 → 0,25 (a no-break space groups)."""
    return re.sub(
        r"\d[\d,]*(?:\.\d+)?",
        lambda m: m.group(0).replace(",", "\u00a0").replace(".", ","),
        text,
    )


def _plural(n: str, one: str, many: str) -> str:
    return one if n.strip() == "1" else many


_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _rule(pattern: str, make: Callable[[re.Match[str]], str]) -> _Rule:
    return re.compile(f"^{pattern}$"), make


_RULES: list[_Rule] = [
    # risk drivers (beredt.risk.factors)
    _rule(r"(vital|essential|other) medicine", lambda m: _MEDICINE[m[1]]),
    _rule(r"no pack on the market", lambda m: "ingen pakning på markedet"),
    _rule(r"one supplier \((.+)\)", lambda m: f"én leverandør ({m[1]})"),
    _rule(r"(\d+) suppliers", lambda m: f"{m[1]} leverandører"),
    _rule(r"HHI ([\d,]+)", lambda m: f"HHI {_nb_number(m[1])}"),
    _rule(r"largest supplier (.+) (\d+ %)", lambda m: f"største leverandør {m[1]} {m[2]}"),
    _rule(r"no (API|finished doses) site known", lambda m: f"ingen kjent {_WORDS[m[1]]}-fabrikk"),
    _rule(
        r"(\d+ %) of demand depends on (API|finished doses) from (.+)",
        lambda m: f"{m[1]} av behovet avhenger av {_WORDS[m[2]]} fra {country_nb(m[3])}",
    ),
    _rule(
        r"every pack has (API|finished doses) sites in two or more countries",
        lambda m: f"alle pakninger har {_WORDS[m[1]]}-fabrikker i to eller flere land",
    ),
    _rule(r"no manufacturing site known", lambda m: "ingen kjent produksjonsfabrikk"),
    _rule(
        r"no export-restriction hazard where it is made \((.+), (API|finished doses)\)",
        lambda m: (
            f"ingen risiko for eksportstans der det lages ({country_nb(m[1])}, {_WORDS[m[2]]})"
        ),
    ),
    _rule(
        r"export restrictions in (.+) \(([\d.]+)/yr, (\d+) d\) would cut (\d+ %) of demand "
        r"\((API|finished doses)\)",
        lambda m: (
            f"eksportstans i {country_nb(m[1])} ({_nb_number(m[2])}/år, {m[3]} d) ville "
            f"kutte {m[4]} av behovet ({_WORDS[m[5]]})"
        ),
    ),
    _rule(r"no stock figures in the dataset", lambda m: "ingen lagertall i datasettet"),
    _rule(r"demand unknown", lambda m: "ukjent behov"),
    _rule(r"no consumption", lambda m: "intet forbruk"),
    _rule(r"no stock on hand", lambda m: "intet lager"),
    _rule(r"(\d+) days of stock", lambda m: f"{m[1]} dagers lager"),
    _rule(
        r"no domestic surge capacity or agreement",
        lambda m: "ingen innenlandsk ekstrakapasitet eller avtale",
    ),
    _rule(r"domestic capacity", lambda m: "innenlandsk kapasitet"),
    _rule(
        r"agreements reserve (\d+ %) of demand", lambda m: f"avtaler reserverer {m[1]} av behovet"
    ),
    _rule(r"qualified capacity (\d+ %)", lambda m: f"kvalifisert kapasitet {m[1]}"),
    _rule(
        r"qualified domestic capacity (\d+ %) of demand, no agreement",
        lambda m: f"kvalifisert innenlandsk kapasitet {m[1]} av behovet, ingen avtale",
    ),
    _rule(
        r"no shortage notice in ([\d.]+) years",
        lambda m: f"ingen mangelmelding på {_nb_number(m[1])} år",
    ),
    _rule(
        r"(\d+) shortage notices? in ([\d.]+) years(?:, (\d+) open)?",
        lambda m: (
            f"{m[1]} {_plural(m[1], 'mangelmelding', 'mangelmeldinger')} på "
            f"{_nb_number(m[2])} år" + (f", {m[3]} {_plural(m[3], 'åpen', 'åpne')}" if m[3] else "")
        ),
    ),
    _rule(
        r"(\d+) shortage days in ([\d.]+) years",
        lambda m: f"{m[1]} mangeldager på {_nb_number(m[2])} år",
    ),
    _rule(
        r"no shortage days in ([\d.]+) years",
        lambda m: f"ingen mangeldager på {_nb_number(m[1])} år",
    ),
    _rule(r"only one pack", lambda m: "bare én pakning"),
    _rule(
        r"(\d+) other packs?",
        lambda m: f"{m[1]} {_plural(m[1], 'annen pakning', 'andre pakninger')}",
    ),
    _rule(
        r"no alternative in ATC group (\S+)", lambda m: f"ingen alternativer i ATC-gruppe {m[1]}"
    ),
    _rule(
        r"(\d+) alternatives? in ATC group (\S+)",
        lambda m: f"{m[1]} {_plural(m[1], 'alternativ', 'alternativer')} i ATC-gruppe {m[2]}",
    ),
    _rule(
        r"(\d+ %) of demand without a listed pack",
        lambda m: f"{m[1]} av behovet uten oppført pakning",
    ),
    _rule(
        r"(" + "|".join(re.escape(f) for f in _FACTORS) + r") unknown \((.+)\)",
        lambda m: f"{_FACTORS[m[1]]} ukjent ({_phrase_nb(m[2])})",
    ),
    # options of the plan ("today (16.8 w + AG-1)", "8 w + OF-3")
    _rule(r"today \((.+)\)", lambda m: f"i dag ({_phrase_nb(m[1])})"),
    _rule(
        r"([\d.]+) w(?: \+ (.+))?",
        lambda m: f"{_nb_number(m[1])} uker" + (f" + {m[2]}" if m[2] else ""),
    ),
    # industry groups
    _rule(r"All substances in scope", lambda m: "Alle virkestoff i utvalget"),
    # notes on a plan (beredt.plan)
    _rule(
        r"today's plan breaks the cover rules for (.+)",
        lambda m: f"dagens plan bryter gulvene for {m[1]}",
    ),
    _rule(
        r"today's agreements load line (\S+) to ([\d.]+) \(> 1\)",
        lambda m: f"dagens avtaler belaster linje {m[1]} til {_nb_number(m[2])} (> 1)",
    ),
    _rule(
        r"no joint simulator wired: the plan was not re-evaluated jointly",
        lambda m: "ingen samlet simulering koblet til: planen ble ikke vurdert samlet",
    ),
    _rule(
        r"P\(any vital shortage\) assumes substances fail independently \(no per-scenario "
        r"indicators from the simulator\)(; common causes make the true figure lower)?",
        lambda m: (
            "P(mangel på vitalt legemiddel) antar at virkestoffene svikter uavhengig av "
            "hverandre (simulatoren ga ingen indikatorer per framtid)"
            + ("; felles årsaker gjør det sanne tallet lavere" if m[1] else "")
        ),
    ),
    _rule(
        r"common causes make the true figure lower",
        lambda m: "felles årsaker gjør det sanne tallet lavere",
    ),
    _rule(
        r"no plan fits the budget and line capacities \((.+) relaxation\)",
        lambda m: (
            f"ingen plan passer innenfor budsjettet og linjekapasiteten (relaksering: {m[1]})"
        ),
    ),
    _rule(
        r"the policy cannot be met at a budget of (.+): relaxed (.+)",
        lambda m: (
            f"beredskapspolitikken kan ikke oppfylles ved et budsjett på "
            f"{_nb_number(m[1])}: lempet på {m[2]}"
        ),
    ),
    # industry and calibration notes
    _rule(
        r"the dataset has no trade figures: import them with `beredt import ssb FILE`",
        lambda m: "datasettet har ingen handelstall: importer dem med `beredt import ssb FIL`",
    ),
    _rule(
        r"trade or industry figures in this dataset are labelled illustrative: they are not "
        r"official statistics",
        lambda m: (
            "handels- eller industritallene i dette datasettet er merket illustrative: "
            "de er ikke offisiell statistikk"
        ),
    ),
    _rule(
        r"(\d+) has monthly figures for (\d+) months only: left out of growth",
        lambda m: f"{m[1]} har månedstall for bare {m[2]} måneder: holdt utenfor veksten",
    ),
    # the four measures and the investment case
    _rule(
        r"(\d+) trials have no start date and are counted in no year",
        lambda m: f"{m[1]} studier har ingen startdato og telles ikke i noe år",
    ),
    _rule(
        r"the dataset has no clinical trials: import them with `beredt import ctgov FILE` or "
        r"`beredt import ctis FILE`",
        lambda m: (
            "datasettet har ingen kliniske studier: importer dem med `beredt import ctgov FIL` "
            "eller `beredt import ctis FIL`"
        ),
    ),
    _rule(
        r"the dataset has no public procurement awards \(procurement\.csv\)",
        lambda m: "datasettet har ingen offentlige innkjøp (procurement.csv)",
    ),
    _rule(
        r"the loss avoided per unit of agreement fee needs the optimiser",
        lambda m: "unngått tap per krone avtalegebyr krever optimeringen",
    ),
    _rule(
        r"the trials, procurement and industry figures of this dataset are labelled "
        r"illustrative: they are not official statistics",
        lambda m: (
            "studiene, innkjøpene og industritallene i dette datasettet er merket "
            "illustrative: de er ikke offisiell statistikk"
        ),
    ),
    _rule(
        r"no stress scenario with a yearly probability: surge sales come from the background "
        r"hazards only",
        lambda m: (
            "ingen stress-scenarioer med sannsynlighet per år: beredskapsleveransene kommer "
            "bare fra bakgrunnsrisikoen"
        ),
    ),
    _rule(
        r"the market alone reaches the level: no fee is needed",
        lambda m: "markedet alene når sikkerhetsnivået: ingen avgift trengs",
    ),
    _rule(
        r"the record ends on (\S+): the window is cut to (\d+) days",
        lambda m: f"registeret slutter {m[1]}: vinduet er kortet ned til {m[2]} dager",
    ),
]


_SHARES_UNKNOWN = (" (shares unknown, assumed equal)", " (andeler ukjent, antatt like)")


def _phrase_nb(phrase: str) -> str:
    en_tail, nb_tail = _SHARES_UNKNOWN
    if phrase.endswith(en_tail):
        return _phrase_nb(phrase.removesuffix(en_tail)) + nb_tail
    for pattern, make in _RULES:
        match = pattern.match(phrase)
        if match is not None:
            return make(match)
    return phrase


def to_nb(text: str) -> str:
    """`text` (phrases joined by "; ") in bokmål, phrase by phrase; unknown phrases unchanged."""
    return "; ".join(_phrase_nb(part) for part in text.split("; "))


def both(text: str) -> Text:
    """An analytic phrase in both languages."""
    return {"nb": to_nb(text), "en": text}


def translated(text: str) -> bool:
    """Whether every phrase of `text` has a bokmål wording."""
    return all(_phrase_nb(p) != p for p in text.split("; "))


def calibration_provenance(calibration: Any) -> dict[str, str]:
    """Where the hazards come from, in both languages."""
    span = f"{calibration.since.isoformat()}..{calibration.until.isoformat()}"
    n = calibration.notices_used
    return {
        "nb": f"tilpasset {n} mangelmeldinger {span}",
        "en": f"calibrated from {n} notices {span}",
    }
