"""``sovbom collect``: observed inventories. ``collect hardware`` builds an observed HBOM."""

from __future__ import annotations

import logging
from enum import StrEnum

import click

from sovbom.cli._common import bom_output_options, cli, enum_choice, output_option
from sovbom.cli._options import hardware_source_options
from sovbom.collect.sources import HardwareSources, source_options
from sovbom.errors import InputError

log = logging.getLogger("sovbom")

__all__ = ["OnIncomplete", "collect", "hardware"]


class OnIncomplete(StrEnum):
    MARK = "mark"
    FAIL = "fail"


@cli.group()
def collect() -> None:
    """Collect what a server actually contains (observed inventories)."""


@collect.command("hardware")
@hardware_source_options
@click.option(
    "--on-incomplete",
    type=enum_choice(OnIncomplete),
    default=OnIncomplete.MARK.value,
    show_default=True,
    help="When a source could not be read completely: mark the HBOM"
    " (sovbom:collection:incomplete) or fail (exit 4, no output).",
)
@output_option(help_text="Output CycloneDX JSON file ('-' for stdout).")
@bom_output_options
def hardware(
    sources: HardwareSources,
    on_incomplete: str,
    output: str,
    spec_version: str,
    reproducible: bool,
) -> None:
    """Collect the observed hardware of a server into a CycloneDX HBOM.

    Sources are merged: a part seen by several sources is one component listing each source
    (sovbom:evidence:source). Manufacturer countries come from the supplier registry (the
    supplier's home country, not the part's origin) when the source gives none.

    \b
    Examples:
      sudo dmidecode > dmi.txt; sudo lshw -json > lshw.json; nvidia-smi -q -x > smi.xml
      sovbom collect hardware --dmidecode dmi.txt --lshw lshw.json --nvidia-smi smi.xml \\
          -o hw.cdx.json
      sovbom collect hardware --redfish https://bmc.example --ca-bundle bmc-ca.pem -o hw.cdx.json
      sovbom collect hardware --redfish https://bmc.example --challenge --capture-revocation \\
          -o hw.cdx.json   # signed SPDM measurements and OCSP/CRL, for verify-hardware
      sudo sovbom collect hardware --local -o hw.cdx.json

    \b
    --challenge sends each SPDM responder the BMC lists (ComponentIntegrity) a fresh random
    32-byte nonce, slot 0 and "all measurements" (SPDMGetSignedMeasurements) and keeps the
    signed transcript with that nonce; --capture-revocation fetches the OCSP response or CRL of
    every device certificate collected. Both are kept in the HBOM for offline verification.
    """
    from sovbom.collect.hardware import collect_hardware
    from sovbom.cyclonedx.writer import write_bom

    if not sources.any():
        raise click.UsageError(f"give at least one source: {source_options()}")
    stdin_users = sources.stdin_readers()
    if len(stdin_users) > 1:
        raise click.UsageError(
            f"only one source can read standard input ('-'), not {' and '.join(stdin_users)}"
        )
    if sources.connection.challenge and "redfish" not in sources.given:
        raise click.UsageError("--challenge needs a live BMC (--redfish URL)")
    if output != "-" and output in sources.files():
        raise click.UsageError(f"the output {output!r} is also an input")

    collected = collect_hardware(sources, spec_version=spec_version)
    for note in collected.notes:
        log.warning("%s", note)
    if not collected.complete and on_incomplete == OnIncomplete.FAIL.value:
        detail = "; ".join(collected.notes) or "a source could not be read completely"
        raise InputError(
            f"the collection is incomplete (--on-incomplete fail), nothing written: {detail}"
        )
    write_bom(output, collected.doc, reproducible=reproducible)
