"""Hardware inventory from ``lshw -json`` (object or array form) and ``lshw -xml``.

Both forms are turned into the same tree of nodes (dicts shaped like lshw's JSON) and walked
once. Kept: the system, the motherboard (``core``) with its BIOS (``firmware``), populated
processors and memory banks, PCI network devices (one component per physical PCI device, its
functions folded in), display devices, PCI storage controllers and NVMe devices, disks and power
supplies. Gotchas handled: for network nodes ``serial`` is the MAC address; NIC firmware is in
``configuration.firmware``; a disk's ``version`` is its firmware revision; ``[empty]`` and
``disabled`` nodes are empty slots.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from sovbom import taxonomy as tx
from sovbom._io import display_name, json_pointer, parse_json, read_bytes
from sovbom._xml import local_name, parse_xml
from sovbom.collect.interface import Inventory
from sovbom.collect.merge import normalize_bus_address, part_ref
from sovbom.errors import InputError
from sovbom.hbom import link_firmware
from sovbom.model import Component, Organization
from sovbom.placeholders import clean

SOURCE = "lshw"
MAC_ADDRESS = tx.CDX_MAC_ADDRESS

_TEXT_FIELDS = (
    "description",
    "product",
    "vendor",
    "physid",
    "businfo",
    "version",
    "serial",
    "slot",
    "date",
    "dev",
)
_NUMERIC_FIELDS = ("size", "capacity", "width", "clock")
_GPU_VENDORS = re.compile(r"nvidia|advanced micro devices|\bamd\b|\bati\b|intel", re.IGNORECASE)
_VIRTUAL = re.compile(r"virtual|\bLUN \d+ Media\b|iDRAC|iLO|\bIPMI\b", re.IGNORECASE)


# ----------------------------------------------------------------------------------------------
# Reading: JSON and XML into one node shape
# ----------------------------------------------------------------------------------------------


def _xml_node(el: Element) -> dict[str, Any]:
    node: dict[str, Any] = dict(el.attrib)
    for flag in ("claimed", "disabled"):
        if flag in node:
            node[flag] = node[flag] == "true"
    children: list[dict[str, Any]] = []
    logical: list[str] = []
    for child in el:
        tag = local_name(child.tag)
        if tag == "node":
            children.append(_xml_node(child))
        elif tag in _TEXT_FIELDS or tag in _NUMERIC_FIELDS:
            node[tag] = (child.text or "").strip()
        elif tag == "logicalname":
            logical.append((child.text or "").strip())
        elif tag == "configuration":
            node["configuration"] = {
                s.get("id", ""): s.get("value", "") for s in child if local_name(s.tag) == "setting"
            }
        elif tag == "capabilities":
            node["capabilities"] = {
                c.get("id", ""): (c.text or True)
                for c in child
                if local_name(c.tag) == "capability"
            }
    if logical:
        node["logicalname"] = logical if len(logical) > 1 else logical[0]
    if children:
        node["children"] = children
    return node


def _from_xml(data: bytes, source: str) -> list[dict[str, Any]]:
    # A DOCTYPE alone is harmless; entity declarations and external references are still refused.
    root = parse_xml(data, source, forbid_dtd=False)
    tag = local_name(root.tag)
    try:
        if tag == "node":
            return [_xml_node(root)]
        if tag == "list":
            nodes = [_xml_node(c) for c in root if local_name(c.tag) == "node"]
            if nodes:
                return nodes
    except RecursionError as e:
        raise InputError("lshw XML nested too deeply to be a real machine", source=source) from e
    raise InputError(
        f"not lshw XML output: root element <{tag}>, expected <list> or <node>", source=source
    )


_MISSING_COMMA = re.compile(rb"}(\s*){")


def _from_json(data: bytes, source: str) -> tuple[list[dict[str, Any]], list[str]]:
    # (JSON nested too deeply is refused by parse_json; the node walk below is iterative)
    notes: list[str] = []
    try:
        doc = parse_json(data, source)
    except InputError:
        # Some lshw builds (class filters, -json with several top-level nodes) print objects one
        # after the other without separating commas. Repair only that, else report the error.
        repaired = b"[" + _MISSING_COMMA.sub(rb"},\1{", data.strip()) + b"]"
        try:
            doc = parse_json(repaired, source)
        except InputError:
            parse_json(data, source)  # raises the original, precise error
            raise
        if isinstance(doc, list) and len(doc) == 1 and isinstance(doc[0], list):
            doc = doc[0]
        notes.append("the JSON had objects without separating commas (a known lshw bug); repaired")
    nodes = doc if isinstance(doc, list) else [doc]
    for i, node in enumerate(nodes):
        if not isinstance(node, dict) or not ("class" in node or "id" in node):
            where = json_pointer([i]) if isinstance(doc, list) else "$"
            raise InputError(
                "not lshw output: expected objects with 'id' and 'class'",
                source=source,
                location=where,
            )
    return nodes, notes


def parse_lshw(data: bytes, source: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The top-level nodes of lshw JSON or XML output (sniffed from the first character)."""
    head = data.lstrip()[:1]
    if not head:
        raise InputError("empty input, expected lshw -json or -xml output", source=source)
    if head == b"<":
        return _from_xml(data, source), []
    if head in (b"{", b"["):
        return _from_json(data, source)
    raise InputError(
        "not lshw output: expected JSON (lshw -json) or XML (lshw -xml)",
        source=source,
        location="line 1",
    )


