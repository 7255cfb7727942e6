"""JEDEC JEP106 manufacturer identification codes of memory vendors.

A JEP106 code is a *bank* (1 + the number of ``0x7F`` continuation codes before it) and an *id*
byte (with its odd-parity bit, as dmidecode prints it). Sources show it three ways:

* dmidecode ``Module Manufacturer ID: Bank 1, Hex 0xAD``;
* a raw SPD hex string in ``Manufacturer`` (``80AD000080AD``, ``00CE00B300CE``): the first byte is
  the continuation count (bit 7 is a parity bit, often left clear), the second the id;
* a short form ``0x80AD`` / ``80AD`` / ``0198``.

The table covers the DRAM makers and module vendors met on servers; an unknown code stays unknown.
Entries were checked against the SPD vendor table of SpdReaderWriter (2-byte continuation+id
codes) and ipmitool's ``ipmi_spd.c``.
"""

from __future__ import annotations

import re

#: (bank, id byte) -> vendor name.
JEP106: dict[tuple[int, int], str] = {
    # bank 1
    (1, 0x01): "AMD",
    (1, 0x04): "Fujitsu",
    (1, 0x2C): "Micron Technology",
    (1, 0x89): "Intel",
    (1, 0x98): "Kioxia (Toshiba)",
    (1, 0xAD): "SK hynix",
    (1, 0xC1): "Infineon",
    (1, 0xCE): "Samsung",
    (1, 0xDA): "Winbond Electronics",
    # bank 2
    (2, 0x40): "Viking Technology",
    (2, 0x4F): "Transcend Information",
    (2, 0x7A): "Apacer Technology",
    (2, 0x94): "Smart Modular",
    (2, 0x98): "Kingston",
    (2, 0xA8): "STEC",
    (2, 0xBA): "PNY Electronics",
    # bank 3
    (3, 0x16): "Netlist",
    (3, 0x9E): "Corsair",
    (3, 0xFE): "Elpida Memory",
    # bank 4
    (4, 0x0B): "Nanya Technology",
    (4, 0x25): "Kingmax Semiconductor",
    (4, 0x94): "Mushkin",
    (4, 0xDA): "Swissbit",
    # bank 5
    (5, 0x43): "Ramaxel Technology",
    (5, 0xCB): "ADATA Technology",
    (5, 0xCD): "G.Skill",
    (5, 0xEF): "Team Group",
    # bank 6
    (6, 0x02): "Patriot Memory",
    (6, 0x51): "Qimonda",
    (6, 0x9B): "Crucial Technology",
    (6, 0xBA): "Virtium Technology",
    # bank 7
    (7, 0xF1): "Innodisk",
    (7, 0xD3): "Silicon Power",
}

_BANK_HEX = re.compile(r"^\s*Bank\s+(\d+)\s*,\s*Hex\s+0x([0-9A-Fa-f]{2})\s*$")
_RAW_HEX = re.compile(r"^(?:0x)?([0-9A-Fa-f]{4})(?:[0-9A-Fa-f]{4}){0,3}$")


def lookup(bank: int, ident: int) -> str | None:
    """The vendor for a bank and an id byte (as printed, parity bit included)."""
    return JEP106.get((bank, ident))


def from_module_id(text: str | None) -> str | None:
    """``Bank 1, Hex 0xAD`` (dmidecode's ``Module Manufacturer ID``) -> ``SK hynix``."""
    if not text:
        return None
    m = _BANK_HEX.match(text)
    if not m:
        return None
    return lookup(int(m.group(1)), int(m.group(2), 16))


def from_hex(text: str | None) -> str | None:
    """A raw JEDEC hex ``Manufacturer`` (``80AD000080AD``, ``00CE00B300CE``, ``0x0198``) -> name.

    Returns None when ``text`` is not such a code or the code is unknown.
    """
    if not text:
        return None
    m = _RAW_HEX.match(text.strip())
    if not m:
        return None
    # A plain 4-digit decimal-looking number like "1234" is rarely a vendor code; require that
    # the continuation byte is plausible (at most 15 continuation codes).
    code = m.group(1)
    cont = int(code[:2], 16) & 0x7F
    if cont > 15:
        return None
    return lookup(cont + 1, int(code[2:], 16))


def is_jedec_hex(text: str | None) -> bool:
    """True when ``text`` looks like a raw JEDEC code (known or not)."""
    return bool(text and _RAW_HEX.match(text.strip()) and not text.strip().isdigit())
