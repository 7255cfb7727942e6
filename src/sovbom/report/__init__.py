"""Reports of ``check`` (and, later, ``verify-delivery`` and ``inspect``) in several formats."""

from sovbom.checking import CheckReport
from sovbom.report.interface import ReportFormat, render_check

__all__ = ["CheckReport", "ReportFormat", "render_check"]