# ----------------------------------------------------------------------------------------------
# Walking: nodes into components
# ----------------------------------------------------------------------------------------------


_BRACKETED_ID = re.compile(r"\[[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})?\]")
_BRACKETED_ID_MAX = len("[ffff:ffff]")


def _line_end(text: str) -> int:
    """Where ``$`` matches last: before a final newline, else at the end."""
    return len(text) - 1 if text.endswith("\n") else len(text)


def strip_numeric_id(value: str) -> str:
    """``Intel Corporation [8086]`` -> ``Intel Corporation`` (``lshw -numeric``).

    What ``re.sub(r"\\s*\\[[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})?\\]$", "", value)`` did, in
    linear time (the pattern is quadratic on a long run of spaces).
    """
    end = _line_end(value)
    body = value[:end]
    if not body.endswith("]"):
        return value
    opening = body.rfind("[", max(0, end - _BRACKETED_ID_MAX))
    if opening < 0 or not _BRACKETED_ID.fullmatch(body, opening):
        return value
    return body[:opening].rstrip() + value[end:]


def split_suffix(text: str) -> tuple[str, str] | None:
    """``ProLiant DL360p Gen8 (763480-B21)`` -> (``ProLiant DL360p Gen8``, ``763480-B21``).

    What ``^(.*?)\\s*\\(([^()]*)\\)$`` matched, in linear time (the pattern is quadratic on a
    long run of spaces).
    """
    end = _line_end(text)
    body = text[:end]
    if not body.endswith(")"):
        return None
    opening = body.rfind("(")
    if opening < 0 or ")" in body[opening + 1 : end - 1]:
        return None
    head = body[:opening].rstrip()
    if "\n" in head:  # ``.`` stops at a newline
        return None
    return head, body[opening + 1 : end - 1]


def _s(node: dict[str, Any], key: str) -> str | None:
    value = node.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    if key in ("vendor", "product"):
        value = strip_numeric_id(value)  # lshw -numeric appends [8086] / [8086:1521]
    return clean(value)


def _pci_id(node: dict[str, Any]) -> str | None:
    product = node.get("product")
    if isinstance(product, str):
        m = re.search(r"\[([0-9A-Fa-f]{4}:[0-9A-Fa-f]{1,4})\]$", product)
        if m:
            return m.group(1).lower()
    return None


