"""Every distribution sovbom imports is declared in pyproject.toml, with a lower bound, and every
declared runtime dependency is used."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    out = {}
    for requirement in project["dependencies"]:
        name = re.match(r"[A-Za-z0-9._-]+", requirement)
        assert name, requirement
        out[_normalise(name.group())] = requirement
    return out


def _imported() -> dict[str, set[str]]:
    """Top-level modules imported anywhere in src/sovbom -> the files importing them."""
    out: dict[str, set[str]] = {}
    for path in (ROOT / "src" / "sovbom").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "sovbom" and top not in sys.stdlib_module_names:
                    out.setdefault(top, set()).add(path.relative_to(ROOT).as_posix())
    return out


def test_every_imported_distribution_is_declared() -> None:
    declared = _declared()
    dists = packages_distributions()
    missing = {}
    for module, files in _imported().items():
        assert module in dists, f"{module} is imported ({sorted(files)}) but not installed"
        if not any(_normalise(d) in declared for d in dists[module]):
            missing[module] = sorted(files)
    assert not missing, f"imported but not in [project] dependencies: {missing}"


#: Declared distributions that src/ loads without an import statement, and why.
LOADED_BY_NAME = {"psycopg": "the PostgreSQL driver SQLAlchemy loads from a postgresql:// URL"}


def test_declared_dependencies_have_a_lower_bound_and_are_used() -> None:
    dists = packages_distributions()
    used = {_normalise(d) for module in _imported() for d in dists.get(module, ())}
    for name, requirement in _declared().items():
        assert ">=" in requirement or "~=" in requirement, f"no lower bound: {requirement}"
        assert name in used or name in LOADED_BY_NAME, (
            f"{requirement} is declared but src/ never imports it"
        )
