"""Observed and factory HBOMs carrying synthetic identity evidence (CycloneDX JSON form)."""

from __future__ import annotations

from typing import Any

from device_pki import NOW, Device

from sovbom.identity import cdx
from sovbom.model import Component


def gpu(ref: str, serial: str, slot: str) -> Component:
    return Component(ref=ref, name="GPU", cls="gpu", serial=serial, slot=slot, seen_by=["test"])


def observed_doc(
    parts: list[tuple[Component, Device | None, bytes | None, bytes | None]],
    revocation: dict[str, list[bytes]] | None = None,
) -> dict[str, Any]:
    """``parts``: (component, device whose chain it presents, transcript, nonce sent)."""
    comps = []
    for comp, device, transcript, nonce in parts:
        if device is not None:
            cdx.attach_evidence(
                comp,
                device.chain,
                source="test",
                transcript=(cdx.data_uri(transcript), transcript) if transcript else None,
                nonce=nonce,
                collected=NOW.isoformat(),
                revocation=[(cdx.data_uri(b), b) for b in (revocation or {}).get(comp.ref, [])],
            )
        comps.append(comp.to_cdx())
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": comps}


def factory_doc(parts: list[tuple[Component, Device]]) -> dict[str, Any]:
    comps = []
    for comp, device in parts:
        cdx.record_identity(
            comp,
            device_ids=[device.device_id],
            measurements={str(i): f"SHA-384:{v.hex()}" for i, v in device.measurements.items()},
        )
        comps.append(comp.to_cdx())
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": comps}