def _conf(node: dict[str, Any], key: str) -> str | None:
    conf = node.get("configuration")
    if isinstance(conf, dict):
        value = conf.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return clean(str(value))
    return None


def _org(name: str | None) -> Organization | None:
    return Organization(name) if name else None


def _children(node: dict[str, Any]) -> list[dict[str, Any]]:
    kids = node.get("children")
    return [k for k in kids if isinstance(k, dict)] if isinstance(kids, list) else []


def _walk(
    node: dict[str, Any], parent: dict[str, Any] | None = None
) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    stack: list[tuple[dict[str, Any], dict[str, Any] | None]] = [(node, parent)]
    while stack:
        n, p = stack.pop()
        yield n, p
        stack.extend((c, n) for c in reversed(_children(n)))


def _empty(node: dict[str, Any]) -> bool:
    desc = node.get("description")
    return bool(node.get("disabled")) or (isinstance(desc, str) and "[empty]" in desc)


def _pci(node: dict[str, Any]) -> str | None:
    businfo = _s(node, "businfo")
    if businfo and businfo.startswith("pci@"):
        return normalize_bus_address(businfo)
    return None


def _pci_props(comp: Component, node: dict[str, Any]) -> None:
    pci_id = _pci_id(node)
    if pci_id:
        comp.properties.append((tx.PCI_ID, pci_id))


def _firmware(part: Component, version: str | None, name: str) -> None:
    if version:
        link_firmware(
            part,
            Component(
                ref=f"fw:{part.ref[3:]}",
                name=name,
                type="firmware",
                version=version,
                seen_by=[SOURCE],
            ),
        )


def _nvme(node: dict[str, Any]) -> bool:
    desc = (_s(node, "description") or "").casefold()
    return "nvme" in desc or _conf(node, "driver") == "nvme"


