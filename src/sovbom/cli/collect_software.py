"""``sovbom collect software``: an SBOM of installed packages and imported SBOMs."""

from __future__ import annotations

import logging

import click

from sovbom.cli._common import bom_output_options, output_option, warn
from sovbom.cli.collect import collect
from sovbom.collect import dpkg
from sovbom.cyclonedx.writer import write_bom
from sovbom.errors import InputError

log = logging.getLogger("sovbom.collect.software")


@collect.command("software")
@click.option(
    "--dpkg-status",
    type=click.Path(dir_okay=False, allow_dash=True),
    help=f"A dpkg status file (with --local: {dpkg.DEFAULT_STATUS} when present).",
)
@click.option("--rpm", "use_rpm", is_flag=True, help="Query the rpm database with the rpm command.")
@click.option(
    "--rpm-dbpath", type=click.Path(file_okay=False), help="rpm database to query (--rpm)."
)
@click.option(
    "--python-env",
    "python_envs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="A Python environment (venv, prefix or site-packages folder); repeatable.",
)
@click.option(
    "--sbom",
    "sboms",
    multiple=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Import a CycloneDX (JSON/XML, 1.2-1.7) or SPDX 2.x JSON SBOM; repeatable.",
)
@click.option(
    "--local",
    is_flag=True,
    help="Read this machine: its dpkg status, rpm database and /etc/os-release, when present.",
)
@click.option(
    "--os-release",
    type=click.Path(dir_okay=False),
    help="os-release file naming the operating system (default with --local: /etc/os-release).",
)
@output_option(help_text="Output CycloneDX JSON file ('-' for stdout).")
@bom_output_options
def software(
    dpkg_status: str | None,
    use_rpm: bool,
    rpm_dbpath: str | None,
    python_envs: tuple[str, ...],
    sboms: tuple[str, ...],
    local: bool,
    os_release: str | None,
    output: str,
    spec_version: str,
    reproducible: bool,
) -> None:
    """Collect the software of a machine as a CycloneDX SBOM.

    Sources: installed Debian packages (dpkg status), RPM packages (the rpm command), the
    distributions of Python environments, and SBOMs made by other tools (Syft, Trivy, cdxgen ...).
    With several sources, the first one's root (the operating system for packages) is the root and
    the others are placed beneath it; the same package (same purl) from two sources is one
    component. Notes on conversions are logged (-v shows them).

    \b
    Examples:
      sovbom collect software --local -o host.cdx.json
      sovbom collect software --dpkg-status status.txt --os-release os-release -o os.cdx.json
      sovbom collect software --sbom image.spdx.json --sbom app.cdx.xml -o software.cdx.json
    """
    from sovbom.collect.software import (
        SoftwareSources,
        add_local_databases,
        collect_software,
        read_os_info,
    )

    sources = SoftwareSources(
        dpkg_status, use_rpm, rpm_dbpath, python_envs, sboms, read_os_info(os_release, local=local)
    )
    if local:
        add_local_databases(sources)
    if not sources.any():
        if local:
            raise InputError(
                "--local found no package database on this machine (dpkg, rpm)",
                hint="name a source: --dpkg-status, --rpm, --python-env, --sbom",
            )
        raise click.UsageError(
            "give at least one source: --dpkg-status, --rpm, --python-env, --sbom, or --local"
        )
    result = collect_software(sources, spec_version=spec_version)
    for conflict in result.conflicts:
        warn(f"conflict: {conflict}")
    for note in result.notes:
        log.info("%s", note)
    write_bom(output, result.doc, reproducible=reproducible)
