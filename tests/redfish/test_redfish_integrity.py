"""ComponentIntegrity, TrustedComponents and device certificates of the DMTF mockup, kept as
identity evidence on the part they concern (mockup directory and served by a local BMC)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from redfish_server import RedfishServer
from rf_support import PASSWORD, USER, assert_schema_valid, components

from sovbom.collect.interface import Inventory
from sovbom.collect.redfish import collect_mockup, collect_redfish_with_stats
from sovbom.collect.redfish.integrity import PROP_INTEGRITY, hash_name
from sovbom.identity import cdx

pytestmark = pytest.mark.corpus
TREE = Path("hardware") / "redfish" / "dmtf-public-rackmount1"


def _props(comp: object, name: str) -> list[str]:
    return [v for n, v in comp.properties if n == name]  # type: ignore[attr-defined]


def _check(inv: Inventory) -> None:
    by_resource = {}
    for c in components(inv):
        for uri in _props(c, PROP_INTEGRITY):
            by_resource[uri] = c
    # SS-SPDM-0 -> AC-RoT0, SS-SPDM-1 -> CPU1, TPM-0 -> the TPM; USB-Integrity is disabled
    assert sorted(by_resource) == [
        "/redfish/v1/ComponentIntegrity/SS-SPDM-0",
        "/redfish/v1/ComponentIntegrity/SS-SPDM-1",
        "/redfish/v1/ComponentIntegrity/TPM-0",
    ]
    rot = by_resource["/redfish/v1/ComponentIntegrity/SS-SPDM-0"]
    certs = [c for c in rot.children if c.type == "cryptographic-asset"]
    # DeviceCert -> contoso-subca (its Links.Issuer) -> contoso-root
    subjects = [c.crypto_properties["certificateProperties"]["subjectName"] for c in certs]  # type: ignore[index]
    assert [s.split(",")[0] for s in subjects] == [
        "CN=Storage Products",
        "CN=Certificate Division",
        "OU=Redfish",
    ]
    measurements = _props(rot, cdx.MEASUREMENT)
    assert len(measurements) == 3
    assert measurements[0].startswith("1:SHA-512:2b4ceacc")
    tpm = by_resource["/redfish/v1/ComponentIntegrity/TPM-0"]
    assert _props(tpm, "sovbom:identity:bmc-verification-status") == ["Success"]
    assert [m.split(":")[0] for m in _props(tpm, cdx.MEASUREMENT)] == [
        "pcr1",
        "pcr3",
        "pcr1",
        "pcr3",
    ]
    assert_schema_valid(inv)


def test_mockup_integrity_is_collected(corpus: Path) -> None:
    _check(collect_mockup(corpus / TREE))


def test_live_bmc_integrity_is_collected(
    corpus: Path, redfish_server: Callable[..., RedfishServer]
) -> None:
    server = redfish_server(corpus / TREE)
    inv, _ = collect_redfish_with_stats(
        server.url, username=USER, password=PASSWORD, timeout=2, retries=1, concurrency=4
    )
    _check(inv)
    assert server.get_count("/redfish/v1/ComponentIntegrity/TPM-0") == 1


def test_tpm_algorithm_names() -> None:
    assert hash_name("TPM_ALG_SHA_384") == "SHA-384"
    assert hash_name("TPM_ALG_SHA256") == "SHA-256"
