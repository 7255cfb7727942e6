"""Hostile hardware captures: huge numbers, odd digits and long padded fields end in a clean
result or one error line (exit 4), never a traceback, and in bounded time."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from hw_helpers import of_class

from sovbom.collect import merge
from sovbom.model import Component

HUGE_DIGITS = "12" * 2600  # int() refuses more than 4,300 digits; all-one-digit is a placeholder
LONG_SPACES = " " * 100_000  # the old field patterns were quadratic on a run of spaces


def _old_sort_key(c: Component) -> tuple[int, int, list[object]]:
    """The reference: natural order with int() on every digit run."""
    kind = 1 if c.type == "firmware" else 0
    order = merge._CLASS_ORDER.get(c.cls or "other", len(merge._CLASS_ORDER))
    key = " ".join((c.slot or c.bus_address or c.ref).split())
    return kind, order, [int(t) if t.isdigit() else t.casefold() for t in re.split(r"(\d+)", key)]


def test_sort_key_orders_like_int() -> None:
    rnd = random.Random(13)
    slots = [
        "".join(
            rnd.choice(["DIMM", " ", "A", "a", "0", "1", "9", "10", "007", "٣", "-"])
            for _ in range(rnd.randint(0, 6))
        )
        for _ in range(3000)
    ]
    parts = [
        Component(ref=f"hw:memory:{i}", name="m", cls="memory", slot=s or None)
        for i, s in enumerate(slots)
    ]
    assert sorted(parts, key=merge._sort_key) == sorted(parts, key=_old_sort_key)


def test_sort_key_takes_digit_runs_beyond_int_limits() -> None:
    long_small = Component(ref="a", name="m", cls="memory", slot="DIMM " + "0" * 5000 + "7")
    long_big = Component(ref="b", name="m", cls="memory", slot="DIMM " + HUGE_DIGITS)
    longer = Component(ref="c", name="m", cls="memory", slot="DIMM " + HUGE_DIGITS + "0")
    ten = Component(ref="d", name="m", cls="memory", slot="DIMM 10")
    superscript = Component(ref="e", name="m", cls="memory", slot="DIMM 1²")
    parts = [longer, superscript, long_big, ten, long_small]
    assert [c.ref for c in sorted(parts, key=merge._sort_key)] == ["e", "a", "d", "b", "c"]


def test_dmidecode_locator_with_a_huge_number(
    hw_data: Path, collect_hw: Any, tmp_path: Path
) -> None:
    text = (hw_data / "merge-example.dmidecode.txt").read_text(encoding="utf-8")
    capture = tmp_path / "dmi.txt"
    capture.write_text(text.replace("P1-DIMMB1", "P1-DIMMA" + HUGE_DIGITS), encoding="utf-8")
    result, doc, _ = collect_hw("--dmidecode", str(capture))
    assert result.exit_code == 0, result.output
    assert doc is not None
    refs = [c["bom-ref"] for c in of_class(doc, "memory")]
    assert refs == [
        "hw:memory:P1-DIMMA1",
        "hw:memory:P1-DIMMA" + HUGE_DIGITS,  # after A1: natural order of the numbers
    ]


@pytest.mark.parametrize(
    "header,message",
    [
        (f"{HUGE_DIGITS} structures occupying 100 bytes.", "structure count is not a plausible"),
        (f"Handle 0x0001, DMI type {HUGE_DIGITS}, 27 bytes", "DMI type is not a plausible"),
    ],
)
def test_dmidecode_implausible_numbers(
    header: str, message: str, collect_hw: Any, tmp_path: Path
) -> None:
    capture = tmp_path / "dmi.txt"
    capture.write_text(
        "# dmidecode 3.3\nSMBIOS 3.0 present.\n"
        f"{header}\n\nHandle 0x0002, DMI type 1, 27 bytes\nSystem Information\n"
        "\tManufacturer: X\n\n",
        encoding="utf-8",
    )
    result, doc, out = collect_hw("--dmidecode", str(capture))
    assert result.exit_code == 4, result.output
    assert message in result.stderr and "line 3" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("count", ["²", HUGE_DIGITS])
def test_nvidia_smi_text_attached_gpus_not_a_count(
    count: str, hw_data: Path, collect_hw: Any, tmp_path: Path
) -> None:
    text = (hw_data / "nvidia-smi-q.txt").read_text(encoding="utf-8")
    capture = tmp_path / "smi.txt"
    capture.write_text(re.sub(r"(Attached GPUs\s+: )3", rf"\g<1>{count}", text), encoding="utf-8")
    result, _, out = collect_hw("--nvidia-smi", str(capture))
    assert result.exit_code == 4, result.output
    assert "'Attached GPUs' is not a number" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("count", ["²", HUGE_DIGITS])
def test_nvidia_smi_xml_attached_gpus_not_a_count(
    count: str, hw_data: Path, collect_hw: Any, tmp_path: Path
) -> None:
    text = (hw_data / "merge-example.nvidia-smi.xml").read_text(encoding="utf-8")
    capture = tmp_path / "smi.xml"
    capture.write_text(
        re.sub(
            r"<attached_gpus>[^<]*</attached_gpus>", f"<attached_gpus>{count}</attached_gpus>", text
        ),
        encoding="utf-8",
    )
    result, doc, _ = collect_hw("--nvidia-smi", str(capture))
    assert result.exit_code == 0, result.output  # an unknown count: the GPUs listed are kept
    assert doc is not None and of_class(doc, "gpu")


@pytest.mark.timeout(30)
def test_lshw_long_padded_fields(hw_data: Path, collect_hw: Any, tmp_path: Path) -> None:
    text = (hw_data / "merge-example.lshw.json").read_text(encoding="utf-8")
    text = text.replace('"vendor" : "Supermicro"', f'"vendor" : "Super{LONG_SPACES}micro"', 1)
    text = text.replace(
        "SYS-EXAMPLE-1 (To be filled", f"SYS-EXAMPLE-1{LONG_SPACES}x(To be filled", 1
    )
    capture = tmp_path / "lshw.json"
    capture.write_text(text, encoding="utf-8")
    result, doc, _ = collect_hw("--lshw", str(capture))
    assert result.exit_code == 0, result.output
    assert doc is not None


@pytest.mark.timeout(30)
def test_nvidia_smi_text_long_padded_line(hw_data: Path, collect_hw: Any, tmp_path: Path) -> None:
    text = (hw_data / "nvidia-smi-q.txt").read_text(encoding="utf-8")
    text = text.replace("    Display Mode ", f"    Display{LONG_SPACES}x Mode ", 1)
    capture = tmp_path / "smi.txt"
    capture.write_text(text, encoding="utf-8")
    result, doc, _ = collect_hw("--nvidia-smi", str(capture))
    assert result.exit_code == 0, result.output
    assert doc is not None and len(of_class(doc, "gpu")) == 3
