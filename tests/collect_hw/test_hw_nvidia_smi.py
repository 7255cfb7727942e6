"""nvidia-smi: XML (DTD v9..v12) and text corpus files, part numbers, dual-GPU boards, bad input."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hw_helpers import by_ref, firmware, of_class, prop, props, seen_by, walk

XML_FILES = [
    "netdata_a100-sxm4-40gb-mig.xml",
    "netdata_geforce-rtx-2080-windows.xml",
    "netdata_geforce-rtx-4090-driver-535.xml",
    "netdata_tesla-p100-pcie-16gb.xml",
    "openpai_6x-geforce-gtx-1070.xml",
    "openpai_ecc-unsupported.xml",
    "openpai_out-of-order.xml",
]
TEXT_FILES = [
    "text-q/gpud_1x-a10_535.129.03.nvidia-smi-q.txt",
    "text-q/gpud_8x-h100-80gb-hbm3_535.161.08.nvidia-smi-q.txt",
]
#: Hand-checked GPU count per file (the openpai "6x" sample announces 6 but contains 2 <gpu>).
HAND_GPUS = {
    "netdata_a100-sxm4-40gb-mig.xml": 1,
    "netdata_geforce-rtx-2080-windows.xml": 1,
    "netdata_geforce-rtx-4090-driver-535.xml": 1,
    "netdata_tesla-p100-pcie-16gb.xml": 1,
    "openpai_6x-geforce-gtx-1070.xml": 2,
    "openpai_ecc-unsupported.xml": 2,
    "openpai_out-of-order.xml": 4,
    "text-q/gpud_1x-a10_535.129.03.nvidia-smi-q.txt": 1,
    "text-q/gpud_8x-h100-80gb-hbm3_535.161.08.nvidia-smi-q.txt": 8,
}


def _count_gpus(text: str) -> int:
    """Independent count: <gpu id=...> elements, or 'GPU 00000000:BB:DD.F' block headers."""
    return len(re.findall(r"<gpu id=", text)) or len(
        re.findall(r"^GPU [0-9A-Fa-f]{8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.\d\s*$", text, re.M)
    )


@pytest.mark.corpus
@pytest.mark.parametrize("name", XML_FILES + TEXT_FILES)
def test_corpus_file(name: str, hw_corpus: Path, collect_hw: Any) -> None:
    path = hw_corpus / "nvidia-smi" / name
    result, doc, _ = collect_hw("--nvidia-smi", str(path))
    assert result.exit_code == 0, result.output
    assert doc is not None
    expected = _count_gpus(path.read_text(encoding="utf-8"))
    assert expected == HAND_GPUS[name]
    gpus = of_class(doc, "gpu")
    assert len(gpus) == expected
    vbios = re.findall(r"<vbios_version>|VBIOS Version\s+:", path.read_text(encoding="utf-8"))
    assert len(firmware(doc)) == len(vbios) == expected
    for gpu in gpus:
        assert seen_by(gpu) == ["nvidia-smi"]
        assert re.fullmatch(
            r"[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]", prop(gpu, "sovbom:bus-address") or ""
        )
        assert prop(
            gpu,
            "sovbom:gpu:uuid",
        ).startswith("GPU-")  # type: ignore[union-attr]
        assert prop(gpu["components"][0], "sovbom:runs-on") == gpu["bom-ref"]


@pytest.mark.corpus
def test_h100_text(hw_corpus: Path, collect_hw: Any) -> None:
    _, doc, _ = collect_hw("--nvidia-smi", str(hw_corpus / "nvidia-smi" / TEXT_FILES[1]))
    assert doc is not None
    gpus = of_class(doc, "gpu")
    serials = [prop(g, "cdx:device:serialNumber") for g in gpus]
    assert len(set(serials)) == 8 and "1650124031592" in serials
    assert {prop(g, "sovbom:part-number") for g in gpus} == {"692-2G520-0200-000"}  # board
    assert {prop(g, "sovbom:gpu:chip-part-number") for g in gpus} == {"2330-885-A1"}  # chip
    assert sorted(prop(g, "sovbom:gpu:module-id") or "" for g in gpus) == [
        str(i) for i in range(1, 9)
    ]
    first = by_ref(doc, "hw:gpu:0000:19:00.0")
    assert first["name"] == "NVIDIA H100 80GB HBM3"
    assert first["components"][0]["version"] == "96.00.74.00.0D"
    assert prop(first, "sovbom:gpu:inforom-image") == "G520.0200.00.05"
    assert first["manufacturer"] == {
        "name": "NVIDIA",
        "address": {"country": "US"},
    }  # subsystem 10DE
    assert prop(doc["metadata"], "sovbom:collection:incomplete") is None


@pytest.mark.corpus
def test_part_numbers_by_driver_generation(hw_corpus: Path, collect_hw: Any) -> None:
    # Driver 510: gpu_part_number holds the board number, there is no board_part_number.
    _, doc, _ = collect_hw("--nvidia-smi", str(hw_corpus / "nvidia-smi" / XML_FILES[0]))
    assert doc is not None
    (a100,) = of_class(doc, "gpu")
    assert prop(a100, "sovbom:part-number") == "692-2G506-0200-003"
    assert prop(a100, "sovbom:gpu:chip-part-number") is None
    assert prop(a100, "cdx:device:serialNumber") == "1324321002473"
    # Driver 535: board_part_number N/A (GeForce), gpu_part_number is the chip.
    _, doc, _ = collect_hw("--nvidia-smi", str(hw_corpus / "nvidia-smi" / XML_FILES[2]))
    assert doc is not None
    (rtx,) = of_class(doc, "gpu")
    assert prop(rtx, "sovbom:part-number") is None
    assert prop(rtx, "sovbom:gpu:chip-part-number") == "2684-300-A1"
    assert prop(rtx, "cdx:device:serialNumber") is None  # N/A on GeForce
    assert "manufacturer" not in rtx  # board partner unknown: not guessed


@pytest.mark.corpus
def test_dual_gpu_boards_share_serial(hw_corpus: Path, collect_hw: Any) -> None:
    _, doc, _ = collect_hw(
        "--nvidia-smi", str(hw_corpus / "nvidia-smi" / "openpai_out-of-order.xml")
    )
    assert doc is not None
    boards = of_class(doc, "accelerator")
    assert sorted(prop(b, "cdx:device:serialNumber") or "" for b in boards) == [
        "0322116081614",
        "0322416026235",
    ]
    for board in boards:
        gpus = [c for c in board["components"] if prop(c, "sovbom:class") == "gpu"]
        assert len(gpus) == 2
        assert all(prop(g, "cdx:device:serialNumber") is None for g in gpus)
        assert prop(board, "sovbom:part-number") == "900-22080-0300-000"
        # Out-of-order <gpu> elements come out sorted by bus address.
        buses = [prop(g, "sovbom:bus-address") or "" for g in gpus]
        assert buses == sorted(buses)
    pairs = {
        prop(b, "cdx:device:serialNumber"): sorted(
            prop(g, "sovbom:bus-address") or "" for g in b["components"]
        )
        for b in boards
    }
    assert pairs == {
        "0322416026235": ["1580:00:00.0", "f8d6:00:00.0"],
        "0322116081614": ["2df7:00:00.0", "4968:00:00.0"],
    }


@pytest.mark.corpus
def test_announced_gpus_missing_is_incomplete(hw_corpus: Path, collect_hw: Any) -> None:
    path = hw_corpus / "nvidia-smi" / "openpai_6x-geforce-gtx-1070.xml"
    result, doc, _ = collect_hw("--nvidia-smi", str(path))
    assert result.exit_code == 0
    assert doc is not None
    assert prop(doc["metadata"], "sovbom:collection:incomplete") == "true"
    assert any(
        "6 attached GPU(s) but describes 2" in n
        for n in props(doc["metadata"])["sovbom:collection:note"]
    )
    result, doc, out = collect_hw("--nvidia-smi", str(path), "--on-incomplete", "fail")
    assert result.exit_code == 4 and "incomplete" in result.stderr
    assert doc is None and not out.exists()


@pytest.mark.corpus
def test_truncated_text_is_incomplete(hw_corpus: Path, tmp_path: Path, collect_hw: Any) -> None:
    lines = (hw_corpus / "nvidia-smi" / TEXT_FILES[1]).read_text(encoding="utf-8").splitlines()
    path = tmp_path / "cut.txt"
    path.write_text("\n".join(lines[:700]) + "\n", encoding="utf-8")  # 4 GPU blocks of 8
    _, doc, _ = collect_hw("--nvidia-smi", str(path))
    assert doc is not None
    assert len(of_class(doc, "gpu")) == 4
    assert prop(doc["metadata"], "sovbom:collection:incomplete") == "true"


# -- failure modes ------------------------------------------------------------------------------


def _fails(collect_hw: Any, path: Path, *needles: str) -> None:
    result, doc, out = collect_hw("--nvidia-smi", str(path))
    assert result.exit_code == 4, result.output
    for needle in needles:
        assert needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert doc is None and not out.exists()


@pytest.mark.corpus
def test_truncated_xml(hw_corpus: Path, tmp_path: Path, collect_hw: Any) -> None:
    data = (hw_corpus / "nvidia-smi" / "openpai_out-of-order.xml").read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: len(data) // 2])
    _fails(collect_hw, path, str(path), "malformed XML", "line ")


def test_entity_bomb_refused(hw_data: Path, collect_hw: Any) -> None:
    _fails(collect_hw, hw_data / "entity-bomb.xml", "entity", "refused")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty input"),
        (b"<nvidia_smi_loc/>", "not nvidia-smi XML"),
        (b"Handle 0x0000, DMI type 0, 26 bytes\nBIOS Information\n", "not nvidia-smi output"),
        (b"Attached GPUs : many\n", "not a number"),
    ],
)
def test_not_nvidia_smi(content: bytes, message: str, tmp_path: Path, collect_hw: Any) -> None:
    path = tmp_path / "in"
    path.write_bytes(content)
    _fails(collect_hw, path, message, str(path))


def test_fixture_with_doctype(hw_data: Path, collect_hw: Any) -> None:
    _, doc, _ = collect_hw("--nvidia-smi", str(hw_data / "merge-example.nvidia-smi.xml"))
    assert doc is not None
    (gpu,) = of_class(doc, "gpu")
    assert prop(gpu, "sovbom:part-number") == "900-21010-0000-000"
    assert all(c["bom-ref"] != "hw:server" or c["name"] == "unidentified server" for c in walk(doc))
