"""Factory manifests: a manufacturer's declaration of a server, turned into its HBOM.

The format is described by ``schemas/manifest.schema.json`` (YAML or JSON). Parts nest; each part
has an ``id`` unique among its siblings, and bom-refs are the path of ids (``hw:chassis/cpu0``,
firmware ``fw:chassis/bmc/bmc-fw``), so they are stable across builds.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sovbom import taxonomy as tx
from sovbom._io import display_name, parse_json, parse_yaml, read_bytes
from sovbom.cyclonedx.document import DEFAULT_WRITE_VERSION, BomDocument
from sovbom.errors import InputError
from sovbom.hbom import link_firmware, tree_document
from sovbom.identity.cdx import record_identity
from sovbom.model import Component, EvidenceRef, Organization, ProductionStep
from sovbom.project_schemas import check_against

SCHEMA = "manifest.schema.json"
ROOT_REF = "hw:server"


def load_manifest(path: str | os.PathLike[str]) -> Component:
    """Read, validate and convert a manifest file into the server's component tree."""
    source = display_name(path)
    data = read_bytes(path)
    if not data.strip():
        raise InputError("empty file, expected a sovbom manifest", source=source)
    is_json = Path(str(path)).suffix.lower() == ".json" or data.lstrip()[:1] == b"{"
    raw = parse_json(data, source) if is_json else parse_yaml(data, source)
    check_against(
        raw, SCHEMA, source, yaml_data=None if is_json else data, what="not a valid sovbom manifest"
    )
    return manifest_to_tree(raw, source)


def _org(value: Mapping[str, Any] | None) -> Organization | None:
    if not value:
        return None
    return Organization(name=value["name"], country=value.get("country"), url=value.get("url"))


def _common(comp: Component, spec: Mapping[str, Any]) -> None:
    comp.description = spec.get("description")
    comp.manufacturer = _org(spec.get("manufacturer"))
    comp.supplier = _org(spec.get("supplier"))
    comp.origin_country = spec.get("origin")
    comp.part_number = spec.get("part_number")
    comp.serial = spec.get("serial")
    comp.sku = spec.get("sku")
    comp.production = [_step(s) for s in spec.get("production") or ()]
    comp.hashes = {alg: value.lower() for alg, value in (spec.get("hashes") or {}).items()}
    comp.evidence = [
        EvidenceRef(e["type"], e["url"], e.get("sha256"), e.get("comment"))
        for e in spec.get("evidence") or ()
    ]
    comp.properties = sorted((spec.get("properties") or {}).items())


def _step(s: Mapping[str, Any]) -> ProductionStep:
    value = s.get("value")
    return ProductionStep(
        s["step"],
        s.get("site"),
        s.get("country"),
        s.get("date"),
        subdivision=s.get("subdivision"),
        performed_by=s.get("performed_by"),
        lot=s.get("lot"),
        value=None if value is None else f"{value:g}",
        basis=s.get("basis"),
    )


def _part(spec: Mapping[str, Any], parent_path: str, source: str, where: str) -> Component:
    path = f"{parent_path}/{spec['id']}" if parent_path else spec["id"]
    comp = Component(
        ref=f"hw:{path}",
        name=spec["name"],
        type=spec.get("type", "device"),
        cls=spec["class"],
        version=spec.get("revision"),
        slot=spec.get("slot"),
        bus_address=spec.get("bus_address"),
    )
    _common(comp, spec)
    identity = spec.get("identity")
    if identity:
        record_identity(
            comp,
            device_ids=identity.get("device_ids"),
            fingerprints=identity.get("fingerprints"),
            measurements=identity.get("measurements"),
        )
    _check_unique_ids(spec.get("parts") or (), source, f"{where}.parts")
    _check_unique_ids(spec.get("firmware") or (), source, f"{where}.firmware")
    for fw in spec.get("firmware") or ():
        firmware = Component(
            ref=f"fw:{path}/{fw['id']}",
            name=fw["name"],
            type="firmware",
            cls="firmware",
            version=fw["version"],
            purl=fw.get("purl"),
            cpe=fw.get("cpe"),
        )
        _common(firmware, fw)
        link_firmware(comp, firmware)
    for i, child in enumerate(spec.get("parts") or ()):
        comp.children.append(_part(child, path, source, f"{where}.parts[{i}]"))
    return comp


def _check_unique_ids(items: Any, source: str, where: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item["id"] in seen:
            raise InputError(
                f"id {item['id']!r} is used twice among siblings",
                source=source,
                location=f"{where}[{i}].id",
            )
        seen.add(item["id"])


def manifest_to_tree(raw: Mapping[str, Any], source: str = "<manifest>") -> Component:
    """Convert a validated manifest (parsed JSON/YAML) into the server's component tree."""
    server = raw["server"]
    final = server["final_assembly"]
    root = Component(
        ref=ROOT_REF,
        name=server["name"],
        type="device",
        cls="server",
        version=server.get("revision"),
    )
    _common(root, server)
    root.properties.insert(0, (tx.MODEL, server["model"]))
    steps = [s for s in root.production if s.step != "final-assembly"]
    declared = next((s for s in root.production if s.step == "final-assembly"), None)
    steps.append(
        ProductionStep(
            "final-assembly",
            final["site"],
            final["country"],
            final["date"],
            subdivision=final.get("subdivision"),
            performed_by=final.get("performed_by") or (declared.performed_by if declared else None),
            lot=final.get("lot") or (declared.lot if declared else None),
            value=declared.value if declared else None,
            basis=declared.basis if declared else None,
        )
    )
    root.production = steps
    root.production_date = final["date"]
    if root.origin_country is None:
        # A server's country of origin is where it was finally assembled unless declared otherwise.
        root.origin_country = final["country"]
    _check_unique_ids(raw["parts"], source, "$.parts")
    for i, part in enumerate(raw["parts"]):
        root.children.append(_part(part, "", source, f"$.parts[{i}]"))
    return root


def build_hbom(
    path: str | os.PathLike[str], *, spec_version: str = DEFAULT_WRITE_VERSION
) -> BomDocument:
    """The factory HBOM document of a manifest (not yet finalised)."""
    root = load_manifest(path)
    return tree_document(root, spec_version=spec_version, kind="factory")


__all__ = ["ROOT_REF", "build_hbom", "load_manifest", "manifest_to_tree"]
