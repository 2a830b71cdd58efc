"""Clinical-trial importers on registry-shaped fixtures: ClinicalTrials.gov API v2 and EU CTIS.

The fixtures follow the registries' documented structures (ClinicalTrials.gov's study data
structure, the CTIS public search records); every bad input is reported with file, line (where
the record starts), field and reason, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from beredt.cli import get_app
from beredt.domain.bundle import Bundle, fingerprint
from beredt.domain.enums import SponsorType, TrialPhase
from beredt.ingest.errors import ImportRejected
from beredt.ingest.trials import ctis_phase, ctis_sponsor_type, read_ctgov, read_ctis
from beredt.store import Store


def _study(
    nct: str,
    *,
    phases: list[str] | None = None,
    sponsor_class: str = "INDUSTRY",
    countries: tuple[str, ...] = ("Norway",),
    study_type: str = "INTERVENTIONAL",
    start: str | None = "2023-05",
    secondary: list[dict[str, str]] | None = None,
    enrollment: Any = 120,
) -> dict[str, Any]:
    """A study record in ClinicalTrials.gov's API v2 study data structure."""
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": nct,
                "briefTitle": f"A study {nct}",
                "secondaryIdInfos": secondary or [],
            },
            "statusModule": {
                "overallStatus": "RECRUITING",
                **({"startDateStruct": {"date": start, "type": "ACTUAL"}} if start else {}),
            },
            "sponsorCollaboratorsModule": {
                "leadSponsor": {"name": f"Sponsor of {nct}", "class": sponsor_class}
            },
            "designModule": {
                "studyType": study_type,
                "phases": phases if phases is not None else ["PHASE3"],
                "enrollmentInfo": {"count": enrollment, "type": "ESTIMATED"},
            },
            "contactsLocationsModule": {
                "locations": [
                    {"facility": f"Hospital {i}", "city": "Somewhere", "country": c}
                    for i, c in enumerate(countries)
                ]
            },
        },
        "hasResults": False,
    }


def _write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def _line_of(path: Path, text: str) -> int:
    """1-based line of the first line holding `text` (to find where a record starts)."""
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return i
    raise AssertionError(text)


def test_ctgov_reads_trials_with_a_home_site(small_bundle: Bundle, tmp_path: Path) -> None:
    page = {
        "studies": [
            _study(
                "NCT01000001",
                secondary=[{"id": "2023-501234-12-00", "type": "CTIS"}],
                countries=("Norway", "Norway", "Sweden"),
            ),
            _study("NCT01000002", phases=["PHASE1", "PHASE2"], sponsor_class="OTHER"),
            _study("NCT01000003", phases=["EARLY_PHASE1"], sponsor_class="OTHER_GOV", start=None),
            _study("NCT01000004", study_type="OBSERVATIONAL", phases=[]),
            _study("NCT01000005", countries=("Sweden", "Denmark")),
            _study("NCT01000006", phases=["NA"], sponsor_class="NETWORK", start="2021-11-30"),
        ],
        "nextPageToken": "abc",
    }
    result = read_ctgov(_write(tmp_path / "ctgov.json", page), small_bundle)
    rows = {r["trial_id"]: r for r in result.rows["trials"]}
    assert sorted(rows) == ["NCT01000001", "NCT01000002", "NCT01000003", "NCT01000006"]
    first = rows["NCT01000001"]
    assert first["phase"] is TrialPhase.PHASE3
    assert first["sponsor_type"] is SponsorType.INDUSTRY
    assert first["sites_in_country"] == 2  # two Norwegian sites, the Swedish one not counted
    assert first["start_date"] == dt.date(2023, 5, 1)
    assert first["eu_ct_number"] == "2023-501234-12-00"
    assert first["enrollment"] == 120
    assert rows["NCT01000002"]["phase"] is TrialPhase.PHASE1_2
    assert rows["NCT01000002"]["sponsor_type"] is SponsorType.ACADEMIC
    assert rows["NCT01000003"]["phase"] is TrialPhase.PHASE1
    assert rows["NCT01000003"]["sponsor_type"] is SponsorType.GOVERNMENT
    assert rows["NCT01000003"]["start_date"] is None
    assert rows["NCT01000006"]["phase"] is TrialPhase.NOT_APPLICABLE
    assert rows["NCT01000006"]["start_date"] == dt.date(2021, 11, 30)
    skipped = {n.key: n.reason for n in result.skipped}
    assert skipped == {
        "NCT01000004": "observational study, not a trial",
        "NCT01000005": "no site in NO",
    }
    assert [n.key for n in result.warnings] == ["NCT01000003"]
    # each note points at the line where its study starts
    note = next(n for n in result.skipped if n.key == "NCT01000005")
    assert note.line is not None
    assert note.line < _line_of(tmp_path / "ctgov.json", '"NCT01000005"')
    assert result.records == 6


