"""What a report is: the formats, the report kinds, and the renderer every format implements.

A :class:`Renderer` has one method per report kind (``check``, ``delivery``, ``shipment``,
``inspect``, ``trace``, ``conformance``, ``diff``, and the fleet's ``fleet_ingest``, ``where_used``,
``fleet_summary``, ``recheck``, ``history``); :func:`renderer_for` maps each :class:`ReportFormat` to its class with
``assert_never``, so adding a format that does not render every kind fails ``mypy --strict``.
Adding a format touches this module (one enum member, one branch) and its own module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, assert_never, runtime_checkable

if TYPE_CHECKING:
    from sovbom.checking import CheckReport
    from sovbom.conformance import ConformanceReport
    from sovbom.delivery import DeliveryResult, ShipmentResult
    from sovbom.diff import DiffReport
    from sovbom.fleet.history import HistoryReport
    from sovbom.fleet.ingest import IngestReport
    from sovbom.fleet.query import WhereUsedReport
    from sovbom.fleet.recheck import RecheckReport
    from sovbom.fleet.summary import SummaryReport
    from sovbom.pack.inspect import InspectReport
    from sovbom.trace import Query, TraceResult


class ReportFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    HTML = "html"


@dataclass(slots=True)
class DeliveryReport:
    """One server's delivery verification, and the date it was checked on.

    ``result.verdict`` (pass/fail) and ``result.reasons()``; ``result.signature`` (the Sigstore
    verdict as a dict); ``result.comparison`` (None when the signature failed) with ``.identity``
    (FieldCheck) and ``.parts`` (PartResult); ``result.policy`` (a CheckResult or None) and
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
    #: the report directory every server's JSON report is in (``--report-dir``), named by
    #: :func:`~sovbom.delivery.shipment.report_name`: no path kept per server
    report_dir: str | None = None

    def report_file(self, server: str) -> str | None:
        """The path of ``server``'s JSON report: from :attr:`report_files`, else in
        :attr:`report_dir`; None when it has none."""
        given = self.report_files.get(server)
        if given is not None or self.report_dir is None:
            return given
        from sovbom.delivery.shipment import report_name

        return str(Path(self.report_dir) / report_name(server))


@dataclass(slots=True)
class TraceReport:
    """What ``trace`` found: per BOM, the components matching ``query`` and their paths."""

    results: list[TraceResult]
    query: Query

    @property
    def total(self) -> int:
        return sum(len(r.matches) for r in self.results)

    @property
    def used_in(self) -> int:
        return sum(1 for r in self.results if r.matches)

    def headline(self) -> str:
        return (
            f"{self.total} match(es) for {self.query.describe()!r} in {self.used_in}"
            f" of {len(self.results)} BOM(s)"
        )


@runtime_checkable
class ShipmentStreamer(Protocol):
    """A renderer that gives a shipment's report in pieces, in order, as it reads the servers
    (so that the report of a large shipment is never whole in memory)."""

    def shipment_stream(self, report: ShipmentReport) -> Iterator[bytes]: ...


def shipment_chunks(renderer: Renderer, report: ShipmentReport) -> Iterator[bytes]:
    """``renderer.shipment(report)`` in pieces: streamed by a :class:`ShipmentStreamer` (JSON,
    Markdown), else whole; the pieces joined are the same bytes either way."""
    if isinstance(renderer, ShipmentStreamer):
        yield from renderer.shipment_stream(report)
    else:
        yield renderer.shipment(report)


class Renderer(Protocol):
    """One output format: every report kind, rendered to the bytes written out."""

    def check(self, report: CheckReport) -> bytes: ...

    def delivery(self, report: DeliveryReport) -> bytes: ...

    def shipment(self, report: ShipmentReport) -> bytes: ...

    def inspect(self, report: InspectReport) -> bytes: ...

    def trace(self, report: TraceReport) -> bytes: ...

    def conformance(self, report: ConformanceReport) -> bytes: ...

    def fleet_ingest(self, report: IngestReport) -> bytes: ...

    def where_used(self, report: WhereUsedReport) -> bytes: ...

    def fleet_summary(self, report: SummaryReport) -> bytes: ...

    def recheck(self, report: RecheckReport) -> bytes: ...

    def history(self, report: HistoryReport) -> bytes: ...

    def diff(self, report: DiffReport) -> bytes: ...


def renderer_for(fmt: ReportFormat, *, color: bool = False) -> Renderer:
    """The renderer of ``fmt`` (``color``: ANSI colours in the terminal table)."""
    if fmt is ReportFormat.TABLE:
        from sovbom.report.table import TableRenderer

        return TableRenderer(color=color)
    if fmt is ReportFormat.JSON:
        from sovbom.report.json_format import JsonRenderer

        return JsonRenderer()
    if fmt is ReportFormat.SARIF:
        from sovbom.report.sarif import SarifRenderer

        return SarifRenderer()
    if fmt is ReportFormat.MARKDOWN:
        from sovbom.report.markdown import MarkdownRenderer

        return MarkdownRenderer()
    if fmt is ReportFormat.HTML:
        from sovbom.report.html import HtmlRenderer

        return HtmlRenderer()
    assert_never(fmt)


__all__ = [
    "DeliveryReport",
    "Renderer",
    "ReportFormat",
    "ShipmentReport",
    "ShipmentStreamer",
    "TraceReport",
    "renderer_for",
    "shipment_chunks",
]
