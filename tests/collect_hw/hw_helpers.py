"""Helpers for the ``collect hardware`` tests: walk an output HBOM, read its properties, and
read source files independently of sovbom's parsers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any


def walk(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """metadata.component and every nested component."""
    stack = [doc["metadata"]["component"], *reversed(doc.get("components", []))]
    while stack:
        comp = stack.pop()
        yield comp
        stack.extend(reversed(comp.get("components", [])))


def props(comp: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in comp.get("properties", []):
        out.setdefault(p["name"], []).append(p["value"])
    return out


def prop(comp: dict[str, Any], name: str) -> str | None:
    values = props(comp).get(name)
    return values[0] if values else None


def of_class(doc: dict[str, Any], cls: str) -> list[dict[str, Any]]:
    return [c for c in walk(doc) if c.get("type") == "device" and prop(c, "sovbom:class") == cls]


def firmware(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in walk(doc) if c.get("type") == "firmware"]


def by_ref(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    found = [c for c in walk(doc) if c.get("bom-ref") == ref]
    assert len(found) == 1, (ref, [c.get("bom-ref") for c in walk(doc)])
    return found[0]


def seen_by(comp: dict[str, Any]) -> list[str]:
    return props(comp).get("sovbom:evidence:source", [])


# -- independent readings of the source files (grep-like, not the code under test) -------------

_HANDLE = re.compile(r"^\s*Handle 0x[0-9A-Fa-f]+, DMI type (\d+),")


def dmi_blocks(text: str) -> list[tuple[int, dict[str, str]]]:
    """(type, {key: value}) per DMI record: lines after a Handle line up to a blank line."""
    out: list[tuple[int, dict[str, str]]] = []
    current: dict[str, str] | None = None
    for line in text.splitlines():
        m = _HANDLE.match(line)
        if m:
            current = {}
            out.append((int(m.group(1)), current))
        elif not line.strip():
            current = None
        elif current is not None and ":" in line and line.startswith(("\t", " ")):
            key, _, value = line.strip().partition(":")
            current.setdefault(key.strip(), value.strip())
    return out