def test_ctgov_bad_records_are_all_reported_with_line_field_and_reason(
    small_bundle: Bundle, tmp_path: Path
) -> None:
    bad_phase = _study("NCT02000001", phases=["PHASE5"])
    bad_class = _study("NCT02000002", sponsor_class="COMPANY")
    bad_date = _study("NCT02000003", start="05/2023")
    bad_count = _study("NCT02000004", enrollment=-3)
    no_id = _study("NCT02000005")
    no_id["protocolSection"]["identificationModule"]["nctId"] = "12345"
    gap = _study("NCT02000006", phases=["PHASE1", "PHASE3"])
    path = _write(
        tmp_path / "bad.json",
        {"studies": [bad_phase, bad_class, bad_date, bad_count, no_id, gap, "text", {"x": 1}]},
    )
    with pytest.raises(ImportRejected) as caught:
        read_ctgov(path, small_bundle)
    report = caught.value.report().splitlines()
    assert len(report) == 8, report
    for line in report:
        assert line.startswith("bad.json:"), line
    text = "\n".join(report)
    assert "protocolSection.designModule.phases[0]: 'PHASE5' is not one of" in text
    assert "leadSponsor.class: 'COMPANY' is not one of INDUSTRY" in text
    assert "startDateStruct.date: '05/2023-01' is not a start date" not in text
    assert "startDateStruct.date: '05/2023' is not a start date" in text
    assert "enrollmentInfo.count: -3 is negative" in text
    assert "nctId: '12345' is not an NCT number" in text
    assert "phases: phases 1, 3 are not one phase or two in a row" in text
    assert ": record: is not an object" in text
    assert "protocolSection: required member is missing (not a study record)" in text
    # the line is where the record starts: its "{" is the line above its first member
    first = report[0]
    assert first.split(":")[1] == str(_line_of(path, '"protocolSection"') - 1)


def test_ctis_reads_trials_with_a_home_site(small_bundle: Bundle, tmp_path: Path) -> None:
    data = {
        "pagination": {"totalRecords": 4, "currentPage": 1, "nextPage": False},
        "data": [
            {
                "ctNumber": "2023-501234-12-00",
                "ctStatus": 4,
                "ctTitle": "A confirmatory trial",
                "sponsor": "Pharma AS",
                "sponsorType": "Pharmaceutical company",
                "trialPhase": "Therapeutic confirmatory  (Phase III)",
                "trialCountries": ["Norway:3", "Sweden:5"],
                "decisionDateOverall": "07/05/2024",
                "totalNumberEnrolled": "300",
            },
            {
                "ctNumber": "2024-512345-22-00",
                "ctTitle": "An integrated trial",
                "sponsor": "Oslo universitetssykehus HF",
                "sponsorType": "Hospital/Clinic/Other health care facility, Pharmaceutical company",
                "trialPhase": "Phase I and Phase II (Integrated)",
                "trialCountries": ["Norway:1"],
                "decisionDateOverall": "2024-10-01",
            },
            {
                "ctNumber": "2024-512345-33-00",
                "sponsorType": "Educational Institution",
                "trialPhase": "Human Pharmacology (Phase I)- First administration to humans",
                "trialCountries": ["Denmark:2"],
                "decisionDateOverall": "01/02/2024",
            },
            {
                "ctNumber": "2025-520000-10-00",
                "sponsorType": "Hospital/Clinic/Other health care facility",
                "trialPhase": "Not stated",
                "trialCountries": ["Norway:2"],
            },
        ],
    }
    result = read_ctis(_write(tmp_path / "ctis.json", data), small_bundle)
    rows = {r["trial_id"]: r for r in result.rows["trials"]}
    assert sorted(rows) == ["2023-501234-12-00", "2024-512345-22-00", "2025-520000-10-00"]
    first = rows["2023-501234-12-00"]
    assert first["phase"] is TrialPhase.PHASE3
    assert first["sponsor_type"] is SponsorType.INDUSTRY
    assert first["sites_in_country"] == 3
    assert first["start_date"] == dt.date(2024, 5, 7)
    assert first["enrollment"] == 300
    assert first["status"] == "4"
    second = rows["2024-512345-22-00"]
    assert second["phase"] is TrialPhase.PHASE1_2
    assert second["sponsor_type"] is SponsorType.MIXED
    assert rows["2025-520000-10-00"]["phase"] is TrialPhase.UNKNOWN
    assert {n.key for n in result.skipped} == {"2024-512345-33-00"}
    assert sorted(n.key for n in result.warnings) == ["2025-520000-10-00", "2025-520000-10-00"]


