"""Servers that are not unique within a shipment.

A shipment verifies each server against its own signed HBOM; nothing in one server's files says
whether another directory holds the same server. Copies of one signed HBOM and its inventory in
several directories would each pass, so that one server on the dock could stand for many. Here
every server's :class:`~sovbom.delivery.model.Fingerprint` is compared with the others': the same
signed HBOM (digest), the same observed HBOM (digest) or a serial number (the server's or a
part's) declared by two servers makes each of them a duplicate, with a reason naming the others.

Linear in the number of servers and serials, whatever the number of copies.
"""

from __future__ import annotations

from collections.abc import Sequence

from sovbom.delivery.model import DeliveryResult

#: Other servers named in a reason (then "and N more").
SHOWN = 3


def _names(names: Sequence[str], total: int) -> str:
    shown = ", ".join(names[:SHOWN])
    more = total - min(len(names), SHOWN)
    return f"{shown} and {more} more" if more > 0 else shown


def _same_digest(groups: dict[str, list[str]], what: str, reasons: dict[str, list[str]]) -> None:
    for servers in groups.values():
        if len(servers) < 2:
            continue
        for i, server in enumerate(servers):
            others = servers[: min(i, SHOWN)] + servers[i + 1 : i + 1 + SHOWN]
            reasons.setdefault(server, []).append(
                f"duplicate: the same {what} as {_names(others, len(servers) - 1)}"
            )


def duplicate_reasons(results: Sequence[DeliveryResult]) -> dict[str, list[str]]:
    """Server -> why it is a duplicate of other servers of the same shipment (only duplicates)."""
    reasons: dict[str, list[str]] = {}
    by_expected: dict[str, list[str]] = {}
    by_observed: dict[str, list[str]] = {}
    digest_of: dict[str, str] = {}
    holders: dict[str, list[tuple[str, str]]] = {}  # serial -> [(server, what declares it)]
    for r in results:
        fp = r.fingerprint
        if fp is None:
            continue
        digest_of[r.server] = fp.expected_sha256
        by_expected.setdefault(fp.expected_sha256, []).append(r.server)
        if fp.observed_sha256:
            by_observed.setdefault(fp.observed_sha256, []).append(r.server)
        for serial, what in fp.serials.items():
            holders.setdefault(serial, []).append((r.server, what))
    _same_digest(by_expected, "signed HBOM", reasons)
    _same_digest(by_observed, "observed HBOM", reasons)
    _shared_serials(holders, digest_of, reasons)
    return reasons


def _name_others(named: list[str], groups: dict[str, list[str]], own: str) -> None:
    """Add servers of the other groups to ``named``, up to :data:`SHOWN` in all."""
    for digest, members in groups.items():
        if digest == own:
            continue
        for m in members:
            if len(named) >= SHOWN:
                return
            if m not in named:
                named.append(m)


def _shared_serials(
    holders: dict[str, list[tuple[str, str]]],
    digest_of: dict[str, str],
    reasons: dict[str, list[str]],
) -> None:
    """Serials declared by servers whose signed HBOMs differ (identical HBOMs have a reason)."""
    count: dict[str, int] = {}
    example: dict[str, str] = {}
    others: dict[str, list[str]] = {}
    for serial_holders in holders.values():
        if len(serial_holders) < 2:
            continue
        groups: dict[str, list[str]] = {}
        for server, _ in serial_holders:
            groups.setdefault(digest_of[server], []).append(server)
        if len(groups) < 2:
            continue
        for server, what in serial_holders:
            own = digest_of[server]
            count[server] = count.get(server, 0) + 1
            example.setdefault(server, what)
            named = others.setdefault(server, [])
            if len(named) < SHOWN:
                _name_others(named, groups, own)
    for server, n in count.items():
        plural = "s" if n != 1 else ""
        reasons.setdefault(server, []).append(
            f"duplicate: {n} serial{plural} of this server's signed HBOM also declared for"
            f" {', '.join(others[server])}{' ...' if len(others[server]) >= SHOWN else ''}"
            f" (first: {example[server]})"
        )


__all__ = ["duplicate_reasons"]
