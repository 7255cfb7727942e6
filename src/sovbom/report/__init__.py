"""Reports of every command (check, verify-delivery, inspect, trace) in every format.

``renderer_for(ReportFormat.X).kind(report)`` is the one path: see :mod:`sovbom.report.interface`.
"""

from sovbom.report.interface import (
    DeliveryReport,
    Renderer,
    ReportFormat,
    ShipmentReport,
    TraceReport,
    renderer_for,
)

__all__ = [
    "DeliveryReport",
    "Renderer",
    "ReportFormat",
    "ShipmentReport",
    "TraceReport",
    "renderer_for",
]
