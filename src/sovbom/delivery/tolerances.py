"""The tolerances of a delivery comparison: the ``delivery`` section of a policy
(``schemas/policy.schema.json``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sovbom.policy import Policy


@dataclass(slots=True)
class DeliveryTolerances:
    """The ``delivery`` section of a policy."""

    ignore_fields: frozenset[str] = frozenset()
    #: part class (or ``*``) -> firmware versions accepted in place of the declared one, if newer
    accept_newer_firmware: dict[str, frozenset[str]] = field(default_factory=dict)
    accept_revision_drift: frozenset[str] = frozenset()
    ignore_unexpected_classes: frozenset[str] = frozenset()

    @classmethod
    def from_policy_section(cls, section: Mapping[str, Any] | None) -> DeliveryTolerances:
        section = section or {}
        newer: dict[str, set[str]] = {}
        for entry in section.get("accept_newer_firmware") or ():
            newer.setdefault(str(entry["class"]), set()).update(map(str, entry["versions"]))
        return cls(
            ignore_fields=frozenset(section.get("ignore_fields") or ()),
            accept_newer_firmware={k: frozenset(v) for k, v in newer.items()},
            accept_revision_drift=frozenset(section.get("accept_revision_drift") or ()),
            ignore_unexpected_classes=frozenset(section.get("ignore_unexpected_classes") or ()),
        )

    def accepts_firmware(self, cls: str | None, expected: str, found: str) -> bool:
        allowed = self.accept_newer_firmware.get(cls or "", frozenset()) | (
            self.accept_newer_firmware.get("*", frozenset())
        )
        return found in allowed and version_key(found) > version_key(expected)


def tolerances_of(policy: Policy | None) -> DeliveryTolerances:
    """The tolerances a policy sets (none without a policy)."""
    return DeliveryTolerances.from_policy_section(policy.delivery if policy is not None else None)


_VERSION_TOKEN = re.compile(r"(\d+)")


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """A natural ordering of version strings: ``2.16.1-ycs1`` > ``2.16.0-ycs3`` > ``2.9``."""
    out: list[tuple[int, int | str]] = []
    for token in _VERSION_TOKEN.split(version.strip().lower()):
        if not token:
            continue
        if token.isdigit():
            out.append((1, int(token)))
        else:
            stripped = token.strip(".-_+ ")
            if stripped:
                out.append((0, stripped))
    return tuple(out)


__all__ = ["DeliveryTolerances", "tolerances_of", "version_key"]
