"""Reports of ``check`` (and, later, ``verify-delivery`` and ``inspect``) in several formats."""

from sovbom.report.interface import CheckReport, ReportFormat, render_check

__all__ = ["CheckReport", "ReportFormat", "render_check"]
