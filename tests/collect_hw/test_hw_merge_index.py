"""The merge's index gives the same tree as scanning the whole tree for each part, and scales."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from sovbom.collect import merge
from sovbom.collect.interface import Inventory
from sovbom.collect.lshw import inventory_from_nodes
from sovbom.collect.merge import merge_inventories
from sovbom.collect.nvidia_smi import inventory_from_log, parse_nvidia_smi
from sovbom.hbom import link_firmware
from sovbom.model import Component


class _ScanningMerger(merge._Merger):
    """The reference: the first part of a depth-first walk of the tree that matches."""

    def _find(self, new: Component, source: str) -> Component | None:
        for c in self.root.walk():
            if c is not self.root and self._matches(c, new, source):
                return c
        return None


_CLASSES = ("memory", "cpu", "gpu", "psu", "baseboard", "chassis", "tpm", "bmc")


def _maybe(rng: random.Random, pool: list[str], p: float = 0.5) -> str | None:
    return rng.choice(pool) if rng.random() < p else None


def _inventories(seed: int) -> list[Inventory]:
    """Three sources whose parts share serials, slots, bus addresses and firmware refs at
    random: many candidates, ties and contradictions."""
    rng = random.Random(seed)
    serials = [f"SN{i}" for i in range(6)] + ["sn0 "]
    slots = [f"Slot {i}" for i in range(5)] + ["slot  1"]
    buses = [f"0000:{i:02x}:00.0" for i in range(4)]
    parts = [f"PN-{i}" for i in range(3)]
    fw_refs = ["fw:bios", "fw:a", "fw:b"]
    out: list[Inventory] = []
    for source in ("redfish", "dmidecode", "lshw"):
        inv = Inventory(source=source)
        for i in range(rng.randint(0, 12)):
            comp = Component(
                ref=f"hw:{source}:{i}",
                name=rng.choice(["part", "Part", "other"]),
                cls=rng.choice(_CLASSES),
                serial=_maybe(rng, serials),
                slot=_maybe(rng, slots, 0.4),
                bus_address=_maybe(rng, buses, 0.3),
                part_number=_maybe(rng, parts, 0.3),
                version=_maybe(rng, ["1", "2"], 0.3),
                seen_by=[source],
            )
            for _ in range(rng.randint(0, 2)):
                fw = Component(
                    ref=rng.choice(fw_refs),
                    name=rng.choice(["BIOS", "firmware"]),
                    type="firmware",
                    version=_maybe(rng, ["1.0", "2.0"], 0.7),
                    seen_by=[source],
                )
                link_firmware(comp, fw)
            if rng.random() < 0.2 and inv.parts:
                inv.parts[-1].children.append(comp)
            else:
                inv.parts.append(comp)
        if rng.random() < 0.7:
            inv.system = Component(ref="hw:server", name="server", cls="server",
                                   serial=_maybe(rng, serials), seen_by=[source])  # fmt: skip
        out.append(inv)
    return out


def _tree(root: Component) -> Any:
    return json.dumps(root.to_cdx(), sort_keys=True)


@pytest.mark.parametrize("seed", range(300))
def test_index_gives_the_scanning_result(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    indexed = merge_inventories(_inventories(seed))
    monkeypatch.setattr(merge, "_Merger", _ScanningMerger)
    scanned = merge_inventories(_inventories(seed))
    assert _tree(indexed.root) == _tree(scanned.root)
    assert indexed.notes == scanned.notes


def test_20000_gpus_seen_by_two_sources_are_20000_parts() -> None:
    n = 20_000
    buses = [f"0000:{i // 256:02x}:{i % 32:02x}.{i // 32 % 8}" for i in range(n)]
    xml = "".join(f'<gpu id="{b}"><serial>GPU{i:07d}</serial></gpu>' for i, b in enumerate(buses))
    log = parse_nvidia_smi(
        f"<nvidia_smi_log><attached_gpus>{n}</attached_gpus>{xml}</nvidia_smi_log>".encode(),
        "gpus.xml",
    )
    nodes = [
        {"id": "box", "class": "system", "children": [
            {"id": f"display:{i}", "class": "display", "vendor": "NVIDIA Corporation",
             "businfo": f"pci@{b}"} for i, b in enumerate(buses)
        ]}
    ]  # fmt: skip
    result = merge_inventories([inventory_from_log(log), inventory_from_nodes(nodes)])
    gpus = [c for c in result.root.children if c.cls == "gpu"]
    assert len(gpus) == n
    assert all(g.seen_by == ["nvidia-smi", "lshw"] for g in gpus)
    assert sorted(g.serial or "" for g in gpus) == [f"GPU{i:07d}" for i in range(n)]
    assert result.complete
    assert result.notes == []
