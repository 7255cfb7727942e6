"""``sovbom collect``: observed inventories. ``collect hardware`` builds an observed HBOM."""

from __future__ import annotations

import logging
from enum import StrEnum

import click

from sovbom.cli._common import bom_output_options, cli, enum_choice, output_option
from sovbom.collect.hardware import NOTE, SOURCE
from sovbom.errors import InputError

log = logging.getLogger("sovbom")

__all__ = ["NOTE", "SOURCE", "OnIncomplete", "collect", "hardware"]


class OnIncomplete(StrEnum):
    MARK = "mark"
    FAIL = "fail"


@cli.group()
def collect() -> None:
    """Collect what a server actually contains (observed inventories)."""


@collect.command("hardware")
@click.option(
    "--dmidecode",
    "dmidecode_file",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Text output of `dmidecode` ('-' for stdin).",
)
@click.option(
    "--lshw",
    "lshw_file",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Output of `lshw -json` or `lshw -xml`.",
)
@click.option(
    "--nvidia-smi",
    "nvidia_smi_file",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Output of `nvidia-smi -q -x` (XML) or `nvidia-smi -q` (text).",
)
@click.option(
    "--redfish",
    "redfish_url",
    metavar="URL",
    help="A BMC's Redfish service (https://bmc.example). Credentials:"
    " SOVBOM_REDFISH_USERNAME / SOVBOM_REDFISH_PASSWORD or ~/.netrc.",
)
@click.option(
    "--redfish-mockup",
    "redfish_mockup",
    type=click.Path(file_okay=False, exists=False),
    metavar="DIR",
    help="A Redfish mockup directory (DMTF Mockup Creator layout).",
)
@click.option(
    "--redfish-username",
    metavar="USER",
    help="Redfish user (password from the environment or netrc).",
)
@click.option(
    "--ca-bundle", type=click.Path(dir_okay=False), help="CA certificates to verify the BMC with."
)
@click.option("--insecure", is_flag=True, help="Do not verify the BMC's TLS certificate (warns).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Per-request timeout for the BMC, in seconds.",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=2,
    show_default=True,
    help="Retries per BMC request.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Parallel requests to the BMC.",
)
@click.option(
    "--local",
    is_flag=True,
    help="Run this host's dmidecode, lshw and nvidia-smi (/sys/class/dmi/id without root).",
)
@click.option(
    "--suppliers",
    "supplier_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Supplier registry (YAML/JSON, schemas/suppliers.schema.json) tried before the"
    " default one (repeatable).",
)
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
    dmidecode_file: str | None,
    lshw_file: str | None,
    nvidia_smi_file: str | None,
    redfish_url: str | None,
    redfish_mockup: str | None,
    redfish_username: str | None,
    ca_bundle: str | None,
    insecure: bool,
    timeout: float,
    retries: int,
    concurrency: int,
    local: bool,
    supplier_files: tuple[str, ...],
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
      sovbom collect hardware --dmidecode dmi.txt --lshw lshw.json --nvidia-smi smi.xml \
          -o hw.cdx.json
      sovbom collect hardware --redfish https://bmc.example --ca-bundle bmc-ca.pem -o hw.cdx.json
      sudo sovbom collect hardware --local -o hw.cdx.json
    """
    from sovbom.collect.hardware import HardwareSources, collect_hardware
    from sovbom.cyclonedx.writer import write_bom

    sources = HardwareSources(
        dmidecode=dmidecode_file,
        lshw=lshw_file,
        nvidia_smi=nvidia_smi_file,
        redfish_url=redfish_url,
        redfish_mockup=redfish_mockup,
        redfish_username=redfish_username,
        ca_bundle=ca_bundle,
        insecure=insecure,
        timeout=timeout,
        retries=retries,
        concurrency=concurrency,
        local=local,
        suppliers=supplier_files,
    )
    files = sources.files()
    if not sources.any():
        raise click.UsageError(
            "give at least one source: --dmidecode, --lshw, --nvidia-smi, --redfish,"
            " --redfish-mockup or --local"
        )
    stdin_users = [name for name, value in files.items() if value == "-"]
    if len(stdin_users) > 1:
        raise click.UsageError(
            f"only one source can read standard input ('-'), not {' and '.join(stdin_users)}"
        )
    if output != "-" and output in files.values():
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
