"""``sovbom build``: a server's BOM from a factory manifest and/or other BOMs."""

from __future__ import annotations

import click

from sovbom.cli._common import bom_output_options, cli, output_option, warn
from sovbom.errors import InputError


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
    help="An HBOM or SBOM (CycloneDX JSON/XML or SPDX JSON) to compose into the server BOM"
    " (repeatable). One with a FILE.sigstore.json bundle beside it is linked as a sub-BOM.",
)
@click.option(
    "--sub-bom",
    "sub_boms",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="An SBOM/HBOM its supplier signed separately: composed like --add and linked from the"
    " component it describes (external reference type bom: BOM-Link + SHA-256); repeatable.",
)
@output_option(help_text="Output CycloneDX JSON file ('-' for stdout).")
@bom_output_options
def build(
    manifest: str | None,
    additions: tuple[str, ...],
    sub_boms: tuple[str, ...],
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
      sovbom build --manifest samples/hgx-b200-jp.manifest.yaml -o hgx.cdx.json --reproducible
      sovbom build --manifest m.yaml --add os.cdx.json --add gpu-fw.cdx.json -o server.cdx.json
    """
    if manifest is None and not additions and not sub_boms:
        raise click.UsageError("give --manifest, --add, or both")
    from sovbom.cyclonedx.writer import write_bom
    from sovbom.manifest import build_hbom

    base = build_hbom(manifest, spec_version=spec_version) if manifest else None
    if additions or sub_boms:
        import logging

        from sovbom._io import display_name, read_bytes
        from sovbom.collect.sbom_import import read_sbom
        from sovbom.compose import compose_server_bom

        paths = [*additions, *sub_boms]
        result = compose_server_bom(
            base,
            [read_sbom(read_bytes(a), display_name(a)) for a in paths],
            spec_version=spec_version,
            sub_boms={display_name(s) for s in sub_boms},
        )
        for conflict in result.conflicts:
            warn(f"conflict: {conflict}")
        log = logging.getLogger("sovbom.compose")
        for note in [*result.notes, *(f"sub-BOM linked: {s}" for s in result.sub_boms)]:
            log.info("%s", note)
        if result.merged:
            log.info("%d component(s) merged with their twin from another input", result.merged)
        doc = result.doc
    elif base is not None:
        doc = base
    else:  # pragma: no cover - excluded by the usage check above
        raise InputError("nothing to build")
    write_bom(output, doc, reproducible=reproducible)
