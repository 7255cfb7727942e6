"""Fixtures for the diff tests: the local, test-only Sigstore instance (from tests/signing)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

TESTS = Path(__file__).resolve().parents[1]
for _p in (TESTS, TESTS / "signing", TESTS / "diff"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_signing = _load("sovbom_tests_signing_conftest_diff", TESTS / "signing" / "conftest.py")
local_sigstore = _signing.local_sigstore
trust = _signing.trust
_isolated_home = _signing._isolated_home