@dataclass(slots=True)
class _Builder:
    inv: Inventory
    baseboard: Component | None = None
    nics: dict[str, Component] = field(default_factory=dict)
    index: int = 0

    def next_index(self) -> int:
        self.index += 1
        return self.index

    def system(self, node: dict[str, Any]) -> None:
        product = _s(node, "product")
        sku = _conf(node, "sku")
        m = split_suffix(product or "")
        if m and (
            m[1] == sku or clean(m[1]) is None or m[1] == node.get("configuration", {}).get("sku")
        ):
            product = m[0]  # lshw appends the SKU: "ProLiant DL360p Gen8 (763480-B21)"
        props: list[tuple[str, str]] = []
        uuid = _conf(node, "uuid")
        if uuid:
            props.append((tx.SYSTEM_UUID, uuid))
        self.inv.system = Component(
            ref="hw:server",
            name=product or "server",
            cls="server",
            manufacturer=_org(_s(node, "vendor")),
            version=_s(node, "version"),
            serial=_s(node, "serial"),
            sku=sku,
            seen_by=[SOURCE],
            properties=props,
        )

    def core(self, node: dict[str, Any]) -> None:
        if not (_s(node, "product") or _s(node, "vendor") or _s(node, "serial")):
            return
        self.baseboard = Component(
            ref="hw:baseboard",
            name=_s(node, "product") or "baseboard",
            cls="baseboard",
            manufacturer=_org(_s(node, "vendor")),
            version=_s(node, "version"),
            serial=_s(node, "serial"),
            seen_by=[SOURCE],
        )
        self.inv.parts.append(self.baseboard)

    def bios(self, node: dict[str, Any]) -> None:
        props: list[tuple[str, str]] = []
        date = _s(node, "date")
        if date:
            props.append((tx.FIRMWARE_RELEASE_DATE, date))
        fw = Component(
            ref="fw:bios",
            name="BIOS",
            type="firmware",
            manufacturer=_org(_s(node, "vendor")),
            version=_s(node, "version"),
            seen_by=[SOURCE],
            properties=props,
        )
        if self.baseboard is not None:
            link_firmware(self.baseboard, fw)
        else:
            self.inv.parts.append(fw)

    def cpu(self, node: dict[str, Any]) -> None:
        if _empty(node) or not (_s(node, "product") or _s(node, "vendor")):
            return
        slot = _s(node, "slot")
        self.inv.parts.append(
            Component(
                ref=part_ref("cpu", slot, f"lshw-{self.next_index()}"),
                name=_s(node, "product") or _s(node, "version") or "processor",
                cls="cpu",
                manufacturer=_org(_s(node, "vendor")),
                serial=_s(node, "serial"),
                slot=slot,
                seen_by=[SOURCE],
            )
        )

    def memory_bank(self, node: dict[str, Any]) -> None:
        if _empty(node):
            return
        slot = _s(node, "slot")
        props: list[tuple[str, str]] = []
        size = _s(node, "size")
        if size:
            props.append((tx.MEMORY_SIZE, f"{size} bytes"))
        desc = _s(node, "description")
        part = _s(node, "product")
        self.inv.parts.append(
            Component(
                ref=part_ref("memory", slot, f"lshw-{self.next_index()}"),
                name=part or desc or "memory module",
                description=desc,
                cls="memory",
                manufacturer=_org(_s(node, "vendor")),
                part_number=part,
                serial=_s(node, "serial"),
                slot=slot,
                seen_by=[SOURCE],
                properties=props,
            )
        )

    def network(self, node: dict[str, Any]) -> None:
        bus = _pci(node)
        if bus is None:
            return
        device = bus[:-1] + "0"  # the physical device: function 0 of domain:bus:device
        nic = self.nics.get(device)
        if nic is None:
            nic = Component(
                ref=part_ref("nic", device),
                name=_s(node, "product") or _s(node, "description") or "network adapter",
                description=_s(node, "description"),
                cls="nic",
                manufacturer=_org(_s(node, "vendor")),
                version=_s(node, "version"),
                bus_address=device,
                seen_by=[SOURCE],
            )
            self.nics[device] = nic
            _pci_props(nic, node)
            self.inv.parts.append(nic)
            _firmware(nic, _conf(node, "firmware"), "NIC firmware")
        mac = _s(node, "serial")
        if mac and (MAC_ADDRESS, mac) not in nic.properties:
            nic.properties.append((MAC_ADDRESS, mac))
        name = node.get("logicalname")
        if isinstance(name, str) and clean(name):
            nic.properties.append((tx.NIC_INTERFACE, name))

    def display(self, node: dict[str, Any]) -> None:
        bus = _pci(node)
        if bus is None:
            return
        vendor = _s(node, "vendor")
        is_gpu = bool(vendor and _GPU_VENDORS.search(vendor))
        cls = "gpu" if is_gpu else "other"
        comp = Component(
            ref=part_ref(cls, bus),
            name=_s(node, "product") or _s(node, "description") or "display controller",
            description=_s(node, "description"),
            cls=cls,
            manufacturer=_org(vendor),
            version=_s(node, "version"),
            bus_address=bus,
            seen_by=[SOURCE],
        )
        _pci_props(comp, node)
        self.inv.parts.append(comp)

    def storage(self, node: dict[str, Any]) -> None:
        bus = _pci(node)
        if bus is None:
            return
        if _nvme(node):
            serial = _s(node, "serial")
            drive = Component(
                ref=part_ref("storage", serial or bus),
                name=_s(node, "product") or "NVMe drive",
                description=_s(node, "description"),
                cls="storage",
                manufacturer=_org(_s(node, "vendor")),
                serial=serial,
                bus_address=bus,
                seen_by=[SOURCE],
            )
            _firmware(drive, _conf(node, "firmware") or _s(node, "version"), "drive firmware")
            self.inv.parts.append(drive)
            return
        ctrl = Component(
            ref=part_ref("storage-controller", bus),
            name=_s(node, "product") or _s(node, "description") or "storage controller",
            description=_s(node, "description"),
            cls="storage-controller",
            manufacturer=_org(_s(node, "vendor")),
            version=_s(node, "version"),
            serial=_s(node, "serial"),
            bus_address=bus,
            seen_by=[SOURCE],
        )
        _pci_props(ctrl, node)
        _firmware(ctrl, _conf(node, "firmware"), "controller firmware")
        self.inv.parts.append(ctrl)

    def disk(self, node: dict[str, Any], parent: dict[str, Any] | None) -> None:
        if parent is not None and parent.get("class") == "storage" and _nvme(parent):
            return  # an NVMe namespace, not a drive
        if parent is not None and parent.get("class") == "disk":
            return  # a medium inside a drive
        product = _s(node, "product")
        vendor = _s(node, "vendor")
        if not product or _empty(node):
            return
        if _VIRTUAL.search(f"{vendor or ''} {product}"):
            return
        serial = _s(node, "serial")
        businfo = _s(node, "businfo")
        props: list[tuple[str, str]] = []
        if businfo:
            props.append((tx.LSHW_BUSINFO, businfo))
        size = _s(node, "size")
        if size:
            props.append((tx.STORAGE_SIZE, f"{size} bytes"))
        drive = Component(
            ref=part_ref("storage", serial or businfo, f"lshw-{self.next_index()}"),
            name=product,
            description=_s(node, "description"),
            cls="storage",
            manufacturer=_org(vendor),
            serial=serial,
            seen_by=[SOURCE],
            properties=props,
        )
        _firmware(drive, _s(node, "version"), "drive firmware")
        self.inv.parts.append(drive)

    def power(self, node: dict[str, Any]) -> None:
        if _empty(node):
            return
        desc = _s(node, "description")
        part = _s(node, "product")
        slot = _s(node, "slot") or desc
        props: list[tuple[str, str]] = []
        capacity = _s(node, "capacity")
        if capacity:
            props.append((tx.PSU_MAX_POWER, f"{capacity} mW"))
        self.inv.parts.append(
            Component(
                ref=part_ref("psu", slot, f"lshw-{self.next_index()}"),
                name=part or desc or "power supply",
                cls="psu",
                manufacturer=_org(_s(node, "vendor")),
                part_number=part,
                serial=_s(node, "serial"),
                slot=slot,
                seen_by=[SOURCE],
                properties=props,
            )
        )


