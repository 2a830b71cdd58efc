"""The exact Statistics Norway API requests for trade figures of chosen commodity codes and years.

Beredt works offline on saved responses; this module only *writes* the request, for the user
to run (``curl``) and then import with ``beredt import ssb FILE``. Two forms:

* **PxWebApi v2** (Statistics Norway's current API): ``GET
  https://data.ssb.no/api/pxwebapi/v2/tables/{id}/data?lang=no&outputFormat=json-stat2&
  valueCodes[Varekoder]=3004*,…&valueCodes[ImpEks]=1,2&valueCodes[ContentsCode]=Verdi,Mengde1&
  valueCodes[Tid]=2019,2020``. Value codes accept ``*`` wildcards, which also match the
  ``_YYYY`` validity suffix of the commodity codes.
* **API v0** (the older PxWeb API, still served): ``POST https://data.ssb.no/api/v0/no/table/{id}``
  with a JSON body ``{"query": [{"code": …, "selection": {"filter": "all"|"item", "values":
  […]}}], "response": {"format": "json-stat2"}}``.

A variable left out of the query is *eliminated* by PxWeb (summed over its categories). So the
default query leaves out ``Land`` and returns all-country totals (imported with partner ``ZZ``);
``by_country=True`` asks for every country (``*``) or the listed ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from beredt.industry.ssb import TRADE_TABLES

V2_BASE = "https://data.ssb.no/api/pxwebapi/v2"
V0_BASE = "https://data.ssb.no/api/v0"
_CODE = re.compile(r"^[0-9]{2,8}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_FLOWS = {"import": "1", "export": "2"}


@dataclass(frozen=True)
class TradeQuery:
    """A request for trade figures: its v2 URL and the equivalent v0 POST URL and body."""

    table: str
    v2_url: str
    v2_url_encoded: str
    v0_url: str
    v0_body: dict[str, Any]

    @property
    def v0_body_text(self) -> str:
        """The v0 POST body as indented JSON."""
        return json.dumps(self.v0_body, indent=2, ensure_ascii=False)

    def curl_v2(self, out_file: str) -> str:
        """A curl command that saves the v2 response (``-g``: brackets are not globs)."""
        return f"curl -g -o {out_file} '{self.v2_url}'"

    def curl_v0(self, out_file: str) -> str:
        """A curl command that posts the v0 body and saves the response."""
        body = json.dumps(self.v0_body, ensure_ascii=False, separators=(",", ":"))
        return f"curl -o {out_file} -H 'Content-Type: application/json' -d '{body}' '{self.v0_url}'"


def parse_years(spec: str | Iterable[int | str]) -> list[str]:
    """Years or months from ``2019-2023``, ``2019,2021``, ``2023M01-2023M03`` or a sequence."""
    parts: list[str] = []
    items = spec.split(",") if isinstance(spec, str) else [str(s) for s in spec]
    for item in (i.strip() for i in items):
        if not item:
            continue
        if re.fullmatch(r"[0-9]{4}-[0-9]{4}", item):
            start, end = (int(x) for x in item.split("-"))
            if end < start:
                raise ValueError(f"year range {item!r} runs backwards")
            parts.extend(str(y) for y in range(start, end + 1))
        elif m := re.fullmatch(r"([0-9]{4})M([0-9]{2})-([0-9]{4})M([0-9]{2})", item):
            y0, m0, y1, m1 = (int(g) for g in m.groups())
            if not (1 <= m0 <= 12 and 1 <= m1 <= 12) or (y1, m1) < (y0, m0):
                raise ValueError(f"month range {item!r} is not valid")
            y, mo = y0, m0
            while (y, mo) <= (y1, m1):
                parts.append(f"{y}M{mo:02d}")
                y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
        elif re.fullmatch(r"[0-9]{4}", item) or re.fullmatch(r"[0-9]{4}M(0[1-9]|1[0-2])", item):
            parts.append(item)
        else:
            raise ValueError(
                f"{item!r} is not a year (2023), a month (2023M01) or a range (2019-2023)"
            )
    if not parts:
        raise ValueError("no years given")
    return list(dict.fromkeys(parts))


def trade_query(
    codes: Sequence[str],
    years: Sequence[str] | str,
    *,
    table: str = "08801",
    flows: Sequence[str] = ("import", "export"),
    by_country: bool = False,
    countries: Sequence[str] = (),
    contents: Sequence[str] = ("Verdi", "Mengde1"),
    lang: str = "no",
) -> TradeQuery:
    """The v2 GET URL and v0 POST request for commodity `codes` (prefixes) and `years`.

    Each code is a 2–8 digit prefix (``30``, ``3004``, ``30049000``) and is asked for with a
    trailing ``*`` so that every validity version of the matching codes is included.
    """
    if table not in TRADE_TABLES:
        raise ValueError(
            f"table {table!r} is not a trade table Beredt reads "
            f"({', '.join(f'{t} {k}' for t, k in TRADE_TABLES.items())})"
        )
    clean_codes = [c.strip().replace(".", "") for c in codes if c.strip()]
    if not clean_codes:
        raise ValueError("no commodity codes given")
    for c in clean_codes:
        if not _CODE.match(c):
            raise ValueError(f"{c!r} is not a commodity-code prefix (2–8 digits, e.g. 3004)")
    periods = parse_years(years) if isinstance(years, str) else parse_years(list(years))
    monthly = TRADE_TABLES[table] == "monthly"
    for p in periods:
        if monthly != ("M" in p):
            want = "months like 2023M01" if monthly else "years like 2023"
            raise ValueError(f"table {table} is {TRADE_TABLES[table]}: give {want}, not {p!r}")
    flow_codes = []
    for f in flows:
        if f.lower() not in _FLOWS:
            raise ValueError(f"flow {f!r} is not import or export")
        flow_codes.append(_FLOWS[f.lower()])
    for c in countries:
        if not _COUNTRY.match(c):
            raise ValueError(f"{c!r} is not a two-letter country code")
    if lang not in ("no", "en"):
        raise ValueError(f"lang {lang!r} is not no or en")

    patterns = [f"{c}*" for c in dict.fromkeys(clean_codes)]
    selection: list[tuple[str, list[str], bool]] = [
        ("Varekoder", patterns, True),
        ("ImpEks", sorted(set(flow_codes)), False),
    ]
    if by_country or countries:
        selection.append(("Land", list(countries) or ["*"], not countries))
    selection += [("ContentsCode", list(contents), False), ("Tid", periods, False)]

    params = [("lang", lang), ("outputFormat", "json-stat2")]
    params += [(f"valueCodes[{code}]", ",".join(values)) for code, values, _ in selection]
    v2_path = f"{V2_BASE}/tables/{table}/data"
    v2_url = v2_path + "?" + "&".join(f"{k}={v}" for k, v in params)
    v2_encoded = (
        v2_path + "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe=',*')}" for k, v in params)
    )
    v0_query = [
        {
            "code": code,
            "selection": {"filter": "all" if wildcard else "item", "values": values},
        }
        for code, values, wildcard in selection
    ]
    return TradeQuery(
        table=table,
        v2_url=v2_url,
        v2_url_encoded=v2_encoded,
        v0_url=f"{V0_BASE}/{lang}/table/{table}/",
        v0_body={"query": v0_query, "response": {"format": "json-stat2"}},
    )
