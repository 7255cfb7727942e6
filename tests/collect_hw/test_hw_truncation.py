"""Captures that were cut short are never read as a complete (smaller) server.

Each is either refused (malformed XML or JSON: :class:`InputError`) or read with
``complete=False`` and a note saying it was cut; ``collect hardware --on-incomplete fail`` then
fails. The only cuts accepted as complete are those that lose nothing (see ``_invisible``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hw_helpers import props

from sovbom.collect.dmidecode import inventory_from_table, parse_dmidecode
from sovbom.collect.interface import Inventory
from sovbom.collect.lshw import inventory_from_nodes, parse_lshw
from sovbom.collect.nvidia_smi import inventory_from_log, parse_nvidia_smi
from sovbom.errors import InputError

HW = Path(__file__).resolve().parents[1] / "data" / "hw"

Reader = Callable[[bytes], Inventory]


def read_dmidecode(data: bytes) -> Inventory:
    return inventory_from_table(parse_dmidecode(data, "dmi.txt"))


def read_lshw(data: bytes) -> Inventory:
    return inventory_from_nodes(*parse_lshw(data, "lshw"))


def read_nvidia_smi(data: bytes) -> Inventory:
    return inventory_from_log(parse_nvidia_smi(data, "smi"))


def accepted_as_complete(read: Reader, data: bytes) -> bool:
    try:
        return read(data).complete
    except InputError:
        return False


def line_ends(data: bytes) -> list[int]:
    return [m.end() for m in re.finditer(rb"\n", data)]


# -- dmidecode ----------------------------------------------------------------------------------


def test_dmidecode_whole_table_cut_anywhere() -> None:
    data = (HW / "dmidecode-full.txt").read_bytes()
    end = data.index(b"End Of Table\n") + len(b"End Of Table\n")
    assert accepted_as_complete(read_dmidecode, data)
    assert accepted_as_complete(read_dmidecode, data[:end])  # only the last blank line lost
    cuts = [*line_ends(data[: end - 1]), *range(150, end - 1, 97)]
    assert len(cuts) > 200
    for cut in cuts:
        assert not accepted_as_complete(read_dmidecode, data[:cut]), cut


def test_dmidecode_notes_say_where() -> None:
    data = (HW / "dmidecode-full.txt").read_bytes()
    cut = data.index(b"Handle 0x1103")
    inv = read_dmidecode(data[:cut])
    n, kept = data.count(b"\nHandle 0x"), data[:cut].count(b"\nHandle 0x")
    assert inv.notes == [
        f"the header announces {n} structures but the input holds {kept}: truncated?"
    ]
    line = data[:cut].count(b"\n") + 1
    inv = read_dmidecode(data[: cut + 30])
    assert inv.notes[0] == f"the input ends in the middle of line {line}: truncated?"
    inv = read_dmidecode(data[: data.index(b"\n", cut) + 1])  # a record header alone
    assert inv.notes[0] == f"the last record (line {line}) is cut short: input truncated?"


def test_dmidecode_table_address_alone_needs_end_of_table() -> None:
    """SMBIOS 3 dumps give no structure count: type 127 shows the table is whole."""
    data = re.sub(
        rb"\d+ structures occupying \d+ bytes\.\n", b"", (HW / "dmidecode-full.txt").read_bytes()
    )
    assert accepted_as_complete(read_dmidecode, data)
    cut = data.index(b"Handle 0x7F00")
    inv = read_dmidecode(data[:cut])
    lines = data[:cut].count(b"\n")
    assert not inv.complete
    assert inv.notes == [
        "a dump of the whole table without its End Of Table record (DMI type 127):"
        f" the input is cut after line {lines}"
    ]


def test_dmidecode_old_table_without_end_of_table() -> None:
    """A table holding as many structures as announced is whole, even without type 127."""
    data = (HW / "dmidecode-full.txt").read_bytes()
    n = data.count(b"\nHandle 0x")
    data = data[: data.index(b"Handle 0x7F00")].replace(
        f"{n} structures".encode(), f"{n - 1} structures".encode()
    )
    assert accepted_as_complete(read_dmidecode, data)


def test_dmidecode_selected_types() -> None:
    """``dmidecode -t memory`` has no table header and no type 127: a cut inside a line shows;
    a cut at a line end cannot be told from a shorter capture (it loses whole lines)."""
    data = (HW / "dmidecode-memory.txt").read_bytes()
    ends = set(line_ends(data))
    for cut in range(data.index(b"Handle"), len(data)):
        if data[cut:].strip() and cut not in ends:
            assert not accepted_as_complete(read_dmidecode, data[:cut]), cut
    two_dimms = data[: data.index(b"Handle 0x0028")]
    assert [p.serial for p in read_dmidecode(two_dimms).parts] == ["0A1B2C3D", "0A1B2C3E"]


def test_collect_fails_on_a_cut_dmidecode(tmp_path: Path, collect_hw: Any) -> None:
    data = (HW / "dmidecode-full.txt").read_bytes()
    path = tmp_path / "dmi.txt"
    path.write_bytes(data[: data.index(b"Handle 0x2700")])
    result, doc, out = collect_hw("--dmidecode", str(path), "--on-incomplete", "fail")
    assert result.exit_code == 4
    assert "incomplete" in result.stderr and "announces" in result.stderr
    assert doc is None and not out.exists()
    result, doc, _ = collect_hw("--dmidecode", str(path))
    assert result.exit_code == 0 and doc is not None
    assert props(doc["metadata"])["sovbom:collection:incomplete"] == ["true"]


# -- nvidia-smi ---------------------------------------------------------------------------------


def test_nvidia_smi_text_cut_anywhere() -> None:
    data = (HW / "nvidia-smi-q.txt").read_bytes()
    last = data.rindex(b"    Processes")
    cuts = [c for c in line_ends(data) if c <= last] + list(range(40, len(data) - 2, 53))
    for cut in cuts:
        assert not accepted_as_complete(read_nvidia_smi, data[:cut]), cut


def test_nvidia_smi_text_notes() -> None:
    data = (HW / "nvidia-smi-q.txt").read_bytes()
    inv = read_nvidia_smi(data[: data.index(b"Attached GPUs")])
    assert inv.notes == ["no 'Attached GPUs' line: the output was cut before it"]
    inv = read_nvidia_smi(data[: data.index(b"    Max Clocks")])
    assert inv.notes == [
        "GPU 00000000:05:00.0: the block ends before 'Processes', the last entry nvidia-smi -q"
        " prints for a GPU: the output was cut (or filtered with -d)",
        "the output announces 3 attached GPU(s) but describes 1: the output is incomplete",
    ]
    inv = read_nvidia_smi(data.rstrip(b"\n"))
    assert inv.notes == ["the output ends in the middle of a line: it was cut"]


def test_nvidia_smi_xml_cut_anywhere() -> None:
    data = (HW / "nvidia-smi-v11.xml").read_bytes()
    end = data.index(b"</nvidia_smi_log>") + len(b"</nvidia_smi_log>")
    for cut in range(1, end):
        with pytest.raises(InputError):
            read_nvidia_smi(data[:cut])
    assert read_nvidia_smi(data[:end]).complete


def test_collect_fails_on_a_cut_nvidia_smi(tmp_path: Path, collect_hw: Any) -> None:
    data = (HW / "nvidia-smi-q.txt").read_bytes()
    path = tmp_path / "smi.txt"
    path.write_bytes(data[: data.rindex(b"    Temperature")])
    result, doc, out = collect_hw("--nvidia-smi", str(path), "--on-incomplete", "fail")
    assert result.exit_code == 4 and "Processes" in result.stderr
    assert doc is None and not out.exists()


# -- lshw ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lshw-server.xml", "merge-example.lshw.json"])
def test_lshw_cut_anywhere_is_malformed(name: str) -> None:
    data = (HW / name).read_bytes()
    for cut in range(1, len(data.rstrip()), 7):
        with pytest.raises(InputError):
            read_lshw(data[:cut])


def test_lshw_concatenated_objects_cut_between_objects() -> None:
    """Some lshw builds print top-level objects without commas between them; cut between two
    of them the output is well-formed and cannot be told from a shorter one (a known limit)."""
    data = (HW / "lshw-missing-comma.json").read_bytes()
    first = data.index(b"}\n{") + 1
    with pytest.raises(InputError):
        read_lshw(data[: first - 5])
    assert len(read_lshw(data[:first]).parts) == 1


# -- every capture of the corpus -----------------------------------------------------------------

CUTS = 24


def _invisible(kind: str, data: bytes, cut: int) -> bool:
    """A cut that loses nothing a reader could miss.

    * only trailing whitespace is lost;
    * a dmidecode capture of selected types (no ``Table at`` / ``structures occupying`` header,
      so no End Of Table record to expect) cut at a line end: the lines kept are exactly those
      of a capture that printed fewer lines.
    """
    if not data[cut:].strip():
        return True
    whole = re.search(rb"^(Table at 0x|\d+ structures occupying)", data, re.M) is not None
    return kind == "dmidecode" and not whole and data[cut - 1 : cut] == b"\n"


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("kind", "read"),
    [("dmidecode", read_dmidecode), ("lshw", read_lshw), ("nvidia-smi", read_nvidia_smi)],
)
def test_corpus_captures_cut_anywhere(hw_corpus: Path, kind: str, read: Reader) -> None:
    files = sorted(p for p in (hw_corpus / kind).rglob("*") if p.is_file())
    assert files
    checked = 0
    for path in files:
        data = path.read_bytes()
        for k in range(1, CUTS):
            cut = len(data) * k // CUTS
            if _invisible(kind, data, cut):
                continue
            checked += 1
            assert not accepted_as_complete(read, data[:cut]), (path.name, cut)
        # a cut inside the last line
        last = len(data.rstrip()) - 1
        assert not accepted_as_complete(read, data[:last]), (path.name, last)
    assert checked > len(files) * (CUTS - 3)
