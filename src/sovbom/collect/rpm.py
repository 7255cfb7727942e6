"""Installed RPM packages, through the ``rpm`` command's query format.

``rpm -qa --queryformat`` prints, per package, its name, epoch, version, release, architecture,
vendor, packager, licence, source RPM, summary, and the lists of what it requires and provides.
Requirements are resolved against the provides of installed packages (file requirements through
the packages' files are not looked up; ``rpmlib(...)`` requirements are internal to rpm).
:func:`parse_query_output` does the parsing, so it is tested without an rpm database.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # noqa: S404 - runs the rpm binary with a fixed argument list
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packageurl import PackageURL

from sovbom import taxonomy as tx
from sovbom.collect.dpkg import OsInfo
from sovbom.cyclonedx.document import DEFAULT_WRITE_VERSION, BomDocument, new_document
from sovbom.errors import InputError, OperationalError

FIELD_SEP = "\x1f"
LIST_SEP = "\x1d"
RECORD_SEP = "\x1e"
_FIELDS = (
    "NAME",
    "EPOCHNUM",
    "VERSION",
    "RELEASE",
    "ARCH",
    "VENDOR",
    "PACKAGER",
    "LICENSE",
    "SOURCERPM",
    "SUMMARY",
)
#: The --queryformat: scalar fields, then [requires] and [provides] lists.
QUERY_FORMAT = (
    FIELD_SEP.join(f"%{{{f}}}" for f in _FIELDS)
    + FIELD_SEP
    + f"[%{{REQUIRENAME}}{LIST_SEP}]"
    + FIELD_SEP
    + f"[%{{PROVIDENAME}}{LIST_SEP}]"
    + RECORD_SEP
)
RPM_DB_PATHS = ("/var/lib/rpm", "/usr/lib/sysimage/rpm")
PROP_MANAGER = tx.PACKAGE_MANAGER
PROP_SOURCE = tx.PACKAGE_SOURCE
PROP_ARCH = tx.PACKAGE_ARCH


@dataclass(slots=True)
class RpmResult:
    doc: BomDocument
    packages: int
    notes: list[str] = field(default_factory=list)


def rpm_database_present(root: str = "/") -> bool:
    return shutil.which("rpm") is not None and any(
        (Path(root) / p.lstrip("/")).is_dir() for p in RPM_DB_PATHS
    )


def _none(value: str) -> str | None:
    return None if value in ("", "(none)") else value


def _component(f: dict[str, str], purl: str, full_version: str) -> dict[str, Any]:
    """One installed package as a CycloneDX library component."""
    arch = _none(f["ARCH"])
    comp: dict[str, Any] = {"type": "library", "bom-ref": purl}
    vendor = _none(f["VENDOR"])
    if vendor:
        comp["supplier"] = {"name": vendor}
    comp["name"] = f["NAME"]
    comp["version"] = full_version
    summary = _none(f["SUMMARY"])
    if summary:
        comp["description"] = summary
    lic = _none(f["LICENSE"])
    if lic:
        comp["licenses"] = [{"expression": lic}]
    comp["purl"] = purl
    props = [
        {"name": PROP_MANAGER, "value": "rpm"},
        {"name": PROP_ARCH, "value": arch or "noarch"},
    ]
    srpm = _none(f["SOURCERPM"])
    if srpm:
        props.append({"name": PROP_SOURCE, "value": srpm})
    comp["properties"] = props
    return comp


def _dependencies(
    packages: list[tuple[dict[str, Any], list[str]]], provides: dict[str, str]
) -> tuple[dict[str, list[str]], int]:
    """Each package's requirements resolved through what the installed packages provide."""
    deps: dict[str, list[str]] = {}
    unresolved = 0
    for comp, requires in packages:
        targets: dict[str, None] = {}
        for req in requires:
            if req.startswith("rpmlib(") or req.startswith("/"):
                continue
            target = provides.get(req)
            if target is None:
                unresolved += 1
            elif target != comp["bom-ref"]:
                targets[target] = None
        deps[comp["bom-ref"]] = list(targets)
    return deps, unresolved


