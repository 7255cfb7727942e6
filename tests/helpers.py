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


def error_lines(stderr: str) -> list[str]:
    """The ``sovbom: error:`` lines of a run's stderr."""
    return [line for line in stderr.splitlines() if line.startswith("sovbom: error:")]


def assert_refused(result: Any, *sources: Path | str, output: Path | None = None) -> str:
    """Exit 4 (bad input) with one error line naming one of ``sources``, no traceback, and
    nothing written at ``output``; returns the error line."""
    assert result.exit_code == 4, (result.exit_code, result.output)
    errors = error_lines(result.stderr)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(tuple(f"sovbom: error: {s}" for s in sources)), errors[0]
    assert "Traceback" not in result.stderr
    if output is not None:
        assert not output.exists()
    return errors[0]
