"""One self-contained HTML page per report: verdict, signatures, findings, a picture of the server.

:mod:`.page` is the page (inline style and script under a Content-Security-Policy, escaping),
:mod:`.status` and :mod:`.graph` the picture of a server, and one module per report kind
(:mod:`.check`, :mod:`.delivery`, :mod:`.inspect`, :mod:`.trace`) its sections.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sovbom.report.fleet import FleetHtmlMixin

if TYPE_CHECKING:
    from sovbom.checking import CheckReport
    from sovbom.conformance import ConformanceReport
    from sovbom.pack.inspect import InspectReport
    from sovbom.report.interface import DeliveryReport, ShipmentReport, TraceReport


class HtmlRenderer(FleetHtmlMixin):
    """A page to read in a browser, print or file; it loads nothing from the network."""

    def check(self, report: CheckReport) -> bytes:
        from sovbom.report.html.check import render_check

        return render_check(report).encode("utf-8")

    def delivery(self, report: DeliveryReport) -> bytes:
        from sovbom.report.html.delivery import render_delivery

        return render_delivery(report).encode("utf-8")

    def shipment(self, report: ShipmentReport) -> bytes:
        from sovbom.report.html.delivery import render_shipment

        return render_shipment(report).encode("utf-8")

    def inspect(self, report: InspectReport) -> bytes:
        from sovbom.report.html.inspect import render_inspect

        return render_inspect(report).encode("utf-8")

    def trace(self, report: TraceReport) -> bytes:
        from sovbom.report.html.trace import render_trace

        return render_trace(report).encode("utf-8")

    def conformance(self, report: ConformanceReport) -> bytes:
        from sovbom.report.html.conformance import render_conformance

        return render_conformance(report).encode("utf-8")


__all__ = ["HtmlRenderer"]
