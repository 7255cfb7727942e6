"""A large synthetic server for the HTML report: ~200 hardware parts and 5,000 packages.

Countries are mixed (domestic, approved, other, unknown), some names are hostile HTML, a BMC
firmware depends on an openssl package (a dependency path across the tree).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HOSTILE = ("<script>alert(1)</script>", '"><img src=x onerror=alert(2)>')

POLICY = """domestic_countries: [JP]
approved_countries: [US, TW, DE, KR]
denied_countries: [KP]
critical_types: [firmware, bmc, tpm]
require_origin: true
verification: {critical: declared, default: declared}
"""


def _part(ref: str, name: str, cls: str, country: str | None, **extra: Any) -> dict[str, Any]:
    props = [{"name": "sovbom:class", "value": cls}]
    if country:
        props.append({"name": "sovbom:origin:country", "value": country})
    comp: dict[str, Any] = {"type": "device", "bom-ref": ref, "name": name, "properties": props}
    comp.update(extra)
    return comp


def _fw(ref: str, name: str, version: str, country: str | None) -> dict[str, Any]:
    comp: dict[str, Any] = {"type": "firmware", "bom-ref": ref, "name": name, "version": version}
    if country:
        comp["supplier"] = {"name": f"{name} vendor", "address": {"country": country}}
    return comp


def server(packages: int = 5000) -> dict[str, Any]:
    board: list[dict[str, Any]] = []
    for i in range(2):
        cpu = _part(f"cpu{i}", "Generic 64-core CPU", "cpu", "TW")
        cpu["components"] = [_fw(f"cpu{i}/ucode", "CPU microcode", "0x2b", "US")]
        board.append(cpu)
    board += [_part(f"dimm{i}", "64GB DDR5 RDIMM", "memory", "KR") for i in range(32)]
    bmc = _part("bmc", "BMC controller", "bmc", "TW")
    bmc["components"] = [_fw("bmc/fw", "BMC firmware", "2.1", "JP")]
    board.append(bmc)
    board.append(_part("tpm", "TPM 2.0 module", "tpm", None))
    board.append(_part("hostile1", HOSTILE[0], "other", "CN"))
    board.append(_part("hostile2", HOSTILE[1], "other", "KP"))
    baseboard = _part("board", "Dual-socket baseboard", "baseboard", "JP", components=board)
    chassis_parts: list[dict[str, Any]] = [baseboard]
    for i in range(8):
        gpu = _part(f"gpu{i}", "Accelerator 141GB", "gpu", "TW")
        gpu["components"] = [_fw(f"gpu{i}/vbios", "Accelerator VBIOS", "1.0", "US")]
        chassis_parts.append(gpu)
    for i in range(10):
        nic = _part(f"nic{i}", "200GbE NIC", "nic", "CN" if i == 3 else "US")
        nic["components"] = [_fw(f"nic{i}/fw", "NIC firmware", "5.4", "US")]
        chassis_parts.append(nic)
    for i in range(24):
        ssd = _part(f"ssd{i}", "7.68TB NVMe SSD", "storage", "JP")
        ssd["components"] = [_fw(f"ssd{i}/fw", "SSD firmware", "0104", "JP")]
        chassis_parts.append(ssd)
    chassis_parts += [_part(f"psu{i}", "3000W PSU", "psu", "TW") for i in range(6)]
    chassis_parts += [
        _part(f"fan{i}", "80mm fan", "fan", "MY" if i < 12 else None) for i in range(16)
    ]
    chassis_parts += [_part(f"cable{i}", "PCIe cable", "cable", "JP") for i in range(30)]
    chassis = _part("chassis", "4U chassis", "chassis", "JP", components=chassis_parts)
    pkgs = []
    for i in range(packages):
        country = "JP" if i % 3 else "US"
        if i % 250 == 7:
            country = "RU"
        pkg: dict[str, Any] = {
            "type": "library",
            "bom-ref": f"pkg{i}",
            "name": "openssl" if i == 0 else f"lib-package-{i}",
            "version": f"1.{i % 17}.{i % 5}",
            "purl": f"pkg:deb/debian/{'openssl' if i == 0 else f'lib-package-{i}'}@1.{i % 17}",
        }
        if i % 500 != 11:  # a few with nobody saying where they come from
            pkg["supplier"] = {"name": "distro", "address": {"country": country}}
        pkgs.append(pkg)
    os_comp = {
        "type": "operating-system",
        "bom-ref": "os",
        "name": "Linux distribution",
        "version": "12",
        "supplier": {"name": "distro", "address": {"country": "JP"}},
        "components": pkgs,
    }
    deps = [
        {"ref": "server", "dependsOn": ["chassis", "os"]},
        {"ref": "bmc/fw", "dependsOn": ["pkg0", "pkg7"]},
        {"ref": "pkg7", "dependsOn": ["pkg257"]},
    ]
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:uuid:0b7e2f5c-9c7a-4a8e-8f3e-2d2f6d1e9a10",
        "version": 1,
        "metadata": {
            "component": {
                "type": "device",
                "bom-ref": "server",
                "name": "Synthetic 8-GPU server",
                "properties": [
                    {"name": "sovbom:class", "value": "server"},
                    {"name": "sovbom:origin:country", "value": "JP"},
                ],
            }
        },
        "components": [chassis, os_comp],
        "dependencies": deps,
    }


def write(d: Path, packages: int = 5000) -> tuple[Path, Path]:
    bom = d / "synthetic.cdx.json"
    bom.write_text(json.dumps(server(packages)))
    policy = d / "synthetic-policy.yaml"
    policy.write_text(POLICY)
    return bom, policy
