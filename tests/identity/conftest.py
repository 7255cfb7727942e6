"""Fixtures for hardware identity: a synthetic device PKI made with ``cryptography``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from device_pki import VendorPKI  # noqa: E402


@pytest.fixture(scope="session")
def pki() -> VendorPKI:
    return VendorPKI("Acme GPU", curve="P-384")


@pytest.fixture(scope="session")
def other_pki() -> VendorPKI:
    return VendorPKI("Other Vendor", curve="P-256")
