"""The nvidia-smi parser, called directly on fixtures written for these tests (no corpus needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovbom.collect.nvidia_smi import SmiLog, inventory_from_log, parse_nvidia_smi
from sovbom.errors import InputError

HW = Path(__file__).resolve().parents[1] / "data" / "hw"


def _log(name: str) -> SmiLog:
    return parse_nvidia_smi((HW / name).read_bytes(), name)


def test_text_fields() -> None:
    log = _log("nvidia-smi-q.txt")
    assert (log.driver_version, log.cuda_version, log.attached) == ("470.223.02", "11.4", 3)
    assert log.notes == []
    first = log.gpus[0]
    assert (first.bus_id, first.product_name, first.serial, first.board_id) == (
        "00000000:05:00.0", "Tesla K80", "0324817000123", "0x500"
    )  # fmt: skip
    assert (first.inforom_image, first.pci_device_id, first.pci_subsystem_id) == (
        "2080.0200.00.04", "0x102D10DE", "0x106C10DE"
    )  # fmt: skip
    # "Current : N/A" of sections (MIG Mode, Driver Model) is not a field of the GPU
    assert first.module_id is None and first.multigpu_board == "Yes"
    assert not first.has_board_part_field and first.gpu_part_number == "900-22080-0100-000"


def test_text_dual_gpu_board() -> None:
    inv = inventory_from_log(_log("nvidia-smi-q.txt"))
    assert inv.complete
    board, single = inv.parts
    assert (board.ref, board.cls, board.serial, board.part_number) == (
        "hw:accelerator:0324817000123", "accelerator", "0324817000123", "900-22080-0100-000"
    )  # fmt: skip
    assert board.manufacturer is not None and board.manufacturer.name == "NVIDIA"
    assert [(g.ref, g.serial, g.part_number) for g in board.children] == [
        ("hw:gpu:0000:05:00.0", None, None),
        ("hw:gpu:0000:06:00.0", None, None),
    ]
    assert [f.ref for f in board.children[0].children] == ["fw:gpu:0000:05:00.0:vbios"]
    # a board made by another company (its PCI subsystem vendor is not NVIDIA's)
    assert single.manufacturer is None and single.serial == "0324817000456"
    assert ("sovbom:gpu:driver-version", "470.223.02") in single.properties


def test_xml_part_numbers_before_driver_535() -> None:
    log = _log("nvidia-smi-v11.xml")
    assert log.attached == 2 and log.notes == []
    inv = inventory_from_log(log)
    board_number, chip_only = inv.parts
    # no <board_part_number>: <gpu_part_number> holds the board's number...
    assert board_number.part_number == "692-2G506-0212-002"
    assert ("sovbom:gpu:module-id", "2") in board_number.properties
    assert ("sovbom:gpu:inforom-image", "G506.0212.00.02") in board_number.properties
    # ... unless it has the shape of a chip number
    assert chip_only.part_number is None
    assert ("sovbom:gpu:chip-part-number", "2230-895-A1") in chip_only.properties
    assert chip_only.serial is None  # N/A
    assert chip_only.manufacturer is None  # a 16-bit subsystem id names no vendor


def test_xml_gpu_without_id_attribute() -> None:
    data = (
        b"<nvidia_smi_log><attached_gpus>1</attached_gpus><gpu>"
        b"<pci><pci_bus_id>00000000:3B:00.0</pci_bus_id></pci></gpu></nvidia_smi_log>"
    )
    (gpu,) = inventory_from_log(parse_nvidia_smi(data, "x.xml")).parts
    assert gpu.bus_address == "0000:3b:00.0" and gpu.name == "NVIDIA GPU"


def test_announced_gpus_missing() -> None:
    data = b"<nvidia_smi_log><attached_gpus>2</attached_gpus><gpu id='0:1:0.0'/></nvidia_smi_log>"
    inv = inventory_from_log(parse_nvidia_smi(data, "x.xml"))
    assert not inv.complete
    assert inv.notes == [
        "the output announces 2 attached GPU(s) but describes 1: the output is incomplete"
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"  \n", "empty input"),
        (b"<gpus/>", "root element <gpus>"),
        (b"<nvidia_smi_log><gpu><serial>1</serial></gpu></nvidia_smi_log>", "has no id"),
        (b"Attached GPUs : many\n", "'Attached GPUs' is not a number"),
        (b"\xff\xfe\x00", "not text"),
        (b"Mon Jan 1 00:00:00 2024\nNo devices were found\n", "not nvidia-smi output"),
    ],
)
def test_not_nvidia_smi(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_nvidia_smi(data, "x")


def test_text_from_driver_535_on() -> None:
    """From driver 535, ``Board Part Number`` is the board and ``GPU Part Number`` the chip;
    indented lines outside a GPU block are no GPU's fields."""
    data = (
        b"==============NVSMI LOG==============\n"
        b"Driver Version                            : 535.129.03\n"
        b"    Unexpected indented line              : 1\n"
        b"Attached GPUs                             : 1\n"
        b"GPU 00000000:07:00.0\n"
        b"    Product Name                          : NVIDIA A10\n"
        b"    Serial Number                         : 1324521052681\n"
        b"    Board Part Number                     : 900-2G133-0020-100\n"
        b"    GPU Part Number                       : 2236-890-A1\n"
        b"    PCI\n"
        b"        Sub System Id                     : 0x14B110DE\n"
        b"    Processes                             : None\n"
    )
    log = parse_nvidia_smi(data, "x.txt")
    assert log.notes == []
    (gpu,) = inventory_from_log(log).parts
    assert (gpu.part_number, gpu.serial) == ("900-2G133-0020-100", "1324521052681")
    assert ("sovbom:gpu:chip-part-number", "2236-890-A1") in gpu.properties
