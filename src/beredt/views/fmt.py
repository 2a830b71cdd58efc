"""Number formatting for the report in bokmål and English.

Bokmål (Språkrådet's rules for numbers) groups thousands with a space and uses a decimal comma:
``1 234 567,8``; English uses ``1,234,567.8``. Money in running text is compact ("NOK 12.3 m",
"12,3 mill. NOK"); in tables it is a whole number in the bundle's currency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

LANGS: tuple[str, ...] = ("nb", "en")
#: No-break space: keeps "1 234" and "12 %" on one line in HTML and spreadsheets.
NBSP = "\u00a0"

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
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]  # "-0" from a rounding residue such as -6e-12
    if lang == "nb":
        # Swap separators through a placeholder: "," thousands → space, "." decimal → ",".
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", NBSP)
        text = text.replace("-", "\u2212")
    return text


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
        return group_digits(100.0 * number, 1 if abs(number) < 0.1 else 0, lang) + NBSP + "%"
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
    """A money amount for running text, compact: "NOK 12.3 m" / "12,3 mill. NOK"."""
    if _is_missing(value):
        return "–"
    amount = float(value)
    if math.isinf(amount):
        return _infinite(amount, lang)
    magnitude = abs(amount)
    if magnitude >= 1e9:
        scaled, unit = amount / 1e9, ("mrd." if lang == "nb" else "bn")
    elif magnitude >= 1e6:
        scaled, unit = amount / 1e6, ("mill." if lang == "nb" else "m")
    elif magnitude >= 1e3:
        scaled, unit = amount / 1e3, ("tusen" if lang == "nb" else "k")
    else:
        return (
            f"{group_digits(amount, 0, lang)}{NBSP}{currency}"
            if lang == "nb"
            else f"{currency}{NBSP}{group_digits(amount, 0, lang)}"
        )
    digits = 1 if abs(scaled) < 100 else 0
    number = group_digits(scaled, digits, lang)
    if lang == "nb":
        return f"{number}{NBSP}{unit}{NBSP}{currency}"
    return f"{currency}{NBSP}{number}{NBSP if unit != 'k' else ''}{unit}"


def format_compact(value: Any, lang: str) -> str:
    """A large count for running text: "1.2 m" / "1,2 mill." (patient-days, DDD)."""
    if _is_missing(value):
        return "–"
    number = float(value)
    if math.isinf(number):
        return _infinite(number, lang)
    magnitude = abs(number)
    if magnitude >= 1e9:
        return group_digits(number / 1e9, 2, lang) + NBSP + ("mrd." if lang == "nb" else "bn")
    if magnitude >= 1e6:
        return group_digits(number / 1e6, 2, lang) + NBSP + ("mill." if lang == "nb" else "m")
    return group_digits(number, 0, lang)


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
