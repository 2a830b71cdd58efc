"""Numbers, money, percentages and dates in bokmål and English: one formatter for every view.

The locale data are CLDR's, through Babel (``nb_NO`` and ``en_GB``): bokmål groups thousands
with a no-break space, writes a decimal comma and a real minus sign (``−1 234 567,8``, Språkrådet's
rules for numbers), English ``-1,234,567.8``. Money in running text is compact ("NOK1.2m",
"1,2 mill. kr"); in tables a whole number, the currency in the column's header.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from babel.dates import format_date
from babel.numbers import (
    format_compact_currency,
    format_compact_decimal,
    format_currency,
    format_decimal,
    get_minus_sign_symbol,
)

LANGS: tuple[str, ...] = ("nb", "en")
#: The CLDR locale of each language.
LOCALES: dict[str, str] = {"nb": "nb_NO", "en": "en_GB"}
#: No-break space: keeps "1 234" and "12 %" on one line in HTML and spreadsheets.
NBSP = "\u00a0"


def locale_of(lang: str) -> str:
    """The CLDR locale of `lang` (ValueError for a language the views do not speak)."""
    try:
        return LOCALES[lang]
    except KeyError:
        raise ValueError(f"language must be one of {', '.join(LANGS)}, got {lang!r}") from None


@cache
def _minus(lang: str) -> str:
    return get_minus_sign_symbol(locale_of(lang))


def _signed(text: str, lang: str) -> str:
    # Babel writes the pattern's hyphen; the locale's minus sign is CLDR's (U+2212 in bokmål).
    if text.startswith("-") and not text.strip("-0.,\u00a0 "):
        return text[1:]  # "-0" from a rounding residue such as -6e-12
    return text.replace("-", _minus(lang), 1) if text.startswith("-") else text


#: Kinds of value a table column or key figure holds; they decide format and spreadsheet style.
KINDS: tuple[str, ...] = (
    "text",
    "code",
    "i18n",
    "int",
    "float",
    "float1",
    "float2",
    "float3",
    "money",
    "pct",
    "days",
    "ddd",
    "bool",
    "date",
    "score",
    "year",
)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:  # pragma: no cover - defensive
        return False


def group_digits(value: float, decimals: int, lang: str) -> str:
    """`value` with `decimals` decimals and thousands grouped the way `lang` writes numbers."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return _signed(format_decimal(value, format=pattern, locale=locale_of(lang)), lang)


def number(value: float, lang: str, decimals: int = 0) -> str:
    """A number in running text (alias of :func:`group_digits` with whole numbers by default)."""
    return group_digits(value, decimals, lang)


def percent(share: float, lang: str, decimals: int | None = None) -> str:
    """A share as a percentage: whole percent from 1 %, one decimal below ("12 %", "12%")."""
    pct = 100.0 * share
    if decimals is None:
        decimals = 0 if abs(pct) >= 1 or pct == 0 else 1
    sign = NBSP if lang == "nb" else ""
    return f"{group_digits(pct, decimals, lang)}{sign}%"


def money(value: float, currency: str, lang: str) -> str:
    """A whole amount of money with its currency ("115 500 kr", "NOK 115,500")."""
    pattern = "#,##0\u00a0¤" if lang == "nb" else "¤\u00a0#,##0"
    text = format_currency(
        value, currency, format=pattern, locale=locale_of(lang), currency_digits=False
    )
    return _signed(text, lang)


def date_text(value: dt.date | None, lang: str) -> str:
    """A date in running text ("1. des. 2026", "1 Dec 2026")."""
    if value is None:
        return "–"
    return str(format_date(value, format="medium", locale=locale_of(lang)))


def _infinite(value: float, lang: str) -> str:
    return "∞" if value > 0 else "−∞"


def round_sig(value: float, digits: int = 2) -> float:
    """`value` to `digits` significant digits (interval ends and other estimates shown
    without false precision); 0 and non-finite values stay as they are."""
    if value is None or not math.isfinite(value) or value == 0:
        return value
    return float(f"{value:.{digits - 1}e}")


def round_to_uncertainty(value: float, se: float) -> float:
    """`value` rounded to the order of magnitude of its standard error (one significant digit
    of the SE): a figure shown no more precisely than the simulation supports."""
    if value is None or not math.isfinite(value):
        return value
    if se is None or not math.isfinite(se) or se <= 0:
        return float(value)
    step = 10.0 ** math.floor(math.log10(se))
    return float(round(value / step) * step)


