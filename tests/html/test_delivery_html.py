"""The delivery and shipment HTML reports (rendered through the HTML renderer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import synthetic
from test_html_browser import assert_clean, shoot, visit

from sovbom.delivery import (
    Comparison,
    DeliveryResult,
    FieldCheck,
    FieldStatus,
    PartResult,
    PartStatus,
    ShipmentResult,
    SourceInfo,
)
from sovbom.report import DeliveryReport, ReportFormat, ShipmentReport, renderer_for

SIGNATURE = {
    "identity": "hbom-signer@factory.example",
    "issuer": "https://sso.factory.example",
    "roles": ["manufacturer"],
    "log_index": 42,
    "integrated_time": "2026-10-01T09:00:00+00:00",
}


def _result(server: str, substituted: bool) -> DeliveryResult:
    parts = [
        PartResult(
            PartStatus.MATCHED, "gpu", f"Accelerator {i}", f"gpu{i}", f"g{i}", "serial", f"slot {i}"
        )
        for i in range(8)
    ]
    parts += [
        PartResult(
            PartStatus.MATCHED, "memory", "64GB RDIMM", f"dimm{i}", f"d{i}", "slot", f"DIMM{i}"
        )
        for i in range(32)
    ]
    if substituted:
        parts.append(
            PartResult(
                PartStatus.SUBSTITUTED,
                "nic",
                synthetic.HOSTILE[1],
                "nic0",
                "n0",
                "slot",
                "PCIe 3",
                [FieldCheck("serial", "NIC-001", synthetic.HOSTILE[0], FieldStatus.MISMATCH)],
            )  # fmt: skip
        )
    comparison = Comparison(
        identity=[FieldCheck("serial", "SRV-1", "SRV-1", FieldStatus.MATCH)],
        parts=parts,
        ignored_unexpected=0,
        verified={},
        expected_parts=len(parts),
        observed_parts=len(parts),
    )
    return DeliveryResult(
        server=server,
        expected=SourceInfo("expected.cdx.json", "ab" * 32),
        observed=SourceInfo("observed.cdx.json"),
        signature=SIGNATURE,
        signature_ok=True,
        comparison=comparison,
    )


def test_delivery_html(tmp_path: Path) -> None:
    html = renderer_for(ReportFormat.HTML)
    text = html.delivery(DeliveryReport(_result("srv-1", True), as_of="2026-11-01")).decode()
    assert "FAIL" in text and "substituted" in text
    assert "hbom-signer@factory.example" in text and "42" in text
    for name in synthetic.HOSTILE:
        assert name not in text
    assert "<img" not in text


def test_delivery_and_shipment_in_browser(browser: Any, tmp_path: Path, artifacts: Path) -> None:
    one = tmp_path / "delivery.html"
    html = renderer_for(ReportFormat.HTML)
    one.write_bytes(html.delivery(DeliveryReport(_result("srv-1", True), as_of="2026-11-01")))
    ship = tmp_path / "shipment.html"
    shipment = ShipmentResult("shipment-7", [_result("srv-1", True), _result("srv-2", False)])
    ship.write_bytes(html.shipment(ShipmentReport(shipment, as_of="2026-11-01")))
    for path, name in ((one, "html-delivery"), (ship, "html-shipment")):
        v = visit(browser, path)
        assert_clean(v, path)
        assert v.page.locator("svg.delivery-parts").count() >= 1
        assert v.page.locator("rect.s-denied").count() >= 1
        shoot(v, artifacts, name)
        v.page.close()
