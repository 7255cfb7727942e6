"""What every part of the Redfish collector shares: URIs and links, the fetcher protocol, costs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sovbom.placeholders import clean

#: The Redfish service root; every resource the walk follows lives under it.
ROOT = "/redfish/v1"
#: ``seen_by`` of every component the collector makes.
SOURCE = "redfish"
#: The largest Redfish resource read, from a BMC or a mockup file (real ones are under 100 KiB).
MAX_RESOURCE_BYTES = 16 * 1024 * 1024

#: A Redfish resource as JSON (the payload itself stays loosely typed).
Resource = Mapping[str, Any]


@dataclass(slots=True)
class RedfishStats:
    """What a walk cost: HTTP requests (or files read), retries, wall time."""

    requests: int = 0
    resources: int = 0
    retries: int = 0
    unavailable: int = 0
    concurrency: int = 1
    seconds: float = 0.0
    auth: str = "none"  # none, session, basic, or mockup

    def summary(self) -> str:
        return (
            f"redfish: {self.resources} resources, {self.requests} requests "
            f"({self.retries} retries, {self.unavailable} unavailable), auth {self.auth}, "
            f"concurrency {self.concurrency}, {self.seconds:.2f} s"
        )


class Unavailable(Exception):
    """One resource could not be had; the walk goes on and the inventory is incomplete."""

    def __init__(self, uri: str, reason: str) -> None:
        super().__init__(f"{uri}: {reason}")
        self.uri = uri
        self.reason = reason


class Fetcher(Protocol):
    """Where the walk gets resources from: a live BMC or a mockup directory.

    ``get`` returns the JSON object at a URI, raises :class:`Unavailable` when that one resource
    cannot be had, and :class:`~sovbom.errors.SovbomError` when the whole walk must stop.
    """

    stats: RedfishStats

    def get(self, uri: str) -> dict[str, Any]: ...

    def describe(self, uri: str) -> str: ...


# --------------------------------------------------------------------------------------------
# URIs and links
# --------------------------------------------------------------------------------------------


def norm(uri: str) -> str:
    """``/redfish/v1/Systems/1/`` -> ``/redfish/v1/Systems/1``; the fragment is kept."""
    path, sep, frag = uri.partition("#")
    path = path.rstrip("/") or "/"
    if path.lower() == ROOT:
        path = ROOT
    return path + (sep + frag if sep else "")


def short(uri: str) -> str:
    """The part of a URI used in bom-refs: no ``/redfish/v1/`` prefix, fragments flattened."""
    path, _, frag = uri.partition("#")
    if path.startswith(ROOT + "/"):
        path = path[len(ROOT) + 1 :]
    elif path == ROOT:
        path = "ServiceRoot"
    if frag:
        path = path + "/" + frag.strip("/")
    return path


def link(value: object) -> str | None:
    """The ``@odata.id`` of a link object, normalised, or None."""
    if isinstance(value, Mapping):
        target = value.get("@odata.id")
        if isinstance(target, str) and target.startswith(ROOT):
            return norm(target)
    return None


def links(value: object) -> list[str]:
    """All ``@odata.id`` targets of a link object or an array of them."""
    if isinstance(value, list):
        return [u for u in (link(v) for v in value) if u]
    one = link(value)
    return [one] if one else []


def pcie_device_of(uri: str) -> str:
    """``.../PCIeDevices/X/PCIeFunctions/1`` -> ``.../PCIeDevices/X``."""
    head, sep, _ = uri.partition("/PCIeFunctions/")
    return head if sep else uri


# --------------------------------------------------------------------------------------------
# Reading resources
# --------------------------------------------------------------------------------------------


def present(doc: Resource) -> bool:
    """False when the resource says its part is not there (``Status.State`` is ``Absent``)."""
    status = doc.get("Status")
    if isinstance(status, Mapping):
        return status.get("State") not in ("Absent",)
    return True


def text(doc: Resource, key: str) -> str | None:
    """A string (or number) property, without placeholder values; None when missing."""
    value = doc.get(key)
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None
