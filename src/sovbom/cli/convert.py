"""``sovbom convert``: a CycloneDX BOM as CycloneDX XML, SPDX 2.3 JSON or SPDX 3.0 JSON-LD."""

from __future__ import annotations

import click

from sovbom._io import write_bytes
from sovbom.cli._common import cli, enum_choice, output_option, warn
from sovbom.convert import Target
from sovbom.errors import ExitCode


@cli.command()
@click.argument("bom", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "-t",
    "--to",
    "target",
    required=True,
    type=enum_choice(Target),
    help="Target format.",
)
@output_option()
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 when the target format cannot carry everything in the BOM.",
)
def convert(bom: str, target: str, output: str, strict: bool) -> None:
    """Convert a CycloneDX BOM (JSON or XML) to another format.

    \b
    Targets:
      cyclonedx-xml-1.6, cyclonedx-xml-1.7   CycloneDX XML (validates against the XSD)
      spdx-2.3                               SPDX 2.3 JSON
      spdx-3.0                               SPDX 3.0.1 JSON-LD (Core, Software profiles)

    Whatever the target cannot carry is listed on stderr, one line per field with the number
    of occurrences; nothing is dropped silently. SPDX 3.0.1 has no Hardware profile yet:
    hardware is written as packages whose primary purpose is 'device'.

    \b
    Exit codes: 0 converted; 1 with --strict, something could not be carried;
    4 unreadable input.
    """
    from sovbom.checking import ensure_valid
    from sovbom.convert import convert as run_convert
    from sovbom.cyclonedx.reader import load_bom

    loaded = load_bom(bom)
    ensure_valid(loaded)  # a BOM that is not schema-valid is bad input (exit 4), not converted
    result = run_convert(loaded, Target(target))
    write_bytes(output, result.data)
    for line in [*result.notes, *result.lost]:
        warn(line)
    if strict and result.lost:
        click.get_current_context().exit(int(ExitCode.FINDINGS))
