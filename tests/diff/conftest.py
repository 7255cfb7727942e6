"""Fixtures for the diff tests: the local, test-only Sigstore instance (from tests/signing)."""

from __future__ import annotations

from helpers import add_test_dirs, load_conftest

add_test_dirs("signing", "diff")

_signing = load_conftest("signing", "sovbom_tests_signing_conftest_diff")
local_sigstore = _signing.local_sigstore
trust = _signing.trust
_isolated_home = _signing._isolated_home
