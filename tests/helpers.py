"""Small helpers importable from every test module (``tests`` is on sys.path)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def assert_valid_bom(doc: dict[str, Any]) -> None:
    """Every BOM a test produces must be valid against the official schema and consistent."""
    from sovbom.cyclonedx.integrity import integrity_problems
    from sovbom.cyclonedx.schema import schema_problems

    problems = schema_problems(doc, doc["specVersion"]) + integrity_problems(doc)
    assert not problems, [str(p) for p in problems]


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def assert_valid_bom_file(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = load_json(path)
    assert_valid_bom(doc)
    return doc


def dir_listing(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())
