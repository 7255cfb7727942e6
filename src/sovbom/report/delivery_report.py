"""Delivery reports: what ``sovbom verify-delivery`` renders, for one server or a shipment.

:class:`DeliveryReport` (one server) and :class:`ShipmentReport` (many) wrap the results of
:mod:`sovbom.delivery` with what a reader needs to trust them (the date of the check); every
:class:`~sovbom.report.interface.ReportFormat` renders both (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import assert_never

from sovbom.delivery import DeliveryResult, ShipmentResult
from sovbom.errors import InputError
from sovbom.report.interface import ReportFormat


@dataclass(slots=True)
class DeliveryReport:
    """One server's delivery verification.

    ``result`` holds everything: ``result.verdict`` (pass/fail) and ``result.reasons()``,
    ``result.signature`` (the Sigstore verdict as a dict), ``result.comparison`` (None when the
    signature failed) with ``.identity`` (list of FieldCheck) and ``.parts`` (list of PartResult:
    ``status``, ``cls``, ``name``, ``expected_ref``, ``found_ref``, ``matched_by``, ``location``,
    ``fields`` -> FieldCheck(``field``, ``expected``, ``found``, ``status``, ``firmware``,
    ``note``), ``unverified``), ``result.policy`` (a CheckResult or None) and
    ``result.unexpected_findings``.
    """

    result: DeliveryResult
    as_of: str


@dataclass(slots=True)
class ShipmentReport:
    """A shipment: one DeliveryResult per server, and where each server's JSON report went."""

    shipment: ShipmentResult
    as_of: str
    #: server id -> path of its JSON report (when --report-dir was given)
    report_files: dict[str, str] = field(default_factory=dict)


def render_delivery(report: DeliveryReport, fmt: ReportFormat, *, color: bool = False) -> bytes:
    """Render one server's report; every format is handled."""
    if fmt is ReportFormat.JSON:
        from sovbom.report.delivery_json import render_delivery_json

        return render_delivery_json(report)
    if fmt is ReportFormat.SARIF:
        from sovbom.report.delivery_sarif import render_delivery_sarif

        return render_delivery_sarif([report.result])
    if fmt is ReportFormat.MARKDOWN:
        from sovbom.report.delivery_markdown import render_delivery_markdown

        return render_delivery_markdown(report).encode("utf-8")
    if fmt is ReportFormat.TABLE:
        from sovbom.report.delivery_table import render_delivery_table

        return render_delivery_table(report, color=color).encode("utf-8")
    if fmt is ReportFormat.HTML:
        return _html("render_delivery_html", report)
    assert_never(fmt)


def render_shipment(report: ShipmentReport, fmt: ReportFormat, *, color: bool = False) -> bytes:
    """Render a shipment's summary; every format is handled."""
    if fmt is ReportFormat.JSON:
        from sovbom.report.delivery_json import render_shipment_json

        return render_shipment_json(report)
    if fmt is ReportFormat.SARIF:
        from sovbom.report.delivery_sarif import render_delivery_sarif

        return render_delivery_sarif(report.shipment.servers)
    if fmt is ReportFormat.MARKDOWN:
        from sovbom.report.delivery_markdown import render_shipment_markdown

        return render_shipment_markdown(report).encode("utf-8")
    if fmt is ReportFormat.TABLE:
        from sovbom.report.delivery_table import render_shipment_table

        return render_shipment_table(report, color=color).encode("utf-8")
    if fmt is ReportFormat.HTML:
        return _html("render_shipment_html", report)
    assert_never(fmt)


def _html(name: str, report: DeliveryReport | ShipmentReport) -> bytes:
    """The HTML renderer lives in :mod:`sovbom.report.html` (``render_delivery_html(report)`` and
    ``render_shipment_html(report)``, returning str or bytes)."""
    from sovbom.report import html

    render = getattr(html, name, None)
    if render is None:
        raise InputError("--format html is not available for delivery reports yet")
    out = render(report)
    return out.encode("utf-8") if isinstance(out, str) else bytes(out)
