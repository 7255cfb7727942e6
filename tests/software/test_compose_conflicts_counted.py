"""A conflict found on several identical units is reported once, with how many times."""

from __future__ import annotations

import copy
from typing import Any

from sovbom.compose import compose_server_bom
from sovbom.cyclonedx.reader import LoadedBom

VBIOS = "pkg:generic/nvidia/vbios@96.00.1"


def _server(description: str, n: int, serial_prefix: str) -> dict[str, Any]:
    gpus = [
        {
            "type": "device",
            "bom-ref": f"{serial_prefix}gpu{i}",
            "name": "GPU",
            "properties": [{"name": "cdx:device:serialNumber", "value": f"GPU-{i}"}],
            "components": [
                {
                    "type": "firmware",
                    "bom-ref": f"{serial_prefix}gpu{i}/vbios",
                    "name": "VBIOS",
                    "purl": VBIOS,
                    "description": description,
                }
            ],
        }
        for i in range(n)
    ]
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "component": {
                "type": "device",
                "bom-ref": "srv",
                "name": "server",
                "properties": [{"name": "cdx:device:serialNumber", "value": "SRV-1"}],
            }
        },
        "components": gpus,
    }


def test_the_same_conflict_on_eight_units_is_one_line_with_a_count() -> None:
    base = _server("from the factory", 8, "f:")
    observed = LoadedBom(
        copy.deepcopy(_server("as observed", 8, "o:")), "1.6", "obs.json", "json", b""
    )
    result = compose_server_bom(base, [observed], base_source="factory.yaml")
    vbios = [c for c in result.conflicts if VBIOS in c]
    assert len(vbios) == 1, result.conflicts
    assert "'description' differs" in vbios[0]
    assert vbios[0].endswith("(8 times)")
    assert len(result.conflicts) == len(set(result.conflicts))


def test_a_single_conflict_has_no_count() -> None:
    base = _server("from the factory", 1, "f:")
    observed = LoadedBom(_server("as observed", 1, "o:"), "1.6", "obs.json", "json", b"")
    result = compose_server_bom(base, [observed], base_source="factory.yaml")
    assert [c for c in result.conflicts if VBIOS in c and "times)" not in c]
