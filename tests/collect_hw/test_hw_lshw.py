"""lshw: JSON (object and array) and XML corpus files, hand-checked values, bad input."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - reading our own trusted test corpus
from pathlib import Path
from typing import Any

import pytest
from hw_helpers import by_ref, firmware, of_class, prop, props, walk

LSHW_FILES = [
    "dl360p_hp-proliant-dl360p-gen8.lshw.json",
    "dl360p_hp-proliant-dl360p-gen8.lshw.xml",
    "lshw-tests_dell-poweredge-1950.expected.xml",
    "lshw-tests_intel-canoe-pass.expected.xml",
    "lshw-tests_sun-x8420.expected.xml",
]

#: Hand-checked: (CPUs, populated banks, PSUs, NICs = distinct PCI devices, drives, firmware).
#: dl360p: 24 banks of which 8 "[empty]"; 3 disks of which 2 are iLO virtual media -> 1 drive
#: (SanDisk Ultra Fit); firmware = BIOS + NIC firmware of 03:00 + the drive's firmware.
HAND_COUNTS = {
    "dl360p_hp-proliant-dl360p-gen8.lshw.json": (2, 16, 2, 2, 1, 3),
    "dl360p_hp-proliant-dl360p-gen8.lshw.xml": (2, 16, 2, 2, 1, 3),
    "lshw-tests_dell-poweredge-1950.expected.xml": (2, 2, 0, 2, 0, 1),
    "lshw-tests_intel-canoe-pass.expected.xml": (2, 8, 1, 1, 0, 1),
    "lshw-tests_sun-x8420.expected.xml": (4, 8, 0, 5, 0, 1),
}


def _nodes(path: Path) -> list[dict[str, Any]]:
    """Every node as (class, id, description, businfo, disabled), read independently."""
    out: list[dict[str, Any]] = []
    if path.suffix == ".json":
        stack = [json.loads(path.read_text(encoding="utf-8"))]
        while stack:
            n = stack.pop()
            if isinstance(n, list):
                stack.extend(n)
                continue
            out.append(n)
            stack.extend(n.get("children", []))
        return out
    for el in ET.parse(path).getroot().iter("node"):  # noqa: S314 - trusted corpus file
        out.append(
            {
                "class": el.get("class"),
                "id": el.get("id"),
                "disabled": el.get("disabled") == "true",
                "description": el.findtext("description") or "",
                "businfo": el.findtext("businfo") or "",
            }
        )
    return out


def _expected(path: Path) -> tuple[int, int, int, int]:
    nodes = _nodes(path)
    live = [n for n in nodes if not n.get("disabled") and "[empty]" not in n.get("description", "")]
    cpus = sum(1 for n in live if n["class"] == "processor")
    banks = sum(1 for n in live if n["class"] == "memory" and str(n["id"]).startswith("bank"))
    psus = sum(1 for n in live if n["class"] == "power")
    nic_devices = {
        re.sub(r"\.[0-7]$", "", n["businfo"])
        for n in nodes
        if n["class"] == "network" and str(n.get("businfo", "")).startswith("pci@")
    }
    return cpus, banks, psus, len(nic_devices)


@pytest.mark.corpus
@pytest.mark.parametrize("name", LSHW_FILES)
def test_corpus_file(name: str, hw_corpus: Path, collect_hw: Any) -> None:
    path = hw_corpus / "lshw" / name
    result, doc, _ = collect_hw("--lshw", str(path))
    assert result.exit_code == 0, result.output
    assert doc is not None
    cpus, banks, psus, nics, drives, fw = HAND_COUNTS[name]
    assert _expected(path) == (cpus, banks, psus, nics)
    assert len(of_class(doc, "cpu")) == cpus
    assert len(of_class(doc, "memory")) == banks
    assert len(of_class(doc, "psu")) == psus
    assert len(of_class(doc, "nic")) == nics
    assert len(of_class(doc, "storage")) == drives
    assert len(firmware(doc)) == fw
    for comp in walk(doc):
        assert "[REMOVED]" not in json.dumps(comp.get("properties", []))
        assert props(comp).get("sovbom:evidence:source", ["lshw"]) == ["lshw"]


@pytest.mark.corpus
def test_json_and_xml_agree(hw_corpus: Path, collect_hw: Any) -> None:
    _, a, _ = collect_hw("--lshw", str(hw_corpus / "lshw" / LSHW_FILES[0]))
    _, b, _ = collect_hw("--lshw", str(hw_corpus / "lshw" / LSHW_FILES[1]))
    assert a is not None and b is not None
    assert [c["bom-ref"] for c in walk(a)] == [c["bom-ref"] for c in walk(b)]
    assert a["components"] == b["components"]


@pytest.mark.corpus
def test_dl360p_values(hw_corpus: Path, collect_hw: Any) -> None:
    _, doc, _ = collect_hw("--lshw", str(hw_corpus / "lshw" / LSHW_FILES[0]))
    assert doc is not None
    server = doc["metadata"]["component"]
    assert server["name"] == "ProLiant DL360p Gen8"  # the " (763480-B21)" SKU suffix removed
    assert prop(server, "cdx:device:sku") == "763480-B21"
    assert prop(server, "cdx:device:serialNumber") is None  # "[REMOVED]"
    nic = by_ref(doc, "hw:nic:0000:03:00.0")
    assert prop(nic, "sovbom:bus-address") == "0000:03:00.0"
    assert nic["components"][0]["version"] == "bc 7.13.75"  # configuration.firmware
    assert prop(nic["components"][0], "sovbom:runs-on") == "hw:nic:0000:03:00.0"
    assert props(nic)["sovbom:nic:interface"] == ["eno1", "eno2"]  # two functions, one card
    assert by_ref(doc, "fw:bios")["version"] == "P71"
    psu = by_ref(doc, "hw:psu:Power_Supply_1")
    assert prop(psu, "sovbom:part-number") == "656362-B21"
    (drive,) = of_class(doc, "storage")
    assert drive["name"] == "Ultra Fit"
    assert drive["components"][0]["version"] == "1.00"


@pytest.mark.corpus
def test_numeric_ids_stripped(hw_corpus: Path, collect_hw: Any) -> None:
    _, doc, _ = collect_hw(
        "--lshw", str(hw_corpus / "lshw" / "lshw-tests_intel-canoe-pass.expected.xml")
    )
    assert doc is not None
    (nic,) = of_class(doc, "nic")
    assert nic["name"] == "I350 Gigabit Network Connection"
    assert nic["manufacturer"]["name"] == "Intel Corporation"
    assert prop(nic, "sovbom:pci:id") == "8086:1521"
    assert doc["metadata"]["component"]["name"] == "S2600CP"


@pytest.mark.corpus
def test_array_form(hw_corpus: Path, tmp_path: Path, collect_hw: Any) -> None:
    """lshw B.02.19+ prints a top-level array."""
    obj = json.loads((hw_corpus / "lshw" / LSHW_FILES[0]).read_text(encoding="utf-8"))
    path = tmp_path / "array.json"
    path.write_text(json.dumps([obj]), encoding="utf-8")
    _, doc, _ = collect_hw("--lshw", str(path))
    _, ref, _ = collect_hw("--lshw", str(hw_corpus / "lshw" / LSHW_FILES[0]))
    assert doc is not None and ref is not None
    assert doc["components"] == ref["components"]


def test_missing_commas_repaired(hw_data: Path, collect_hw: Any) -> None:
    result, doc, _ = collect_hw("--lshw", str(hw_data / "lshw-missing-comma.json"))
    assert result.exit_code == 0
    assert doc is not None
    (nic,) = of_class(doc, "nic")
    assert props(nic)["cdx:device:macAddress"] == ["b8:ce:f6:00:00:01", "b8:ce:f6:00:00:02"]
    assert nic["manufacturer"]["address"]["country"] == "IL"
    assert any("repaired" in n for n in props(doc["metadata"])["sovbom:collection:note"])


def test_nvme_and_gpu(hw_data: Path, collect_hw: Any) -> None:
    _, doc, _ = collect_hw("--lshw", str(hw_data / "merge-example.lshw.json"))
    assert doc is not None
    (drive,) = of_class(doc, "storage")  # the namespace below it is not a second drive
    assert prop(drive, "cdx:device:serialNumber") == "S64HNE0T000001"
    assert drive["components"][0]["version"] == "GDC5602Q"
    (gpu,) = of_class(doc, "gpu")
    assert prop(gpu, "sovbom:bus-address") == "0000:3b:00.0"
    assert len(of_class(doc, "memory")) == 2 and len(of_class(doc, "cpu")) == 1


# -- failure modes ------------------------------------------------------------------------------


def _fails(collect_hw: Any, path: Path, *needles: str) -> None:
    result, doc, out = collect_hw("--lshw", str(path))
    assert result.exit_code == 4, result.output
    for needle in needles:
        assert needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert doc is None and not out.exists()


def test_malformed_json(hw_data: Path, tmp_path: Path, collect_hw: Any) -> None:
    text = (hw_data / "merge-example.lshw.json").read_text(encoding="utf-8")
    path = tmp_path / "trunc.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    _fails(collect_hw, path, str(path), "malformed JSON", "line ")
    path.write_text('{"id": "computer", "class": "system",, }', encoding="utf-8")
    _fails(collect_hw, path, "malformed JSON", "line 1 column")


def test_truncated_xml(hw_corpus: Path, tmp_path: Path, collect_hw: Any) -> None:
    data = (hw_corpus / "lshw" / LSHW_FILES[1]).read_bytes()
    path = tmp_path / "trunc.xml"
    path.write_bytes(data[: len(data) // 3])
    _fails(collect_hw, path, str(path), "malformed XML", "line ")


def test_entity_bomb_refused(hw_data: Path, collect_hw: Any) -> None:
    _fails(collect_hw, hw_data / "entity-bomb.xml", "refused")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty input"),
        (b"Handle 0x0000, DMI type 0, 26 bytes\n", "not lshw output"),
        (b'{"foo": 1}', "not lshw output"),
        (b"<html><body/></html>", "not lshw XML"),
    ],
)
def test_not_lshw(content: bytes, message: str, tmp_path: Path, collect_hw: Any) -> None:
    path = tmp_path / "in"
    path.write_bytes(content)
    _fails(collect_hw, path, message, str(path))


def test_missing_file(tmp_path: Path, collect_hw: Any) -> None:
    _fails(collect_hw, tmp_path / "absent.json", "no such file")


def test_deep_nesting_refused(tmp_path: Path, collect_hw: Any) -> None:
    depth = 5000
    path = tmp_path / "deep.xml"
    path.write_text('<node id="x" class="system">' * depth + "</node>" * depth, encoding="utf-8")
    _fails(collect_hw, path, str(path))
    path = tmp_path / "deep.json"
    path.write_text(
        '{"id": "x", "class": "system", "children": [' * depth + "]}" * depth, encoding="utf-8"
    )
    _fails(collect_hw, path, str(path))
