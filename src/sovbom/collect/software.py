"""The software of a machine as one CycloneDX SBOM: package databases, Python environments and
imported SBOMs, composed under the first source's root."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sovbom._io import display_name, read_bytes
from sovbom.collect import dpkg, python_env, rpm
from sovbom.collect.sbom_import import parse_sbom, read_sbom
from sovbom.cyclonedx.document import tool_entry
from sovbom.cyclonedx.reader import LoadedBom
from sovbom.errors import InputError

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SoftwareSources:
    """Where the software comes from (``sovbom collect software``'s options)."""

    dpkg_status: str | None = None
    use_rpm: bool = False
    rpm_dbpath: str | None = None
    python_envs: Sequence[str] = ()
    sboms: Sequence[str] = ()
    os_info: dpkg.OsInfo | None = None

    def any(self) -> bool:
        return bool(self.dpkg_status or self.use_rpm or self.python_envs or self.sboms)


@dataclass(slots=True)
class SoftwareCollection:
    doc: dict[str, Any]
    #: notes on conversions (for the log)
    notes: list[str] = field(default_factory=list)
    #: the same package described differently by two sources
    conflicts: list[str] = field(default_factory=list)


def read_os_info(os_release: str | None, *, local: bool) -> dpkg.OsInfo | None:
    """The operating system an os-release file names (with ``local``: this machine's, if any)."""
    if os_release:
        os_info = dpkg.read_os_release(os_release)
        if os_info is None:
            raise InputError("cannot read the os-release file", source=os_release)
        return os_info
    if local:
        return dpkg.read_os_release(dpkg.DEFAULT_OS_RELEASE)
    return None


def add_local_databases(sources: SoftwareSources) -> None:
    """Add this machine's dpkg status and rpm database to ``sources``, where present."""
    if sources.dpkg_status is None and Path(dpkg.DEFAULT_STATUS).is_file():
        sources.dpkg_status = dpkg.DEFAULT_STATUS
    if not sources.use_rpm and rpm.rpm_database_present():
        sources.use_rpm = True


def collect_software(sources: SoftwareSources, *, spec_version: str) -> SoftwareCollection:
    """Read every source and compose one SBOM (a lone imported SBOM is kept as it is)."""
    boms, notes = _package_boms(sources, spec_version)
    if len(boms) == 0 and len(sources.sboms) == 1:
        path = sources.sboms[0]
        imported = parse_sbom(read_bytes(path), display_name(path), spec_version=spec_version)
        tools_as_components(imported.doc)
        return SoftwareCollection(imported.doc, [*notes, *imported.notes])
    from sovbom.compose import compose_software

    boms.extend(read_sbom(read_bytes(s), display_name(s)) for s in sources.sboms)
    result = compose_software(boms, spec_version=spec_version)
    return SoftwareCollection(result.doc, [*notes, *result.notes], list(result.conflicts))


def _package_boms(sources: SoftwareSources, spec_version: str) -> tuple[list[LoadedBom], list[str]]:
    """One BOM per package database and Python environment, with their notes."""
    boms: list[LoadedBom] = []
    notes: list[str] = []
    if sources.dpkg_status:
        d = dpkg.collect_dpkg(
            sources.dpkg_status, os_info=sources.os_info, spec_version=spec_version
        )
        notes += d.notes
        boms.append(_loaded(d.doc, sources.dpkg_status, spec_version))
        log.info("%s: %d installed packages", sources.dpkg_status, d.packages)
    if sources.use_rpm:
        r = rpm.collect_rpm(
            dbpath=sources.rpm_dbpath, os_info=sources.os_info, spec_version=spec_version
        )
        notes += r.notes
        boms.append(_loaded(r.doc, "rpm", spec_version))
        log.info("rpm: %d installed packages", r.packages)
    for env in sources.python_envs:
        p = python_env.collect_python_env(env, spec_version=spec_version)
        notes += p.notes
        boms.append(_loaded(p.doc, env, spec_version))
        log.info("%s: %d distributions", env, p.packages)
    return boms, notes


def _loaded(doc: dict[str, Any], source: str, spec_version: str) -> LoadedBom:
    return LoadedBom(doc=doc, spec_version=spec_version, source=source, format="json", raw=b"")


def tools_as_components(doc: dict[str, Any]) -> None:
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
