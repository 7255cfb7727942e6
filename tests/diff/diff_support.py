"""Two versions of the 8-GPU sample server, made from ``samples/`` by a script: what changed
between them is known, so the diff can be checked against it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
HGX = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"

NEW_BMC_FIRMWARE = "2.17.1-ycs1"
NEW_GPU_SERIAL = "SAMPLE-GPU-9999"
PACKAGE_PURL = "pkg:generic/ycs/bmc-agent@1.4.2"


def find(node: dict[str, Any], ref: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The component with ``ref`` under ``node`` (a document or a component), and its parent."""
    stack: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    root = node.get("metadata", {}).get("component")
    if root is not None:
        stack.append((root, None))
    stack.extend((c, None) for c in node.get("components", []))
    while stack:
        comp, parent = stack.pop()
        if comp.get("bom-ref") == ref:
            return comp, parent
        stack.extend((c, comp) for c in comp.get("components", []))
    raise KeyError(ref)


def detach(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    comp, parent = find(doc, ref)
    siblings = parent["components"] if parent is not None else doc["components"]
    siblings.remove(comp)
    doc["dependencies"] = [
        {**d, "dependsOn": [x for x in d.get("dependsOn", []) if x != ref]}
        for d in doc.get("dependencies", [])
        if d.get("ref") != ref
    ]
    return comp


def set_prop(comp: dict[str, Any], name: str, value: str) -> None:
    for p in comp["properties"]:
        if p["name"] == name:
            p["value"] = value
            return
    comp["properties"].append({"name": name, "value": value})


def version_two(doc: dict[str, Any]) -> dict[str, Any]:
    """The server's next version: a firmware update, a GPU swapped, a DIMM removed, a package
    added, a NIC moved from the chassis onto the baseboard's riser."""
    new = copy.deepcopy(doc)
    new["version"] = doc.get("version", 1) + 1
    new["serialNumber"] = "urn:uuid:6a4a0f0e-33c1-4e38-9d1f-0b3f2f9c7e21"
    bmc_fw, _ = find(new, "fw:chassis/baseboard/bmc/bmc-fw")
    bmc_fw["version"] = NEW_BMC_FIRMWARE
    gpu, _ = find(new, "hw:chassis/hgx/gpu3")
    set_prop(gpu, "cdx:device:serialNumber", NEW_GPU_SERIAL)
    detach(new, "hw:chassis/baseboard/dimm5")
    nic = detach(new, "hw:chassis/nic2")
    baseboard, _ = find(new, "hw:chassis/baseboard")
    baseboard["components"].append(nic)
    new["components"].append(
        {
            "type": "application",
            "bom-ref": "sw:bmc-agent",
            "name": "bmc-agent",
            "version": "1.4.2",
            "purl": PACKAGE_PURL,
            "licenses": [{"license": {"id": "Apache-2.0"}}],
        }
    )
    return new


def write_versions(directory: Path) -> tuple[Path, Path]:
    """``v1.cdx.json`` (the sample as is) and ``v2.cdx.json`` (:func:`version_two`)."""
    doc = json.loads(HGX.read_bytes())
    a, b = directory / "v1.cdx.json", directory / "v2.cdx.json"
    a.write_bytes(HGX.read_bytes())
    b.write_text(json.dumps(version_two(doc), indent=2) + "\n")
    return a, b