def parse_query_output(
    text: str,
    source: str,
    *,
    os_info: OsInfo | None = None,
    spec_version: str = DEFAULT_WRITE_VERSION,
) -> RpmResult:
    """Build the SBOM from the output of ``rpm -qa --queryformat QUERY_FORMAT``."""
    os_info = os_info or OsInfo(id="rpm")
    notes: list[str] = []
    records = [r for r in text.split(RECORD_SEP) if r.strip("\n")]
    packages: list[tuple[dict[str, Any], list[str]]] = []
    provides: dict[str, str] = {}
    seen: set[str] = set()
    for i, record in enumerate(records):
        parts = record.lstrip("\n").split(FIELD_SEP)
        if len(parts) != len(_FIELDS) + 2:
            raise InputError(
                f"expected {len(_FIELDS) + 2} fields, found {len(parts)}",
                source=source,
                location=f"record {i + 1}",
            )
        f = dict(zip(_FIELDS, parts[: len(_FIELDS)], strict=True))
        name, version, release, arch = f["NAME"], f["VERSION"], f["RELEASE"], _none(f["ARCH"])
        if not name or not version:
            raise InputError(
                "package without name or version", source=source, location=f"record {i + 1}"
            )
        epoch = _none(f["EPOCHNUM"])
        full_version = f"{version}-{release}" if release else version
        qualifiers = {"arch": arch or "noarch"}
        if epoch and epoch != "0":
            qualifiers["epoch"] = epoch
        if os_info.version_id:
            qualifiers["distro"] = f"{os_info.id}-{os_info.version_id}"
        purl = PackageURL(
            type="rpm", namespace=os_info.id, name=name, version=full_version, qualifiers=qualifiers
        ).to_string()
        if purl in seen:
            notes.append(f"{source}: record {i + 1}: {purl} listed twice; the first is kept")
            continue
        seen.add(purl)
        comp = _component(f, purl, full_version)
        requires = [r for r in parts[len(_FIELDS)].split(LIST_SEP) if r]
        for p in parts[len(_FIELDS) + 1].split(LIST_SEP):
            if p:
                provides.setdefault(p, purl)
        provides.setdefault(name, purl)
        packages.append((comp, requires))
    deps, unresolved = _dependencies(packages, provides)
    if unresolved:
        notes.append(f"{source}: {unresolved} requirement(s) provided by no installed package")
    root = os_info.to_cdx()
    deps[root["bom-ref"]] = [c["bom-ref"] for c, _ in packages]
    doc = new_document(root, [c for c, _ in packages], deps, spec_version=spec_version)
    return RpmResult(doc=doc, packages=len(packages), notes=notes)


def collect_rpm(
    *,
    dbpath: str | os.PathLike[str] | None = None,
    os_info: OsInfo | None = None,
    spec_version: str = DEFAULT_WRITE_VERSION,
    timeout: float = 120.0,
) -> RpmResult:
    """Query the rpm database of this machine (or ``dbpath``)."""
    exe = shutil.which("rpm")
    if exe is None:
        raise OperationalError(
            "the 'rpm' command is not available", hint="install rpm or leave out --rpm"
        )
    args = [exe, "-qa", "--queryformat", QUERY_FORMAT]
    if dbpath is not None:
        args[1:1] = ["--dbpath", str(dbpath)]
    try:
        proc = subprocess.run(args, capture_output=True, timeout=timeout, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired) as e:
        raise OperationalError(f"running rpm failed: {e}") from e
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", errors="replace").strip()[:300]
        raise OperationalError(f"rpm -qa failed (exit {proc.returncode}): {message}")
    return parse_query_output(
        proc.stdout.decode("utf-8", errors="replace"),
        "rpm -qa" + (f" --dbpath {dbpath}" if dbpath else ""),
        os_info=os_info,
        spec_version=spec_version,
    )
