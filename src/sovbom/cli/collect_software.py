"""``sovbom collect software``: an SBOM of installed packages and imported SBOMs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from sovbom._io import display_name, read_bytes
from sovbom.cli._common import bom_output_options, output_option, warn
from sovbom.cli.collect import collect
from sovbom.collect import dpkg, python_env, rpm
from sovbom.collect.sbom_import import parse_sbom, read_sbom
from sovbom.cyclonedx.document import tool_entry
from sovbom.cyclonedx.reader import LoadedBom
from sovbom.cyclonedx.writer import write_bom
from sovbom.errors import InputError

log = logging.getLogger("sovbom.collect.software")


def _tools_as_components(doc: dict[str, Any]) -> None:
    """``metadata.tools`` in the 1.5+ form, with sovbom added (legacy entries become components)."""
    metadata = doc.setdefault("metadata", {})
    tools = metadata.get("tools")
    components: list[dict[str, Any]] = []
    if isinstance(tools, list):
        for t in tools:
            if not isinstance(t, dict) or not t.get("name"):
                continue
            c: dict[str, Any] = {"type": "application"}
            if t.get("vendor"):
                c["group"] = t["vendor"]
            c["name"] = t["name"]
            for key in ("version", "hashes", "externalReferences"):
                if t.get(key):
                    c[key] = t[key]
            components.append(c)
        metadata["tools"] = {"components": components}
    elif isinstance(tools, dict):
        metadata["tools"] = tools
    else:
        metadata["tools"] = {"components": components}
    metadata["tools"].setdefault("components", []).append(tool_entry())


def _loaded(doc: dict[str, Any], source: str, spec_version: str) -> LoadedBom:
    return LoadedBom(doc=doc, spec_version=spec_version, source=source, format="json", raw=b"")


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
    os_info: dpkg.OsInfo | None = None
    if os_release:
        os_info = dpkg.read_os_release(os_release)
        if os_info is None:
            raise InputError("cannot read the os-release file", source=os_release)
    elif local:
        os_info = dpkg.read_os_release(dpkg.DEFAULT_OS_RELEASE)
    if local and dpkg_status is None and Path(dpkg.DEFAULT_STATUS).is_file():
        dpkg_status = dpkg.DEFAULT_STATUS
    if local and not use_rpm and rpm.rpm_database_present():
        use_rpm = True
    if not (dpkg_status or use_rpm or python_envs or sboms):
        if local:
            raise InputError(
                "--local found no package database on this machine (dpkg, rpm)",
                hint="name a source: --dpkg-status, --rpm, --python-env, --sbom",
            )
        raise click.UsageError(
            "give at least one source: --dpkg-status, --rpm, --python-env, --sbom, or --local"
        )

    boms: list[LoadedBom] = []
    notes: list[str] = []
    if dpkg_status:
        d = dpkg.collect_dpkg(dpkg_status, os_info=os_info, spec_version=spec_version)
        notes += d.notes
        boms.append(_loaded(d.doc, dpkg_status, spec_version))
        log.info("%s: %d installed packages", dpkg_status, d.packages)
    if use_rpm:
        r = rpm.collect_rpm(dbpath=rpm_dbpath, os_info=os_info, spec_version=spec_version)
        notes += r.notes
        boms.append(_loaded(r.doc, "rpm", spec_version))
        log.info("rpm: %d installed packages", r.packages)
    for env in python_envs:
        p = python_env.collect_python_env(env, spec_version=spec_version)
        notes += p.notes
        boms.append(_loaded(p.doc, env, spec_version))
        log.info("%s: %d distributions", env, p.packages)
    if len(boms) == 0 and len(sboms) == 1:
        imported = parse_sbom(
            read_bytes(sboms[0]), display_name(sboms[0]), spec_version=spec_version
        )
        notes += imported.notes
        doc = imported.doc
        _tools_as_components(doc)
    else:
        from sovbom.compose import compose_software

        boms.extend(read_sbom(read_bytes(s), display_name(s)) for s in sboms)
        result = compose_software(boms, spec_version=spec_version)
        notes += result.notes
        for conflict in result.conflicts:
            warn(f"conflict: {conflict}")
        doc = result.doc
    for note in notes:
        log.info("%s", note)
    write_bom(output, doc, reproducible=reproducible)
