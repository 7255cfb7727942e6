"""``sovbom conformance``: which minimum elements (NTIA, CISA, BSI) a BOM has."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sovbom._io import write_bytes
from sovbom.cli._common import cli, enum_choice, format_option, output_option
from sovbom.cli._options import default_format
from sovbom.conformance.model import FailOn
from sovbom.conformance.profiles import ProfileId
from sovbom.errors import ExitCode
from sovbom.report.interface import ReportFormat, renderer_for


@cli.command()
@click.argument("bom", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--profile",
    "profile_id",
    required=True,
    type=enum_choice(ProfileId),
    help="Minimum-elements profile.",
)
@format_option(ReportFormat)
@output_option()
@click.option(
    "--fail-on",
    type=enum_choice(FailOn),
    default="missing",
    show_default=True,
    help="Exit 1 when a required element is missing ('unknown': missing or explicitly"
    " unknown; 'never': report only).",
)
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False),
    help="The BOM's Sigstore bundle, for the signature element (default: BOM.sigstore.json"
    " when it exists). Its presence counts; verify it with 'sovbom verify'.",
)
def conformance(
    bom: str, profile_id: str, fmt: str | None, output: str, fail_on: str, bundle: str | None
) -> None:
    """Check a BOM against a minimum-elements profile.

    For the document and for each component (the primary component included), every element
    of the profile is present, missing, explicitly unknown (e.g. NOASSERTION, an 'unknown'
    composition), or not applicable (a hash or licence of a physical device).

    \b
    Profiles:
      ntia-2021        NTIA Minimum Elements for an SBOM (2021), data fields
      cisa-2026        CISA Minimum Elements for an SBOM (2026 edition)
      bsi-tr-03183-2   BSI TR-03183-2 v2.1.0 (required and additional fields)

    \b
    Exit codes: 0 conforms (per --fail-on); 1 it does not; 4 unreadable input.
    """
    from sovbom.checking import ensure_valid
    from sovbom.conformance import check_conformance, load_profile
    from sovbom.cyclonedx.reader import load_bom

    loaded = load_bom(bom)
    ensure_valid(loaded)  # a BOM that is not schema-valid is bad input (exit 4), not findings
    found: str | None = None
    if bundle is not None:
        found = bundle if Path(bundle).is_file() else None
    elif bom != "-" and Path(bom + ".sigstore.json").is_file():
        found = bom + ".sigstore.json"
    report = check_conformance(
        loaded, load_profile(ProfileId(profile_id)), bundle=found, fail_on=FailOn(fail_on)
    )
    chosen = ReportFormat(fmt or default_format(output))
    color = chosen is ReportFormat.TABLE and output == "-" and sys.stdout.isatty()
    write_bytes(output, renderer_for(chosen, color=color).conformance(report))
    if report.fails:
        click.get_current_context().exit(int(ExitCode.FINDINGS))
