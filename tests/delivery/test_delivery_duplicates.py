"""Duplicate servers within a shipment (sovbom.delivery.duplicates), on fingerprints alone."""

from __future__ import annotations

from sovbom.delivery import DeliveryResult, Fingerprint, ShipmentResult, SourceInfo
from sovbom.delivery.duplicates import duplicate_reasons


def server(
    name: str, digest: str, serials: list[str], observed: str | None = None
) -> DeliveryResult:
    fp = Fingerprint(digest, observed, {s.casefold(): f"serial {s} of DIMM" for s in serials})
    return DeliveryResult(
        server=name, expected=SourceInfo(name), observed=None, signature=None, signature_ok=True,
        fingerprint=fp,
    )  # fmt: skip


def test_unique_servers_have_no_reason() -> None:
    servers = [server(f"s{i}", f"d{i}", [f"S{i}-A", f"S{i}-B"], f"o{i}") for i in range(5)]
    assert duplicate_reasons(servers) == {}


def test_each_kind_of_duplicate_has_its_reason() -> None:
    servers = [
        server("a", "d1", ["X-1"], "o1"),
        server("b", "d1", ["X-1"], "o2"),  # the same signed HBOM as a (its serials say no more)
        server("c", "d3", ["Y-1"], "o1"),  # the same observed HBOM as a
        server("d", "d4", ["Z-1", "x-1"]),  # a serial of a and b (compared without case)
    ]
    reasons = duplicate_reasons(servers)
    assert reasons["a"] == [
        "duplicate: the same signed HBOM as b",
        "duplicate: the same observed HBOM as c",
        "duplicate: 1 serial of this server's signed HBOM also declared for d"
        " (first: serial X-1 of DIMM)",
    ]
    assert reasons["b"][0] == "duplicate: the same signed HBOM as a"
    assert reasons["c"] == ["duplicate: the same observed HBOM as a"]
    assert reasons["d"] == [
        "duplicate: 1 serial of this server's signed HBOM also declared for a, b"
        " (first: serial x-1 of DIMM)"
    ]


def test_a_duplicate_fails_its_server_and_the_shipment() -> None:
    servers = [server("a", "d1", ["X"]), server("b", "d1", ["X"])]
    for s in servers:
        s.duplicates = duplicate_reasons(servers)[s.server]
    shipment = ShipmentResult("ship", servers)
    assert shipment.duplicated_servers == ["a", "b"]
    assert shipment.exit_code == 3
    assert servers[0].reasons() == ["duplicate: the same signed HBOM as b"]


def test_many_copies_give_short_reasons() -> None:
    n = 600
    copies = [server(f"s{i:04d}", "same", [f"P-{k}" for k in range(150)], "obs") for i in range(n)]
    resigned = [server(f"r{i:04d}", f"d{i}", [f"P-{k}" for k in range(150)]) for i in range(n)]
    reasons = duplicate_reasons(copies + resigned)
    assert len(reasons) == 2 * n
    assert (
        reasons["s0000"][0] == "duplicate: the same signed HBOM as s0001, s0002, s0003 and 596 more"
    )
    assert reasons["s0007"][0].startswith("duplicate: the same signed HBOM as s0000, s0001, s0002")
    assert reasons["r0005"] == [
        "duplicate: 150 serials of this server's signed HBOM also declared for s0000, s0001,"
        " s0002 ... (first: serial P-0 of DIMM)"
    ]
    assert max(len(r) for rs in reasons.values() for r in rs) < 200
