"""``sovbom collect``: observed inventories. ``collect hardware`` builds an observed HBOM."""

from __future__ import annotations

import logging
from enum import StrEnum

import click

from sovbom import taxonomy as tx
from sovbom.cli._common import bom_output_options, cli, enum_choice, output_option
from sovbom.errors import InputError, OperationalError

log = logging.getLogger("sovbom")

NOTE = "sovbom:collection:note"
SOURCE = "sovbom:collection:source"


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
    from sovbom.collect.interface import Inventory
    from sovbom.collect.merge import merge_inventories
    from sovbom.collect.suppliers import apply_registry, registry_for
    from sovbom.cyclonedx.writer import write_bom
    from sovbom.hbom import tree_document

    files = {"--dmidecode": dmidecode_file, "--lshw": lshw_file, "--nvidia-smi": nvidia_smi_file}
    if not any([*files.values(), redfish_url, redfish_mockup, local]):
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

    # Load the registry first: a broken --suppliers file fails before any BMC is contacted.
    registry = registry_for(supplier_files)

    inventories: list[Inventory] = []
    slot_names: dict[str, str] = {}
    extra_notes: list[str] = []
    if redfish_url:
        from sovbom.collect import redfish

        inv, stats = redfish.collect_redfish_with_stats(
            redfish_url,
            username=redfish_username,
            ca_bundle=ca_bundle,
            insecure=insecure,
            timeout=timeout,
            retries=retries,
            concurrency=concurrency,
        )
        _drop_summary(inv, stats.summary())
        inventories.append(inv)
    if redfish_mockup:
        from sovbom.collect import redfish

        inv, stats = redfish.collect_mockup_with_stats(redfish_mockup)
        _drop_summary(inv, stats.summary())
        inventories.append(inv)
    if dmidecode_file:
        from sovbom.collect.dmidecode import collect_dmidecode

        inv, slots = collect_dmidecode(dmidecode_file)
        inventories.append(inv)
        slot_names.update(slots)
    if nvidia_smi_file:
        from sovbom.collect.nvidia_smi import collect_nvidia_smi

        inventories.append(collect_nvidia_smi(nvidia_smi_file))
    if lshw_file:
        from sovbom.collect.lshw import collect_lshw

        inventories.append(collect_lshw(lshw_file))
    if local:
        from sovbom.collect.local import collect_local

        result = collect_local()
        inventories.extend(result.inventories)
        for bus, name in result.slot_names.items():
            slot_names.setdefault(bus, name)
        extra_notes.extend(f"local: {n}" for n in result.notes)
        if not result.inventories:
            raise OperationalError(
                "--local could not read any hardware source on this host: "
                + "; ".join(result.notes)
            )

    merged = merge_inventories(inventories, slot_names=slot_names)
    apply_registry(merged.root.walk(), registry)
    notes = [*merged.notes, *extra_notes]
    for note in notes:
        log.warning("%s", note)
    if not merged.complete and on_incomplete == OnIncomplete.FAIL.value:
        detail = "; ".join(notes) or "a source could not be read completely"
        raise InputError(
            f"the collection is incomplete (--on-incomplete fail), nothing written: {detail}"
        )
    properties: list[tuple[str, str]] = [(SOURCE, s) for s in merged.sources]
    if not merged.complete:
        properties.append((tx.INCOMPLETE, "true"))
    properties.extend((NOTE, n) for n in notes)
    doc = tree_document(
        merged.root, spec_version=spec_version, kind="observed", properties=properties
    )
    write_bom(output, doc, reproducible=reproducible)


def _drop_summary(inventory: object, summary: str) -> None:
    """The Redfish walk's cost summary (timings) goes to the log, not into the HBOM."""
    notes = getattr(inventory, "notes", None)
    if isinstance(notes, list) and notes and notes[-1] == summary:
        notes.pop()
    log.info("redfish: %s", summary)