#: Codes that appear in tables (criticality, causes, statuses, action kinds, laws, sources…)
#: and how each language names them. A code not listed is shown as it is.
CODE_LABELS: dict[str, tuple[str, str]] = {
    # criticality
    "vital": ("vital", "vital"),
    "essential": ("viktig", "essential"),
    "other": ("annet", "other"),
    # shortage status
    "announced": ("varslet", "announced"),
    "ongoing": ("pågår", "ongoing"),
    "resolved": ("løst", "resolved"),
    "cancelled": ("trukket", "cancelled"),
    # causes
    "manufacturing": ("produksjonsproblemer", "manufacturing"),
    "quality": ("kvalitetsavvik", "quality"),
    "api_supply": ("mangel på virkestoff (API)", "API supply"),
    "demand_increase": ("økt etterspørsel", "demand increase"),
    "logistics": ("logistikk", "logistics"),
    "regulatory": ("regulatorisk", "regulatory"),
    "commercial": ("kommersiell", "commercial"),
    "export_restriction": ("eksportrestriksjon", "export restriction"),
    "unknown": ("ukjent", "unknown"),
    # response actions and their statuses
    "other_products": ("andre pakninger", "other packs"),
    "redistribution": ("omfordeling av lager", "redistribution of stock"),
    "preparedness": ("beredskapslager", "preparedness stock"),
    "agreement": ("innenlandsk avtale", "domestic agreement"),
    "domestic_unreserved": ("innenlandsk uten avtale", "domestic, no agreement"),
    "exemption_import": ("import på godkjenningsfritak", "exemption import"),
    "therapeutic_alternative": ("terapeutisk alternativ", "therapeutic alternative"),
    "used": ("brukt", "used"),
    "not_needed": ("ikke nødvendig", "not needed"),
    "too_late": ("for sent", "too late"),
    "no_capacity": ("ingen kapasitet", "no capacity"),
    "excluded": ("utelatt", "excluded"),
    # offer kinds, duration laws, outage sources, tiers, stages, flows
    "offer": ("tilbud", "offer"),
    "geometric": ("geometrisk", "geometric"),
    "lognormal": ("lognormal", "lognormal"),
    "all": ("alle", "all"),
    "pack": ("pakning", "pack"),
    "substance": ("virkestoff", "substance"),
    "site": ("produksjonssted", "site"),
    "country": ("land", "country"),
    "producer": ("produsent", "producer"),
    "wholesale": ("grossist", "wholesale"),
    "hospital": ("sykehus", "hospital"),
    "pharmacy": ("apotek", "pharmacy"),
    "api": ("virkestoff (API)", "API"),
    "fdf": ("ferdigvare", "finished dose"),
    "import": ("import", "import"),
    "export": ("eksport", "export"),
    "loss": ("forventet tap", "expected loss"),
    "vital-days": ("vitale mangeldager", "vital shortage-days"),
    "loss-capped": ("tap med tak på vital risiko", "loss with a cap on vital risk"),
    # actions of the shortlist
    "cut": ("kutt", "cut"),
    "add": ("styrking", "strengthen"),
    # parameter values
    "calibrated": ("tilpasset mangelregisteret", "calibrated to the shortage record"),
    "data": ("fra datasettet", "from the dataset"),
    "decomposed": ("per virkestoff", "substance by substance"),
    "joint": ("samlet", "joint"),
    # plans compared
    "today": ("i dag", "today"),
    "recommended": ("anbefalt", "recommended"),
    "today, headline simulation": ("i dag, hovedsimuleringen", "today, headline simulation"),
    "recommended, headline simulation": (
        "anbefalt, hovedsimuleringen",
        "recommended, headline simulation",
    ),
}


def code_label(value: Any, lang: str) -> str:
    """A code as the language names it (the code itself where no name is declared)."""
    pair = CODE_LABELS.get(str(value))
    if pair is None:
        return str(value)
    return pair[0] if lang == "nb" else pair[1]


def format_value(value: Any, kind: str, lang: str, currency: str = "NOK") -> str:
    """A cell or key-figure value as text in `lang` (``–`` for a missing value)."""
    if _is_missing(value):
        return "–"
    if kind == "code":
        return code_label(value, lang)
    if kind == "i18n":
        return str(value.get(lang, value.get("en", ""))) if isinstance(value, dict) else str(value)
    if kind == "text" or kind == "date":
        return str(value)
    if kind == "bool":
        yes, no = ("ja", "nei") if lang == "nb" else ("yes", "no")
        return yes if value else no
    number = float(value)
    if math.isinf(number):
        return _infinite(number, lang)
    if kind == "year":
        return str(round(number))
    if kind == "pct":
        return percent(number, lang, 1 if abs(number) < 0.1 else 0)
    if kind in ("int", "ddd", "money"):
        return group_digits(round(number), 0, lang)
    if kind == "days":
        return group_digits(number, 0 if abs(number) >= 10 else 1, lang)
    if kind == "score":
        return group_digits(number, 1, lang)
    if kind in ("float1", "float2", "float3"):
        return group_digits(number, int(kind[-1]), lang)
    # "float": as many decimals as make three significant digits, at most 3.
    magnitude = abs(number)
    decimals = 0 if magnitude >= 100 or magnitude == 0 else (1 if magnitude >= 10 else 2)
    if 0 < magnitude < 1:
        decimals = 3
    return group_digits(number, decimals, lang)


def format_money(value: Any, lang: str, currency: str) -> str:
    """A money amount for running text, compact: "NOK12.3m" / "12,3 mill. kr"."""
    if _is_missing(value):
        return "–"
    amount = float(value)
    if math.isinf(amount):
        return _infinite(amount, lang)
    if abs(amount) < 1e3:
        return money(amount, currency, lang)
    digits = 1 if abs(amount) < 1e11 else 0
    text = format_compact_currency(amount, currency, locale=locale_of(lang), fraction_digits=digits)
    return _signed(text, lang)


def format_compact(value: Any, lang: str) -> str:
    """A large count for running text: "1.2m" / "1,2 mill." (patient-days, DDD); whole
    numbers below a million."""
    if _is_missing(value):
        return "–"
    number = float(value)
    if math.isinf(number):
        return _infinite(number, lang)
    if abs(number) < 1e6:
        return group_digits(number, 0, lang)
    text = format_compact_decimal(number, locale=locale_of(lang), fraction_digits=2)
    return _signed(text, lang)


@dataclass(frozen=True)
class Num:
    """A number to be placed in a translated sentence, formatted per language by its kind.

    Kinds: those of :func:`format_value`, plus ``money_compact`` and ``compact``.
    """

    value: Any
    kind: str = "float"
    currency: str = "NOK"

    def render(self, lang: str) -> str:
        """The number as text in `lang`."""
        if self.kind == "money_compact":
            return format_money(self.value, lang, self.currency)
        if self.kind == "compact":
            return format_compact(self.value, lang)
        if self.kind == "compact2":
            return format_compact(round_sig(self.value, 2), lang)
        return format_value(self.value, self.kind, lang, self.currency)
