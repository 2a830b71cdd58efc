"""``beredt measures`` (the report's four measures against their targets) and the registry
importers ``beredt import ctgov FILE`` and ``beredt import ctis FILE`` (clinical trials).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from beredt.cli.common import DatabaseOption, JsonOption, import_app
from beredt.cli.imports import DryRunOption, FileArgument, WhoOption, _run

CountryOption = Annotated[
    str | None,
    typer.Option(
        "--country",
        help="Home country (ISO 3166-1 alpha-2) whose trial sites count; default: the dataset's.",
    ),
]


@import_app.command("ctgov")
def import_ctgov(
    file: FileArgument,
    country: CountryOption = None,
    dry_run: DryRunOption = False,
    who: WhoOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Clinical trials with a site in the home country from ClinicalTrials.gov (API v2 JSON).

    Save `https://clinicaltrials.gov/api/v2/studies?query.locn=Norway&pageSize=1000` (each page)
    and import the file; observational studies and trials without a home site are skipped.
    """
    from beredt.ingest.trials import read_ctgov

    _run(
        "ClinicalTrials.gov import",
        lambda existing: read_ctgov(Path(file), existing, country),
        dry_run=dry_run,
        who=who,
        db=db,
        json_target=json_target,
    )


@import_app.command("ctis")
def import_ctis(
    file: FileArgument,
    country: CountryOption = None,
    dry_run: DryRunOption = False,
    who: WhoOption = None,
    db: DatabaseOption = None,
    json_target: JsonOption = None,
) -> None:
    """Clinical trials with a site in the home country from the EU CTIS public search (JSON).

    Save the answer of the public portal's search (`ctis-public-api/search`, records under
    `data`) and import the file; trials without a home site are skipped.
    """
    from beredt.ingest.trials import read_ctis

    _run(
        "CTIS import",
        lambda existing: read_ctis(Path(file), existing, country),
        dry_run=dry_run,
        who=who,
        db=db,
        json_target=json_target,
    )


def register(app: typer.Typer) -> None:
    """The importers are on the shared ``import`` group; ``beredt measures`` is added here."""