def test_ctis_bad_records_are_all_reported(small_bundle: Bundle, tmp_path: Path) -> None:
    data = {
        "data": [
            {"ctNumber": "2023-5012-12-00", "trialCountries": ["Norway:1"]},
            {"ctNumber": "2023-501234-12-01", "trialCountries": ["Norway"]},
            {"ctNumber": "2023-501234-12-02", "trialCountries": "Norway:1"},
            {
                "ctNumber": "2023-501234-12-03",
                "trialCountries": ["Norway:1"],
                "decisionDateOverall": "31/02/2024",
            },
            {
                "ctNumber": "2023-501234-12-04",
                "trialCountries": ["Norway:1"],
                "sponsorType": "Space agency",
            },
            {"ctNumber": "2023-501234-12-05", "trialCountries": ["Norway:1"], "sponsor": ["x"]},
            {"trialCountries": ["Norway:1"]},
            {"ctNumber": "2023-501234-12-09", "trialCountries": ["Norway:1"]},
            {"ctNumber": "2023-501234-12-09", "trialCountries": ["Norway:1"]},
        ]
    }
    path = _write(tmp_path / "ctis_bad.json", data)
    with pytest.raises(ImportRejected) as caught:
        read_ctis(path, small_bundle)
    text = caught.value.report()
    lines = text.splitlines()
    assert all(line.startswith("ctis_bad.json:") for line in lines), lines
    assert "ctNumber: '2023-5012-12-00' is not an EU CT number (YYYY-NNNNNN-NN-NN)" in text
    assert "trialCountries[0]: 'Norway' is not COUNTRY:SITES (e.g. 'Norway:3')" in text
    assert "trialCountries: is not a list (found str)" in text
    assert (
        "decisionDateOverall: '31/02/2024' is not a decision date (DD/MM/YYYY or YYYY-MM-DD)"
        in (text)
    )
    assert "sponsorType: 'Space agency' has an organisation type not among:" in text
    assert "sponsor: is not a text (found list)" in text
    assert "ctNumber: required value is missing" in text
    assert "ctNumber: duplicate '2023-501234-12-09' (first on line" in text
    assert len(lines) == 8


def test_phase_and_sponsor_words() -> None:
    assert ctis_phase("Therapeutic use (Phase IV)") is TrialPhase.PHASE4
    assert ctis_phase("Phase II and Phase III (Integrated)") is TrialPhase.PHASE2_3
    assert ctis_phase("Therapeutic exploratory (Phase II)") is TrialPhase.PHASE2
    assert ctis_phase("Bioequivalence") is None
    assert ctis_sponsor_type("Pharmaceutical company, Pharmaceutical company") is (
        SponsorType.INDUSTRY
    )
    assert ctis_sponsor_type("Patient organisation/association") is SponsorType.OTHER
    assert ctis_sponsor_type("Educational Institution, Patient organisation/association") is (
        SponsorType.ACADEMIC
    )
    assert ctis_sponsor_type("Unknown kind") is None


@pytest.fixture
def env(tmp_path: Path, small_bundle_path: Path) -> dict[str, str]:
    env = {"BEREDT_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"}
    result = CliRunner().invoke(get_app(), ["import", "bundle", str(small_bundle_path)], env=env)
    assert result.exit_code == 0, result.output
    return env


def test_cli_imports_once_and_a_second_run_changes_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "page.json",
        {"studies": [_study("NCT03000001"), _study("NCT03000002", countries=("Spain",))]},
    )
    runner = CliRunner()
    first = runner.invoke(get_app(), ["import", "ctgov", str(path), "--json", "-"], env=env)
    assert first.exit_code == 0, first.output
    summary = json.loads(first.output[first.output.index("{") :])
    assert summary["changes"]["trials"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert summary["skipped"][0]["reason"] == "no site in NO"
    again = runner.invoke(get_app(), ["import", "ctgov", str(path), "--json", "-"], env=env)
    summary = json.loads(again.output[again.output.index("{") :])
    assert summary["changes"]["trials"] == {"created": 0, "updated": 0, "unchanged": 1}
    stored = {
        r["trial_id"] for r in Store(env["BEREDT_DATABASE_URL"]).export_bundle().rows("trials")
    }
    # merged beside the bundle's own trials; the one without a Norwegian site is not stored
    assert stored == {"NCT00000101", "2025-500101-10-00", "NCT03000001"}


def test_cli_rejected_file_exits_2_and_writes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    before = fingerprint(Store(env["BEREDT_DATABASE_URL"]).export_bundle())
    path = _write(
        tmp_path / "mixed.json",
        {"data": [{"ctNumber": "2023-501234-12-00", "trialCountries": ["Norway:2"]}, {"x": 1}]},
    )
    result = CliRunner().invoke(get_app(), ["import", "ctis", str(path)], env=env)
    assert result.exit_code == 2, result.output
    assert "CTIS trials mixed.json rejected: 1 problem; nothing was written" in result.output
    assert "mixed.json:" in result.output
    assert "ctNumber: required value is missing" in result.output
    assert fingerprint(Store(env["BEREDT_DATABASE_URL"]).export_bundle()) == before