def inventory_from_nodes(nodes: list[dict[str, Any]], notes: list[str] | None = None) -> Inventory:
    inv = Inventory(source=SOURCE, notes=list(notes or []))
    b = _Builder(inv)
    for top in nodes:
        for node, parent in _walk(top):
            cls = node.get("class")
            raw_id = node.get("id")
            ident = raw_id if isinstance(raw_id, str) else ""
            if cls == "system" and parent is None and inv.system is None:
                b.system(node)
            elif cls == "bus" and ident == "core" and b.baseboard is None:
                b.core(node)
            elif cls == "memory" and ident.startswith("firmware"):
                b.bios(node)
            elif cls == "processor":
                b.cpu(node)
            elif cls == "memory" and ident.startswith("bank"):
                b.memory_bank(node)
            elif cls == "network":
                b.network(node)
            elif cls == "display":
                b.display(node)
            elif cls == "storage":
                b.storage(node)
            elif cls == "disk":
                b.disk(node, parent)
            elif cls == "power":
                b.power(node)
    return inv


def collect_lshw(path: str | os.PathLike[str]) -> Inventory:
    """Read ``lshw -json`` or ``lshw -xml`` output from a file (``-`` for stdin)."""
    source = display_name(path)
    nodes, notes = parse_lshw(read_bytes(path), source)
    return inventory_from_nodes(nodes, notes)
