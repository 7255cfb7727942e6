"""Fixtures for the software collection and composition tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SOFTWARE_DATA = Path(__file__).resolve().parents[1] / "data" / "software"


@pytest.fixture(scope="session")
def data() -> Path:
    return SOFTWARE_DATA


def walk_components(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every component of a JSON-form CycloneDX document (written here, not sovbom's walker)."""
    md = doc.get("metadata") or {}
    stack = list(doc.get("components") or [])
    if isinstance(md.get("component"), dict):
        stack.append(md["component"])
    while stack:
        c = stack.pop()
        yield c
        stack.extend(c.get("components") or [])


def edges(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(d["ref"], t) for d in doc.get("dependencies") or [] for t in d.get("dependsOn") or []}


def unreachable_from_root(doc: dict[str, Any]) -> set[str]:
    """bom-refs of components that the dependency graph does not reach from metadata.component."""
    root = doc["metadata"]["component"]["bom-ref"]
    out: dict[str, list[str]] = {}
    for a, b in edges(doc):
        out.setdefault(a, []).append(b)
    seen = {root}
    stack = [root]
    while stack:
        for nxt in out.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return {c["bom-ref"] for c in walk_components(doc)} - seen


def installed_stanzas(text: str) -> list[dict[str, str]]:
    """Stanzas of a dpkg status file in state 'installed' (a deliberately simple reading)."""
    out = []
    for block in text.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if line and not line[0].isspace() and ":" in line:
                k, _, v = line.partition(":")
                fields[k] = v.strip()
        if fields.get("Package") and fields.get("Status", "").endswith(" installed"):
            out.append(fields)
    return out
