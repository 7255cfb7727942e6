"""An exemption by supplier names a company, whatever spelling the BOM uses (issue: one company identity)."""

from __future__ import annotations

from sovbom.model import Provenance
from sovbom.policy.config import Exemption


def _prov(manufacturer: str) -> Provenance:
    return Provenance(manufacturer, None, None, None, None, None, None, None, None, (), ())


def _exemption(supplier: str) -> Exemption:
    return Exemption({"supplier": supplier}, "test", "tester", None, None, 0)


def test_supplier_exemption_matches_another_spelling_of_the_same_company() -> None:
    exemption = _exemption("Super Micro Computer, Inc.")
    assert exemption.matches("psu-1", {}, _prov("Supermicro"))


def test_supplier_exemption_does_not_match_another_company() -> None:
    exemption = _exemption("Super Micro Computer, Inc.")
    assert not exemption.matches("psu-1", {}, _prov("Delta Electronics"))
