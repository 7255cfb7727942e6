"""``sovbom build``: a server's BOM from a factory manifest and/or other BOMs."""

from __future__ import annotations

import click

from sovbom.cli._common import bom_output_options, cli, output_option
from sovbom.cyclonedx.writer import write_bom
from sovbom.errors import InputError
from sovbom.manifest import build_hbom


@cli.command()
@click.option(
    "-m",
    "--manifest",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Factory manifest (YAML or JSON, schemas/manifest.schema.json).",
)
@click.option(
    "--add",
    "additions",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="An HBOM or SBOM to compose into the server BOM (repeatable).",
)
@output_option(help_text="Output CycloneDX JSON file ('-' for stdout).")
@bom_output_options
def build(
    manifest: str | None,
    additions: tuple[str, ...],
    output: str,
    spec_version: str,
    reproducible: bool,
) -> None:
    """Build a server's CycloneDX BOM.

    From a factory manifest alone, the server's HBOM: the server as metadata.component, its parts
    nested, firmware linked to the part it runs on. With --add, HBOMs and SBOMs composed into one
    server BOM.

    \b
    Examples:
      sovbom build --manifest samples/hgx-jp-8gpu.manifest.yaml -o hgx.cdx.json --reproducible
      sovbom build --manifest m.yaml --add os.cdx.json --add gpu-fw.cdx.json -o server.cdx.json
    """
    if manifest is None and not additions:
        raise click.UsageError("give --manifest, --add, or both")
    base = build_hbom(manifest, spec_version=spec_version) if manifest else None
    if additions:
        from sovbom.compose import compose_server_bom
        from sovbom.cyclonedx.reader import load_bom

        result = compose_server_bom(base, [load_bom(a) for a in additions], spec_version=spec_version)
        for conflict in result.conflicts:
            click.echo(f"sovbom: conflict: {conflict}", err=True)
        doc = result.doc
    elif base is not None:
        doc = base
    else:  # pragma: no cover - excluded by the usage check above
        raise InputError("nothing to build")
    write_bom(output, doc, reproducible=reproducible)
