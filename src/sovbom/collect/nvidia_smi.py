"""GPU inventory from ``nvidia-smi -q -x`` (XML, DTD v9 to v12 and newer) and ``nvidia-smi -q``.

One component per GPU (``<gpu id="…">`` / ``GPU 00000000:19:00.0`` block), its VBIOS nested as
firmware. Output that was cut is incomplete, never a smaller server: XML cut anywhere before its
root closes does not parse; text (``-q``) is cut when its last line has no line end, when it has
no ``Attached GPUs`` line, when a GPU block stops before its last entry (``Processes``), or when
it announces more GPUs than it describes (XML too). Text cut after the last ``Processes`` entry
lost nothing the inventory reads. Part numbers depend on the driver generation: from driver 535 on, ``board_part_number``
is the board (``692-2G520-0200-000``) and ``gpu_part_number`` the chip (``2330-885-A1``); before,
``gpu_part_number`` held the board number. Boards with two GPUs report the same serial number for
both: they become one ``accelerator`` board (with that serial) holding two GPUs.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from sovbom import taxonomy as tx
from sovbom._io import display_name, read_bytes
from sovbom._xml import local_name, parse_xml
from sovbom.collect.interface import Inventory
from sovbom.collect.merge import normalize_bus_address, part_ref
from sovbom.errors import InputError
from sovbom.hbom import link_firmware
from sovbom.model import Component, Organization
from sovbom.placeholders import clean

SOURCE = "nvidia-smi"
NVIDIA_PCI_VENDOR = "10de"
_CHIP_PART = re.compile(r"^\d{4}-\d{3}-[A-Z0-9]{2}$")


@dataclass(slots=True)
class GpuRecord:
    """The inventory fields of one GPU, whatever the output format."""

    bus_id: str
    product_name: str | None = None
    brand: str | None = None
    architecture: str | None = None
    serial: str | None = None
    uuid: str | None = None
    minor_number: str | None = None
    vbios: str | None = None
    multigpu_board: str | None = None
    board_id: str | None = None
    board_part_number: str | None = None
    has_board_part_field: bool = False
    gpu_part_number: str | None = None
    module_id: str | None = None
    inforom_image: str | None = None
    pci_device_id: str | None = None
    pci_subsystem_id: str | None = None


@dataclass(slots=True)
class SmiLog:
    source: str
    driver_version: str | None = None
    cuda_version: str | None = None
    attached: int | None = None
    gpus: list[GpuRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------
# XML
# ----------------------------------------------------------------------------------------------


def _text(el: Element, path: str) -> str | None:
    found = el.find(path)
    if found is None or found.text is None:
        return None
    return clean(found.text)


def _gpu_count(text: str | None) -> int | None:
    """``Attached GPUs``: ASCII digits, at most 6 (never ``int()`` on a hostile run of digits)."""
    if text and text.isascii() and text.isdigit() and len(text) <= 6:
        return int(text)
    return None


def _parse_xml(data: bytes, source: str) -> SmiLog:
    root = parse_xml(data, source, forbid_dtd=False)
    if local_name(root.tag) != "nvidia_smi_log":
        raise InputError(
            f"not nvidia-smi XML: root element <{local_name(root.tag)}>, expected <nvidia_smi_log>",
            source=source,
        )
    log = SmiLog(source, _text(root, "driver_version"), _text(root, "cuda_version"))
    attached = _text(root, "attached_gpus")
    log.attached = _gpu_count(attached)
    for i, gpu in enumerate(root.findall("gpu")):
        bus = gpu.get("id") or _text(gpu, "pci/pci_bus_id")
        if not bus:
            raise InputError(f"<gpu> number {i + 1} has no id (PCI bus id)", source=source)
        log.gpus.append(
            GpuRecord(
                bus_id=bus,
                product_name=_text(gpu, "product_name"),
                brand=_text(gpu, "product_brand"),
                architecture=_text(gpu, "product_architecture"),
                serial=_text(gpu, "serial"),
                uuid=_text(gpu, "uuid"),
                minor_number=_text(gpu, "minor_number"),
                vbios=_text(gpu, "vbios_version"),
                multigpu_board=_text(gpu, "multigpu_board"),
                board_id=_text(gpu, "board_id"),
                board_part_number=_text(gpu, "board_part_number"),
                has_board_part_field=gpu.find("board_part_number") is not None,
                gpu_part_number=_text(gpu, "gpu_part_number"),
                module_id=_text(gpu, "gpu_module_id"),
                inforom_image=_text(gpu, "inforom_version/img_version"),
                pci_device_id=_text(gpu, "pci/pci_device_id"),
                pci_subsystem_id=_text(gpu, "pci/pci_sub_system_id"),
            )
        )
    return log


# ----------------------------------------------------------------------------------------------
# Text (nvidia-smi -q)
# ----------------------------------------------------------------------------------------------

#: The last entry of each GPU block of ``nvidia-smi -q`` (drivers 3xx to 5xx).
_LAST_ENTRY = "Processes"
_GPU_HEADER = re.compile(r"^GPU\s+([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7])\s*$")
_TEXT_FIELDS = {
    ("Product Name",): "product_name",
    ("Product Brand",): "brand",
    ("Product Architecture",): "architecture",
    ("Serial Number",): "serial",
    ("GPU UUID",): "uuid",
    ("Minor Number",): "minor_number",
    ("VBIOS Version",): "vbios",
    ("MultiGPU Board",): "multigpu_board",
    ("Board ID",): "board_id",
    ("Board Part Number",): "board_part_number",
    ("GPU Part Number",): "gpu_part_number",
    ("Module ID",): "module_id",
    ("Inforom Version", "Image Version"): "inforom_image",
    ("PCI", "Device Id"): "pci_device_id",
    ("PCI", "Sub System Id"): "pci_subsystem_id",
}


def split_entry(text: str) -> tuple[str, str] | None:
    """``Product Name   : NVIDIA A10`` -> (key, value): the key runs to the first colon and is
    followed by whitespace; one whitespace character after the colon is dropped.

    What ``^(?P<key>[^:]+?)\\s+:\\s?(?P<value>.*)$`` matched, in linear time (the pattern is
    quadratic on a long run of spaces).
    """
    colon = text.find(":")
    if colon < 0:
        return None
    before = text[:colon]
    key = before.rstrip()
    if len(key) == len(before):
        return None  # no whitespace before the colon
    if not key:
        if len(before) < 2:
            return None
        key = before[0]  # all whitespace: the key is its first character
    rest = text[colon + 1 :]
    candidates = (rest[1:], rest) if rest[:1].isspace() else (rest,)
    for value in candidates:
        # ``.*$``: one line, optionally followed by a final newline
        newline = value.find("\n")
        if newline < 0:
            return key, value
        if newline == len(value) - 1:
            return key, value[:newline]
    return None


def _parse_text(data: bytes, source: str) -> SmiLog:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"not text: undecodable byte at offset {e.start}", source=source) from e
    log = SmiLog(source)
    seen_marker = False
    gpu: GpuRecord | None = None
    finished: set[int] = set()  # id() of the GPU blocks that reached their 'Processes' entry
    path: list[tuple[int, str]] = []  # (indent, section) of the open sections inside a GPU block
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.expandtabs(4).rstrip()
        if not line.strip():
            continue
        if "NVSMI LOG" in line:
            seen_marker = True
            continue
        indent = len(line) - len(line.lstrip())
        body = line.strip()
        header = _GPU_HEADER.match(body) if indent == 0 else None
        if header:
            gpu = GpuRecord(bus_id=header.group(1))
            log.gpus.append(gpu)
            path = []
            continue
        m = split_entry(body)
        if indent == 0:
            gpu = None
            if m is None:
                continue
            key, value = m[0].strip(), clean(m[1])
            if key == "Driver Version":
                log.driver_version = value
            elif key == "CUDA Version":
                log.cuda_version = value
            elif key == "Attached GPUs":
                count = _gpu_count(value)
                if count is None:
                    raise InputError(
                        f"'Attached GPUs' is not a number: {value!r}",
                        source=source,
                        location=f"line {lineno}",
                    )
                log.attached = count
            continue
        if gpu is None:
            continue
        while path and path[-1][0] >= indent:
            path.pop()
        if not path and (m[0].strip() if m else body) == _LAST_ENTRY:
            finished.add(id(gpu))
        if m is None:
            path.append((indent, body))
            continue
        key = m[0].strip()
        attr = _TEXT_FIELDS.get((*(p[1] for p in path), key))
        if attr is not None:
            setattr(gpu, attr, clean(m[1]))
            if attr == "board_part_number":
                gpu.has_board_part_field = True
    if not seen_marker and not log.gpus and log.driver_version is None:
        raise InputError(
            "not nvidia-smi output: no 'NVSMI LOG' banner, GPU block or driver version found",
            source=source,
            location="line 1",
            hint="give the output of `nvidia-smi -q -x` (XML) or `nvidia-smi -q`",
        )
    _check_cut(log, text, finished)
    return log


def _check_cut(log: SmiLog, text: str, finished: set[int]) -> None:
    """Notes for text output that was cut: a line without its end, no ``Attached GPUs`` line,
    a GPU block that stops before its last entry (``Processes``)."""
    if not text.endswith("\n"):
        log.notes.append("the output ends in the middle of a line: it was cut")
    if log.attached is None:
        log.notes.append("no 'Attached GPUs' line: the output was cut before it")
    cut = [g.bus_id for g in log.gpus if id(g) not in finished]
    if cut:
        log.notes.append(
            f"GPU {', '.join(cut)}: the block ends before '{_LAST_ENTRY}', the last entry"
            " nvidia-smi -q prints for a GPU: the output was cut (or filtered with -d)"
        )


def parse_nvidia_smi(data: bytes, source: str) -> SmiLog:
    """Parse XML or text nvidia-smi output (sniffed from the first character)."""
    stripped = data.lstrip()
    if not stripped:
        raise InputError("empty input, expected nvidia-smi -q -x or -q output", source=source)
    log = _parse_xml(data, source) if stripped[:1] == b"<" else _parse_text(data, source)
    if log.attached is not None and log.attached != len(log.gpus):
        log.notes.append(
            f"the output announces {log.attached} attached GPU(s) but describes {len(log.gpus)}:"
            " the output is incomplete"
        )
    return log


# ----------------------------------------------------------------------------------------------
# Components
# ----------------------------------------------------------------------------------------------


def _pci_vendor(pci_id: str | None) -> str | None:
    """``0x16C110DE`` -> ``10de`` (the low 16 bits are the vendor id)."""
    if not pci_id:
        return None
    digits = pci_id.lower().removeprefix("0x")
    return digits[-4:] if len(digits) == 8 else None


def _part_numbers(rec: GpuRecord) -> tuple[str | None, str | None]:
    """(board part number, chip part number)."""
    if rec.has_board_part_field:
        return rec.board_part_number, rec.gpu_part_number
    if rec.gpu_part_number and _CHIP_PART.match(rec.gpu_part_number):
        return None, rec.gpu_part_number
    return rec.gpu_part_number, None


def _gpu(rec: GpuRecord, log: SmiLog, with_serial: bool) -> Component:
    bus = normalize_bus_address(rec.bus_id) or rec.bus_id
    board_part, chip_part = _part_numbers(rec)
    props: list[tuple[str, str]] = []

    def add(name: str, value: str | None) -> None:
        if value:
            props.append((name, value))

    add(tx.GPU_UUID, rec.uuid)
    add(tx.GPU_CHIP_PART_NUMBER, chip_part)
    add(tx.GPU_BRAND, rec.brand)
    add(tx.GPU_ARCHITECTURE, rec.architecture)
    add(tx.GPU_MODULE_ID, rec.module_id)
    add(tx.GPU_MINOR_NUMBER, rec.minor_number)
    add(tx.GPU_BOARD_ID, rec.board_id)
    add(tx.GPU_INFOROM_IMAGE, rec.inforom_image)
    add(tx.GPU_DRIVER_VERSION, log.driver_version)
    add(tx.PCI_DEVICE_ID, rec.pci_device_id)
    add(tx.PCI_SUBSYSTEM_ID, rec.pci_subsystem_id)
    board_by_nvidia = _pci_vendor(rec.pci_subsystem_id) == NVIDIA_PCI_VENDOR
    comp = Component(
        ref=part_ref("gpu", bus),
        name=rec.product_name or "NVIDIA GPU",
        cls="gpu",
        manufacturer=Organization("NVIDIA") if board_by_nvidia else None,
        serial=rec.serial if with_serial else None,
        part_number=board_part if with_serial else None,
        bus_address=bus,
        seen_by=[SOURCE],
        properties=props,
    )
    if rec.vbios:
        link_firmware(
            comp,
            Component(
                ref=f"fw:gpu:{bus}:vbios",
                name="VBIOS",
                type="firmware",
                version=rec.vbios,
                manufacturer=Organization("NVIDIA"),
                seen_by=[SOURCE],
            ),
        )
    return comp


def inventory_from_log(log: SmiLog) -> Inventory:
    inv = Inventory(source=SOURCE, notes=list(log.notes))
    inv.complete = not log.notes
    serials = Counter(g.serial for g in log.gpus if g.serial)
    boards: dict[str, Component] = {}
    for rec in sorted(log.gpus, key=lambda g: normalize_bus_address(g.bus_id) or g.bus_id):
        shared = rec.serial is not None and serials[rec.serial] > 1
        gpu = _gpu(rec, log, with_serial=not shared)
        if not shared:
            inv.parts.append(gpu)
            continue
        assert rec.serial is not None
        board = boards.get(rec.serial)
        if board is None:
            board_part, _ = _part_numbers(rec)
            board = Component(
                ref=part_ref("accelerator", rec.serial),
                name=f"{rec.product_name or 'NVIDIA'} board",
                description="a board carrying several GPUs that report the same serial number",
                cls="accelerator",
                manufacturer=gpu.manufacturer,
                serial=rec.serial,
                part_number=board_part,
                seen_by=[SOURCE],
            )
            boards[rec.serial] = board
            inv.parts.append(board)
        board.children.append(gpu)
    return inv


def collect_nvidia_smi(path: str | os.PathLike[str]) -> Inventory:
    """Read ``nvidia-smi -q -x`` or ``nvidia-smi -q`` output from a file (``-`` for stdin)."""
    source = display_name(path)
    return inventory_from_log(parse_nvidia_smi(read_bytes(path), source))
