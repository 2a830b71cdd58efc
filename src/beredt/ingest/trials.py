"""Clinical trials with a site in the home country, from the public registries → ``trials.csv``.

Two formats (docs/industry.md, "Clinical trials"):

* **ClinicalTrials.gov API v2** (US National Library of Medicine), the JSON of
  ``GET https://clinicaltrials.gov/api/v2/studies?query.locn=Norway&format=json`` (an envelope
  ``{"studies": [...], "nextPageToken": …}``; a bare list of studies is read too). Each study is
  the documented *study data structure*: ``protocolSection`` with ``identificationModule``
  (``nctId``, ``briefTitle``, ``secondaryIdInfos[]``), ``statusModule`` (``overallStatus``,
  ``startDateStruct.date`` as ``YYYY-MM`` or ``YYYY-MM-DD``), ``sponsorCollaboratorsModule``
  (``leadSponsor.name`` and ``.class``: ``INDUSTRY``, ``NIH``, ``FED``, ``OTHER_GOV``,
  ``NETWORK``, ``OTHER``, ``INDIV``, ``AMBIG``, ``UNKNOWN``), ``designModule`` (``studyType``,
  ``phases[]``: ``EARLY_PHASE1``, ``PHASE1`` … ``PHASE4``, ``NA``; ``enrollmentInfo.count``)
  and ``contactsLocationsModule.locations[]`` (``facility``, ``city``, ``country``).
  Observational studies and expanded access are not trials and are skipped.
* **EU CTIS** (Clinical Trials Information System, EMA), the public portal's search export:
  the JSON of ``POST https://euclinicaltrials.eu/ctis-public-api/search`` (an envelope
  ``{"pagination": …, "data": [...]}``; a bare list is read too), one flat record per trial:
  ``ctNumber`` (``2023-501234-12-00``), ``ctTitle``, ``ctStatus``, ``sponsor``, ``sponsorType``
  (organisation types joined by ``, `` when a trial has several sponsors), ``trialPhase``
  (``Therapeutic confirmatory (Phase III)``, ``Phase II and Phase III (Integrated)``, …),
  ``trialCountries`` (``["Norway:3", "Sweden:5"]``: country and number of sites),
  ``decisionDateOverall`` (``DD/MM/YYYY``) and ``totalNumberEnrolled``.

Sponsor types follow the commercial/non-commercial split of the R package *ctrdata* (Herold,
CRAN): ClinicalTrials.gov ``INDUSTRY`` → industry; ``NIH``, ``FED``, ``OTHER_GOV`` → government;
``OTHER`` (hospitals, universities) and ``NETWORK`` → academic; ``INDIV``, ``AMBIG``,
``UNKNOWN`` → other. CTIS ``Pharmaceutical company``, ``Non-Pharmaceutical company``,
``Industry``, ``Laboratory/Research/Testing facility``, ``Pharmaceutical
association/federation`` → industry; ``Hospital/Clinic/Other health care facility``,
``Educational Institution``, ``Health care`` → academic; ``Patient organisation/association`` →
other; commercial and non-commercial sponsors together → mixed.

Only trials with at least one site in the home country are imported (the others are listed as
skipped); the key is (registry, trial number), so a re-import of a newer export updates them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from beredt.domain.bundle import Bundle
from beredt.domain.enums import SponsorType, TrialPhase, TrialRegistry
from beredt.ingest.errors import ImportRejected, Problem
from beredt.ingest.sources import (
    KeyTracker,
    SourceImport,
    SubstanceMatcher,
    parse_date,
    read_json_source,
)

CTGOV_SOURCE = "ClinicalTrials.gov"
CTIS_SOURCE = "CTIS"
_NCT = re.compile(r"^NCT[0-9]{8}$")
_EU_CT = re.compile(r"^[0-9]{4}-[0-9]{6}-[0-9]{2}-[0-9]{2}$")
_EUDRACT = re.compile(r"^[0-9]{4}-[0-9]{6}-[0-9]{2}$")
#: Largest plausible enrolment of one trial (a typing error above).
MAX_ENROLLMENT = 10_000_000

#: ClinicalTrials.gov ``phases`` values → the phase; two phases together are a combined phase.
CTGOV_PHASES: Mapping[str, TrialPhase] = {
    "EARLY_PHASE1": TrialPhase.PHASE1,
    "PHASE1": TrialPhase.PHASE1,
    "PHASE2": TrialPhase.PHASE2,
    "PHASE3": TrialPhase.PHASE3,
    "PHASE4": TrialPhase.PHASE4,
    "NA": TrialPhase.NOT_APPLICABLE,
}
#: ClinicalTrials.gov agency classes (``leadSponsor.class``) → sponsor type.
CTGOV_SPONSORS: Mapping[str, SponsorType] = {
    "INDUSTRY": SponsorType.INDUSTRY,
    "NIH": SponsorType.GOVERNMENT,
    "FED": SponsorType.GOVERNMENT,
    "OTHER_GOV": SponsorType.GOVERNMENT,
    "NETWORK": SponsorType.ACADEMIC,
    "OTHER": SponsorType.ACADEMIC,
    "INDIV": SponsorType.OTHER,
    "AMBIG": SponsorType.OTHER,
    "UNKNOWN": SponsorType.OTHER,
}
#: Study types that are trials; the others are skipped.
CTGOV_TRIAL_TYPES = frozenset({"INTERVENTIONAL"})
CTGOV_STUDY_TYPES = frozenset({"INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS"})
#: Secondary-id types of ClinicalTrials.gov that give the trial's European number.
CTGOV_EU_ID_TYPES = frozenset({"EUDRACT_NUMBER", "CTIS"})

#: CTIS organisation types (lower case) → sponsor type (commercial or not, as *ctrdata*).
CTIS_SPONSORS: Mapping[str, SponsorType] = {
    "pharmaceutical company": SponsorType.INDUSTRY,
    "non-pharmaceutical company": SponsorType.INDUSTRY,
    "industry": SponsorType.INDUSTRY,
    "laboratory/research/testing facility": SponsorType.INDUSTRY,
    "pharmaceutical association/federation": SponsorType.INDUSTRY,
    "hospital/clinic/other health care facility": SponsorType.ACADEMIC,
    "educational institution": SponsorType.ACADEMIC,
    "health care": SponsorType.ACADEMIC,
    "patient organisation/association": SponsorType.OTHER,
    "other": SponsorType.OTHER,
}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_PHASE_WORD = re.compile(r"phase\s*(iv|iii|ii|i|[1-4])\b", re.IGNORECASE)
_COMBINED: Mapping[tuple[int, ...], TrialPhase] = {
    (1,): TrialPhase.PHASE1,
    (2,): TrialPhase.PHASE2,
    (3,): TrialPhase.PHASE3,
    (4,): TrialPhase.PHASE4,
    (1, 2): TrialPhase.PHASE1_2,
    (2, 3): TrialPhase.PHASE2_3,
}

#: English names of countries as both registries write them, by ISO 3166-1 alpha-2 code (the
#: EEA, where CTIS runs, and the neighbours); the home country's name also comes from
#: countries.csv.
COUNTRY_NAMES: Mapping[str, tuple[str, ...]] = {
    "AT": ("Austria",),
    "BE": ("Belgium",),
    "BG": ("Bulgaria",),
    "CH": ("Switzerland",),
    "CY": ("Cyprus",),
    "CZ": ("Czechia", "Czech Republic"),
    "DE": ("Germany",),
    "DK": ("Denmark",),
    "EE": ("Estonia",),
    "ES": ("Spain",),
    "FI": ("Finland",),
    "FR": ("France",),
    "GB": ("United Kingdom",),
    "GR": ("Greece",),
    "HR": ("Croatia",),
    "HU": ("Hungary",),
    "IE": ("Ireland",),
    "IS": ("Iceland",),
    "IT": ("Italy",),
    "LI": ("Liechtenstein",),
    "LT": ("Lithuania",),
    "LU": ("Luxembourg",),
    "LV": ("Latvia",),
    "MT": ("Malta",),
    "NL": ("Netherlands",),
    "NO": ("Norway",),
    "PL": ("Poland",),
    "PT": ("Portugal",),
    "RO": ("Romania",),
    "SE": ("Sweden",),
    "SI": ("Slovenia",),
    "SK": ("Slovakia",),
    "US": ("United States",),
}


def home_country_names(existing: Bundle, country: str | None = None) -> tuple[str, frozenset[str]]:
    """The home country's code and its English names (lower case) the registries may write.

    From countries.csv's ``name`` of the bundle's country (or `country`) and
    :data:`COUNTRY_NAMES`; :class:`ImportRejected` when no name is known.
    """
    code = (country or existing.meta.country).upper()
    names = {n.lower() for n in COUNTRY_NAMES.get(code, ())}
    for row in existing.rows("countries"):
        if row["country"] == code and row.get("name"):
            names.add(str(row["name"]).strip().lower())
    if not names:
        raise ImportRejected(
            [
                Problem(
                    "countries.csv",
                    None,
                    "name",
                    f"no English name for the home country {code}: add it to countries.csv",
                )
            ],
            what="clinical-trials import",
        )
    return code, frozenset(names)


# --- ClinicalTrials.gov -----------------------------------------------------------------------
def read_ctgov(path: str | Path, existing: Bundle, country: str | None = None) -> SourceImport:
    """Trials with a home-country site from a ClinicalTrials.gov API v2 JSON file.

    Raises :class:`ImportRejected` listing every problem (``file:line: field: reason``, the line
    where the study's record starts).
    """
    code, names = home_country_names(existing, country)

    def read(
        result: SourceImport,
        _matcher: SubstanceMatcher,
        keys: KeyTracker,
        line: int,
        record: Mapping[str, Any],
        problems: list[Problem],
    ) -> None:
        _ctgov_record(result, keys, line, record, problems, code, names)

    return read_json_source(
        path,
        existing,
        source=CTGOV_SOURCE,
        what="ClinicalTrials.gov studies",
        record_keys=("studies",),
        key_name="protocolSection.identificationModule.nctId",
        read_record=read,
    )


class _Fields:
    """Typed access to nested JSON members, collecting a problem per bad member."""

    def __init__(self, file: str, line: int, problems: list[Problem]) -> None:
        self.file, self.line, self.problems = file, line, problems

    def bad(self, field: str, reason: str) -> None:
        self.problems.append(Problem(self.file, self.line, field, reason))

    def obj(self, parent: Mapping[str, Any], name: str, path: str) -> Mapping[str, Any]:
        value = parent.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.bad(path, f"is not an object (found {type(value).__name__})")
            return {}
        return value

    def text(self, parent: Mapping[str, Any], name: str, path: str) -> str:
        value = parent.get(name)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.bad(path, f"is not a text (found {type(value).__name__})")
            return ""
        text = str(value).strip()
        if "\x00" in text:
            self.bad(path, "contains a NUL character")
            return ""
        return text

    def items(self, parent: Mapping[str, Any], name: str, path: str) -> list[Any]:
        value = parent.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.bad(path, f"is not a list (found {type(value).__name__})")
            return []
        return value

    def count(self, value: Any, path: str) -> int | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            self.bad(path, f"{value!r} is not a whole number")
            return None
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                self.bad(path, f"{value!r} is not a whole number")
                return None
        elif isinstance(value, int | float):
            number = float(value)
        else:
            self.bad(path, f"is not a number (found {type(value).__name__})")
            return None
        if number != number or not number.is_integer():
            self.bad(path, f"{value!r} is not a whole number")
            return None
        if number < 0:
            self.bad(path, f"{value!r} is negative")
            return None
        if number > MAX_ENROLLMENT:
            self.bad(path, f"{value!r} is implausibly large (more than {MAX_ENROLLMENT:,})")
            return None
        return int(number)


def _ctgov_record(
    result: SourceImport,
    keys: KeyTracker,
    line: int,
    record: Mapping[str, Any],
    problems: list[Problem],
    home: str,
    names: frozenset[str],
) -> None:
    f = _Fields(result.file, line, problems)
    before = len(problems)
    if "protocolSection" not in record:
        f.bad("protocolSection", "required member is missing (not a study record)")
        return
    protocol = f.obj(record, "protocolSection", "protocolSection")
    ident = f.obj(protocol, "identificationModule", "protocolSection.identificationModule")
    status = f.obj(protocol, "statusModule", "protocolSection.statusModule")
    sponsors = f.obj(
        protocol, "sponsorCollaboratorsModule", "protocolSection.sponsorCollaboratorsModule"
    )
    design = f.obj(protocol, "designModule", "protocolSection.designModule")
    places = f.obj(protocol, "contactsLocationsModule", "protocolSection.contactsLocationsModule")
    path = "protocolSection.identificationModule.nctId"
    nct = f.text(ident, "nctId", path)
    if not nct:
        f.bad(path, "required value is missing")
    elif not _NCT.match(nct):
        f.bad(path, f"{nct!r} is not an NCT number (NCT followed by 8 digits)")
    title = f.text(ident, "briefTitle", "protocolSection.identificationModule.briefTitle") or (
        f.text(ident, "officialTitle", "protocolSection.identificationModule.officialTitle")
    )
    eu_number = None
    id_path = "protocolSection.identificationModule.secondaryIdInfos"
    for i, info in enumerate(f.items(ident, "secondaryIdInfos", id_path)):
        if not isinstance(info, dict):
            f.bad(f"{id_path}[{i}]", "is not an object")
            continue
        sid = f.text(info, "id", f"{id_path}[{i}].id")
        kind = f.text(info, "type", f"{id_path}[{i}].type").upper()
        if eu_number is None and (
            _EU_CT.match(sid) or (kind in CTGOV_EU_ID_TYPES and _EUDRACT.match(sid))
        ):
            eu_number = sid
    study_path = "protocolSection.designModule.studyType"
    study_type = f.text(design, "studyType", study_path).upper()
    if study_type and study_type not in CTGOV_STUDY_TYPES:
        f.bad(study_path, f"{study_type!r} is not one of {', '.join(sorted(CTGOV_STUDY_TYPES))}")
    phase = _ctgov_phase(f, design)
    class_path = "protocolSection.sponsorCollaboratorsModule.leadSponsor.class"
    lead = f.obj(sponsors, "leadSponsor", "protocolSection.sponsorCollaboratorsModule.leadSponsor")
    sponsor = f.text(lead, "name", "protocolSection.sponsorCollaboratorsModule.leadSponsor.name")
    agency = f.text(lead, "class", class_path).upper()
    sponsor_type = SponsorType.OTHER
    if agency:
        if agency in CTGOV_SPONSORS:
            sponsor_type = CTGOV_SPONSORS[agency]
        else:
            f.bad(class_path, f"{agency!r} is not one of {', '.join(CTGOV_SPONSORS)}")
    date_path = "protocolSection.statusModule.startDateStruct.date"
    start = _partial_date(
        f, f.text(f.obj(status, "startDateStruct", date_path[:-5]), "date", date_path), date_path
    )
    overall = f.text(status, "overallStatus", "protocolSection.statusModule.overallStatus")
    enroll_path = "protocolSection.designModule.enrollmentInfo.count"
    enrollment = f.count(
        f.obj(design, "enrollmentInfo", enroll_path[:-6]).get("count"), enroll_path
    )
    loc_path = "protocolSection.contactsLocationsModule.locations"
    sites = 0
    for i, place in enumerate(f.items(places, "locations", loc_path)):
        if not isinstance(place, dict):
            f.bad(f"{loc_path}[{i}]", "is not an object")
            continue
        if f.text(place, "country", f"{loc_path}[{i}].country").lower() in names:
            sites += 1
    if len(problems) > before:
        return
    if keys.seen(nct, line, problems):
        return
    if study_type and study_type not in CTGOV_TRIAL_TYPES:
        result.skip(line, nct, f"{study_type.lower().replace('_', ' ')} study, not a trial")
        return
    if sites == 0:
        result.skip(line, nct, f"no site in {home}")
        return
    if start is None:
        result.warn(line, nct, "no start date: imported, but counted in no year")
    result.add(
        "trials",
        {
            "registry": TrialRegistry.CTGOV,
            "trial_id": nct,
            "title": title[:300] or None,
            "phase": phase,
            "sponsor": sponsor or None,
            "sponsor_type": sponsor_type,
            "start_date": start,
            "sites_in_country": sites,
            "status": overall or None,
            "enrollment": enrollment,
            "eu_ct_number": eu_number,
            "source": f"{CTGOV_SOURCE} ({result.file})",
        },
        line,
    )


def _ctgov_phase(f: _Fields, design: Mapping[str, Any]) -> TrialPhase:
    path = "protocolSection.designModule.phases"
    found: list[TrialPhase] = []
    for i, value in enumerate(f.items(design, "phases", path)):
        text = f.text({"v": value}, "v", f"{path}[{i}]").upper()
        if text not in CTGOV_PHASES:
            f.bad(f"{path}[{i}]", f"{text!r} is not one of {', '.join(CTGOV_PHASES)}")
            continue
        found.append(CTGOV_PHASES[text])
    numbers = tuple(sorted({int(p.value[-1]) for p in found if p.value[-1].isdigit()}))
    if not found:
        return TrialPhase.UNKNOWN
    if not numbers:
        return TrialPhase.NOT_APPLICABLE
    combined = _COMBINED.get(numbers)
    if combined is None:
        f.bad(
            path, f"phases {', '.join(str(n) for n in numbers)} are not one phase or two in a row"
        )
        return TrialPhase.UNKNOWN
    return combined


def _partial_date(f: _Fields, text: str, path: str) -> dt.date | None:
    """``YYYY-MM-DD``, ``YYYY-MM`` (the first of the month) or ``YYYY`` (1 January)."""
    if not text:
        return None
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
        text = f"{text}-01"
    elif re.fullmatch(r"[0-9]{4}", text):
        text = f"{text}-01-01"
    try:
        return parse_date(text, ("%Y-%m-%d",), "start date")
    except ValueError as exc:
        f.bad(path, str(exc).replace("YYYY-MM-DD", "YYYY-MM-DD or YYYY-MM"))
        return None


# --- CTIS --------------------------------------------------------------------------------------
def read_ctis(path: str | Path, existing: Bundle, country: str | None = None) -> SourceImport:
    """Trials with a home-country site from a CTIS public search export (JSON).

    Raises :class:`ImportRejected` listing every problem (``file:line: field: reason``, the line
    where the trial's record starts).
    """
    code, names = home_country_names(existing, country)

    def read(
        result: SourceImport,
        _matcher: SubstanceMatcher,
        keys: KeyTracker,
        line: int,
        record: Mapping[str, Any],
        problems: list[Problem],
    ) -> None:
        _ctis_record(result, keys, line, record, problems, code, names)

    return read_json_source(
        path,
        existing,
        source=CTIS_SOURCE,
        what="CTIS trials",
        record_keys=("data",),
        key_name="ctNumber",
        read_record=read,
    )


def ctis_phase(text: str) -> TrialPhase | None:
    """The phase of a CTIS ``trialPhase`` text (Roman or Arabic numerals); None if it names none."""
    numbers = tuple(
        sorted(
            {
                _ROMAN.get(m.lower(), 0) or int(m)
                for m in _PHASE_WORD.findall(text)
                if m.lower() in _ROMAN or m.isdigit()
            }
        )
    )
    return _COMBINED.get(numbers)


def ctis_sponsor_type(text: str) -> SponsorType | None:
    """The sponsor type of a CTIS ``sponsorType`` (types joined by ``, ``); None if unknown."""
    parts = [p.strip().lower() for p in text.split(",") if p.strip()]
    types = {CTIS_SPONSORS.get(p) for p in parts}
    if not parts or None in types:
        return None
    if SponsorType.INDUSTRY in types and types & {SponsorType.ACADEMIC, SponsorType.OTHER}:
        return SponsorType.MIXED
    if types == {SponsorType.INDUSTRY}:
        return SponsorType.INDUSTRY
    if SponsorType.ACADEMIC in types:
        return SponsorType.ACADEMIC
    return SponsorType.OTHER


def _ctis_record(
    result: SourceImport,
    keys: KeyTracker,
    line: int,
    record: Mapping[str, Any],
    problems: list[Problem],
    home: str,
    names: frozenset[str],
) -> None:
    f = _Fields(result.file, line, problems)
    before = len(problems)
    number = f.text(record, "ctNumber", "ctNumber")
    if not number:
        f.bad("ctNumber", "required value is missing")
    elif not _EU_CT.match(number):
        f.bad("ctNumber", f"{number!r} is not an EU CT number (YYYY-NNNNNN-NN-NN)")
    title = f.text(record, "ctTitle", "ctTitle") or f.text(record, "shortTitle", "shortTitle")
    phase_text = f.text(record, "trialPhase", "trialPhase")
    sponsor = f.text(record, "sponsor", "sponsor")
    type_text = f.text(record, "sponsorType", "sponsorType")
    sponsor_type = ctis_sponsor_type(type_text) if type_text else SponsorType.OTHER
    if sponsor_type is None:
        accepted = "; ".join(sorted(CTIS_SPONSORS))
        f.bad("sponsorType", f"{type_text!r} has an organisation type not among: {accepted}")
    raw_date = f.text(record, "decisionDateOverall", "decisionDateOverall")
    start = None
    if raw_date:
        try:
            start = parse_date(raw_date, ("%d/%m/%Y", "%Y-%m-%d"), "decision date")
        except ValueError as exc:
            f.bad("decisionDateOverall", str(exc))
    status = f.text(record, "ctStatus", "ctStatus")
    enrollment = f.count(record.get("totalNumberEnrolled"), "totalNumberEnrolled")
    sites = 0
    for i, entry in enumerate(f.items(record, "trialCountries", "trialCountries")):
        text = f.text({"v": entry}, "v", f"trialCountries[{i}]")
        name, _, count = text.rpartition(":")
        if not name or not re.fullmatch(r"\s*[0-9]+\s*", count):
            f.bad(f"trialCountries[{i}]", f"{text!r} is not COUNTRY:SITES (e.g. 'Norway:3')")
            continue
        if name.strip().lower() in names:
            sites += int(count)
    if len(problems) > before:
        return
    if keys.seen(number, line, problems):
        return
    if sites == 0:
        result.skip(line, number, f"no site in {home}")
        return
    phase = TrialPhase.UNKNOWN
    if phase_text:
        found = ctis_phase(phase_text)
        if found is None:
            result.warn(line, number, f"trialPhase {phase_text!r} names no phase: unknown")
        else:
            phase = found
    if start is None:
        result.warn(line, number, "no decisionDateOverall: imported, but counted in no year")
    result.add(
        "trials",
        {
            "registry": TrialRegistry.CTIS,
            "trial_id": number,
            "title": title[:300] or None,
            "phase": phase,
            "sponsor": sponsor or None,
            "sponsor_type": sponsor_type,
            "start_date": start,
            "sites_in_country": sites,
            "status": status or None,
            "enrollment": enrollment,
            "eu_ct_number": None,
            "source": f"{CTIS_SOURCE} ({result.file})",
        },
        line,
    )
