"""Field checks shared across the comparisons of a shipment's servers.

Under the default tolerances and supplier registry, equal field checks are made once and shared
(frozen) by the comparisons of every server. A comparison under other tolerances or another
registry, or of another firmware, gets its own checks: a shared check never stands for one.
"""

from __future__ import annotations

import dataclasses

import pytest

from sovbom.collect.suppliers import parse_registry
from sovbom.delivery.compare import compare_parts
from sovbom.delivery.extract import Firmware, Part
from sovbom.delivery.model import FieldCheck, FieldStatus, PartResult, PartStatus
from sovbom.delivery.tolerances import DeliveryTolerances


def _psu(serial: str, maker: str = "Zeta Power Works", rev: str = "A1", fw: str = "PSU fw") -> Part:
    firmware = [Firmware(f"fw:{serial}", fw, "1.2.4", {}, None)]
    return Part(f"hw:{serial}", "PSU", "psu", maker, "P-3200", "DPS-1", serial, rev, "PSU0",
                None, firmware)  # fmt: skip


def _only(
    e: Part, o: Part, tolerances: DeliveryTolerances | None = None, **kw: object
) -> PartResult:
    comparison = compare_parts((None, [e]), (None, [o], []), tolerances, **kw)  # type: ignore[arg-type]
    (part,) = comparison.parts
    return part


def _field(part: PartResult, name: str) -> FieldCheck:
    return next(f for f in part.fields if f.field == name)


def test_checks_are_shared_between_servers_and_cannot_be_changed() -> None:
    one = _only(_psu("S-1"), _psu("S-1"))
    two = _only(_psu("S-2"), _psu("S-2"))
    assert _field(one, "model") is _field(two, "model")
    assert _field(one, "serial") is not _field(two, "serial")  # serials are not kept
    with pytest.raises(dataclasses.FrozenInstanceError):
        _field(one, "model").status = FieldStatus.MISMATCH  # type: ignore[misc]


def test_ignored_fields_are_not_answered_by_a_shared_check() -> None:
    assert _field(_only(_psu("S-1"), _psu("S-1")), "model").status is FieldStatus.MATCH
    ignoring = DeliveryTolerances(ignore_fields=frozenset({"model"}))
    assert _field(_only(_psu("S-1"), _psu("S-1"), ignoring), "model").status is (
        FieldStatus.IGNORED
    )


def test_another_registry_is_not_answered_by_a_shared_check() -> None:
    e, o = _psu("S-1"), _psu("S-1", maker="Zeta Energy")
    assert _only(e, o).status is PartStatus.SUBSTITUTED  # two companies by default
    registry = parse_registry(
        {
            "version": 1,
            "suppliers": [
                {"name": "Zeta", "country": "DE", "match": ["zeta "], "sources": "test entry"}
            ],
        },
        "test",
    )
    part = _only(e, o, companies=registry)
    assert _field(part, "manufacturer").status is FieldStatus.MATCH
    assert part.status is PartStatus.MATCHED


def test_a_tolerance_changes_a_copy_never_the_shared_check() -> None:
    e, o = _psu("S-1", rev="A1"), _psu("S-1", rev="A2")
    drift = DeliveryTolerances(accept_revision_drift=frozenset({"psu"}))
    accepted = _field(_only(e, o, drift), "revision")
    assert accepted.status is FieldStatus.ACCEPTED and accepted.note
    plain = _field(_only(e, o), "revision")
    assert plain.status is FieldStatus.MISMATCH and plain.note is None


def test_each_firmware_check_names_its_own_firmware() -> None:
    bios = _field(_only(_psu("S-1", fw="BIOS"), _psu("S-1", fw="BIOS")), "firmware_version")
    bmc = _field(_only(_psu("S-1", fw="BMC"), _psu("S-1", fw="BMC")), "firmware_version")
    assert (bios.firmware, bmc.firmware) == ("BIOS", "BMC")


def _unit(
    serial: str, *, maker: str = "Zeta Power Works", rev: str = "A1", version: str = "1.2.4",
    digest: str | None = None,
) -> Part:  # fmt: skip
    hashes = {"SHA-256": digest} if digest else {}
    firmware = [Firmware("fw:psu", "PSU fw", version, hashes, None)]
    return Part("hw:psu", "PSU", "psu", maker, "P-3200", "DPS-1", serial, rev, "PSU0", None,
                firmware)  # fmt: skip


@pytest.mark.parametrize(
    ("found", "status"),
    [
        ({}, PartStatus.MATCHED),
        ({"digest": "aa"}, PartStatus.MATCHED),
        ({"rev": "A2"}, PartStatus.DRIFTED),
        ({"version": "1.2.5"}, PartStatus.DRIFTED),
        ({"maker": "Other Maker"}, PartStatus.SUBSTITUTED),
        ({"maker": "Other Maker", "rev": "A2"}, PartStatus.SUBSTITUTED),
    ],
)
def test_a_pair_whose_serials_are_equal_is_what_the_general_path_makes(
    found: dict[str, str], status: PartStatus
) -> None:
    """Equal serials take a shortcut (the status the pair's shape gives with a matching serial):
    the result and what it verifies are those of the same serials spelled differently, which
    the general path compares."""
    e = _unit("S-1", digest="aa")
    short = compare_parts((None, [e]), (None, [_unit("S-1", **found)], []))
    general = compare_parts((None, [e]), (None, [_unit("s-1", **found)], []))
    (a,), (b,) = short.parts, general.parts
    assert a.status is b.status is status
    assert [(f.field, f.status, f.expected) for f in a.fields] == [
        (f.field, f.status, f.expected) for f in b.fields
    ]
    assert short.verified == general.verified
    assert ("hw:psu" in short.verified) is (status is PartStatus.MATCHED)
    firmware_verified = status is not PartStatus.SUBSTITUTED and "version" not in found
    assert ("fw:psu" in short.verified) is firmware_verified
