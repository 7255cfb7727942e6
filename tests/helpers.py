"""Small helpers importable from every test module (``tests`` is on sys.path)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
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


TESTS = Path(__file__).resolve().parent


def add_test_dirs(*names: str) -> None:
    """Put tests/ and the named test directories on ``sys.path`` (their support modules)."""
    for path in (TESTS, *(TESTS / n for n in names)):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def load_conftest(directory: str, name: str) -> ModuleType:
    """Another test directory's conftest, loaded by path under ``name``, to reuse its fixtures."""
    spec = importlib.util.spec_from_file_location(name, TESTS / directory / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def isolate_home(tmp_path_factory: Any, monkeypatch: Any) -> None:
    """sigstore-python caches trust roots and TUF metadata under HOME: give the test its own,
    writable one, with no identity token and no CI provider's ambient credentials."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.delenv("SOVBOM_IDENTITY_TOKEN", raising=False)
    for var in ("GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "GOOGLE_SERVICE_ACCOUNT_NAME"):
        monkeypatch.delenv(var, raising=False)
