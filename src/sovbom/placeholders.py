"""Values that sources print where they know nothing: never identifiers, always unknown."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PLACEHOLDERS = frozenset(
    v.lower()
    for v in (
        "",
        "Not Specified",
        "Not Provided",
        "Not Available",
        "NOT AVAILABLE",
        "Unknown",
        "UNKNOWN",
        "NO DIMM",
        "To be filled by O.E.M.",
        "To Be Filled By O.E.M.",
        "Default string",
        "Default String",
        "System Serial Number",
        "System Product Name",
        "System manufacturer",
        "Base Board Serial Number",
        "Chassis Serial Number",
        "0123456789",
        "01234567890123456789AB",
        "123456789",
        "1234567890",
        "None",
        "none",
        "null",
        "N/A",
        "NA",
        "n/a",
        "--",
        "-",
        "[REMOVED]",
        "Empty",
        "OEM",
        "O.E.M.",
        "XXXXXXXXXX",
        "SerNum0",
        "SerNum1",
        "SerNum2",
        "SerNum3",
        "PartNum0",
        "PartNum1",
        "Not Installed",
        "No Module Installed",
        "Unknown Unknown",
        # Seen in SMBIOS tables of real servers (lshw-tests Sun X8420, Gigabyte, AMI boards):
        "PartNum2",
        "PartNum3",
        "PartNum4",
        "SerNum4",
        "Manufacturer0",
        "Manufacturer1",
        "Manufacturer2",
        "Manufacturer3",
        "Manufacturer4",
        "AssetTagNum0",
        "AssetTagNum1",
        "AssetTagNum2",
        "AssetTagNum3",
        "AssetTagNum4",
        "Chassis SKU Number",
        "Chassis Part Number",
        "Default_string",
    )
)
_ALL_SAME = re.compile(r"^(.)\1{3,}$")  # 0000000000, FFFFFFFF, ........


def is_placeholder(value: str | None) -> bool:
    """True when ``value`` carries no information (a placeholder, padding, all one character)."""
    if value is None:
        return True
    v = value.strip()
    if v.lower() in _PLACEHOLDERS:
        return True
    # _ALL_SAME, without the regular expression for what it cannot match (most values)
    return len(v) >= 4 and v.count(v[0]) == len(v) and bool(_ALL_SAME.match(v))


def cleaned(values: Iterable[str]) -> list[str | None]:
    """:func:`clean` of each string of ``values``, in one pass (a shipment's serials: millions)."""
    placeholder, all_same = _PLACEHOLDERS, _ALL_SAME.match
    return [
        None
        if (v := s.strip()).lower() in placeholder
        or (len(v) >= 4 and v.count(v[0]) == len(v) and all_same(v))
        else v
        for s in values
    ]


def clean(value: str | None) -> str | None:
    """Strip padding; return None for placeholders."""
    if value is None:
        return None
    v = value.strip()
    return None if is_placeholder(v) else v
