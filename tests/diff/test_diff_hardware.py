"""Hardware of documents of any kind: the delivery matcher's ``any_document`` passes."""

from __future__ import annotations

from sovbom.delivery.extract import Part
from sovbom.delivery.match import match_parts


def _part(ref: str, name: str, slot: str | None = "mainboard", serial: str | None = None) -> Part:
    return Part(ref, name, None, "Molex", None, None, serial, None, slot, None)


def test_a_shared_location_identifies_no_part_in_any_document() -> None:
    a = [_part("a1", "PCIE-098"), _part("a2", "47155-4001")]
    b = [_part("b2", "47155-4001")]  # the first connector removed
    pairs = [(e.ref, o.ref, how) for e, o, how in match_parts(a, b, any_document=True).pairs]
    assert pairs == [("a2", "b2", "name")]
    # verify-delivery keeps its own rule: the first part at a location
    delivery = match_parts(a, b)
    assert [(e.ref, o.ref, how) for e, o, how in delivery.pairs] == [("a1", "b2", "slot")]


def test_parts_with_serials_are_never_matched_by_name() -> None:
    a = [_part("a1", "NIC", slot=None, serial="S-1")]
    b = [_part("b1", "NIC", slot=None, serial="S-2")]
    m = match_parts(a, b, any_document=True)
    assert m.pairs == [] and [p.ref for p in m.left] == ["a1"]
