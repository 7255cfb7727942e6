"""The fleet report kinds (``fleet_ingest``, ``where_used``, ``fleet_summary``, ``recheck``,
``history``) in every format, as one mixin per format that the format's renderer inherits.

Table, Markdown and HTML lay out the same :class:`~sovbom.report.fleet_data.View` (titled tables);
JSON writes the documents of ``schemas/fleet-report.schema.json``; SARIF reports a recheck's
failing and flipped servers and an ingest's skipped files as results, and where-used matches as
notes (summary and history carry their figures in the run's properties).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from sovbom.report import fleet_data as data

if TYPE_CHECKING:
    from sovbom.fleet.history import HistoryReport
    from sovbom.fleet.ingest import IngestReport
    from sovbom.fleet.query import WhereUsedReport
    from sovbom.fleet.recheck import RecheckReport
    from sovbom.fleet.summary import SummaryReport


class _ViewMixin:
    """The five kinds through one ``_view`` layout method of the format."""

    def _view(self, view: data.View) -> bytes:
        raise NotImplementedError

    def fleet_ingest(self, report: IngestReport) -> bytes:
        return self._view(data.ingest_view(report))

    def where_used(self, report: WhereUsedReport) -> bytes:
        return self._view(data.where_used_view(report))

    def fleet_summary(self, report: SummaryReport) -> bytes:
        return self._view(data.summary_view(report))

    def recheck(self, report: RecheckReport) -> bytes:
        return self._view(data.recheck_view(report))

    def history(self, report: HistoryReport) -> bytes:
        return self._view(data.history_view(report))


class FleetTableMixin(_ViewMixin):
    color: bool

    def _view(self, view: data.View) -> bytes:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        from sovbom.report.text import plain

        buf = io.StringIO()
        color = getattr(self, "color", False)
        console = Console(file=buf, force_terminal=color, no_color=not color, width=160)
        console.print(escape(plain(view.title)), highlight=False)
        console.print(escape(plain(view.headline)), highlight=False)
        for section in view.sections:
            table = Table(title=escape(plain(section.title)), title_justify="left")
            for col in section.columns:
                table.add_column(col, overflow="fold")
            for row in section.rows:
                table.add_row(*(escape(plain(c)) for c in row))
            if section.rows:
                console.print(table)
            else:
                console.print(f"{escape(plain(section.title))}: none", highlight=False)
        return buf.getvalue().encode("utf-8")


class FleetMarkdownMixin(_ViewMixin):
    def _view(self, view: data.View) -> bytes:
        from sovbom.report.text import plain

        def cell(text: object) -> str:
            return plain(text).replace("|", "\\|")

        out = [f"# {cell(view.title)}", "", cell(view.headline)]
        for section in view.sections:
            out += ["", f"## {cell(section.title)}", ""]
            if not section.rows:
                out.append("None.")
                continue
            out.append("| " + " | ".join(section.columns) + " |")
            out.append("|" + "---|" * len(section.columns))
            out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in section.rows]
        return ("\n".join(out) + "\n").encode("utf-8")


class FleetHtmlMixin(_ViewMixin):
    def _view(self, view: data.View) -> bytes:
        from sovbom.report.html.page import macro, page

        body = macro("report/fleet.html.j2", "fleet_view", view)
        return page(view.title, str(body)).encode("utf-8")


def _json(build: Callable[[Any], dict[str, Any]], report: Any) -> bytes:
    return orjson.dumps(build(report), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


class FleetJsonMixin:
    def fleet_ingest(self, report: IngestReport) -> bytes:
        return _json(data.ingest_dict, report)

    def where_used(self, report: WhereUsedReport) -> bytes:
        return _json(data.where_used_dict, report)

    def fleet_summary(self, report: SummaryReport) -> bytes:
        return _json(data.summary_dict, report)

    def recheck(self, report: RecheckReport) -> bytes:
        return _json(data.recheck_dict, report)

    def history(self, report: HistoryReport) -> bytes:
        return _json(data.history_dict, report)


class FleetSarifMixin:
    def fleet_ingest(self, report: IngestReport) -> bytes:
        from sovbom.report.sarif import FLEET_SKIPPED, _location, _Run

        run = _Run([FLEET_SKIPPED])
        for s in report.skipped:
            index = run.artifact(s.source, None)
            run.result(FLEET_SKIPPED, "error", f"{s.source}: not ingested: {s.reason}",
                       _location(s.source, index, None, None), {"exit_code": s.exit_code})  # fmt: skip
        return run.render({"sovbom_report": data.ingest_dict(report)})

    def where_used(self, report: WhereUsedReport) -> bytes:
        from sovbom.report.sarif import FLEET_WHERE_USED, _location, _Run

        run = _Run([FLEET_WHERE_USED])
        for m in report.matches:
            index = run.artifact(f"sovbom-fleet:{m.server}", m.bom_sha256)
            shown = " > ".join(name for _, name in m.path)
            run.result(FLEET_WHERE_USED, "note", f"{m.server}: {m.name}: {shown}",
                       _location(f"sovbom-fleet:{m.server}", index, m.ref, m.name),
                       {"server": m.server, "bom-ref": m.ref, "countries": list(m.countries)})  # fmt: skip
        return run.render({"query": report.query, "as_of": report.as_of})

    def fleet_summary(self, report: SummaryReport) -> bytes:
        return _sarif_properties(data.summary_dict(report))

    def recheck(self, report: RecheckReport) -> bytes:
        from sovbom.report.sarif import FLEET_CHANGED, FLEET_FAIL, _location, _Run

        run = _Run([FLEET_FAIL, FLEET_CHANGED])
        for s in report.servers:
            uri = f"sovbom-fleet:{s.server}"
            index = run.artifact(uri, s.bom_sha256)
            props = {"server": s.server, "verdict": s.verdict, "previous": s.previous,
                     "worst": s.worst, "findings": s.findings}  # fmt: skip
            if s.verdict == "fail":
                run.result(FLEET_FAIL, "error",
                           f"{s.server}: fails under {report.policy_source} (worst {s.worst})",
                           _location(uri, index, None, None), props)  # fmt: skip
            if s.changed:
                run.result(FLEET_CHANGED, "warning",
                           f"{s.server}: verdict changed from {s.previous} to {s.verdict}",
                           _location(uri, index, None, None), props)  # fmt: skip
        return run.render({"recheck": report.recheck_id, "policy": report.policy_source,
                           "as_of": report.as_of})  # fmt: skip

    def history(self, report: HistoryReport) -> bytes:
        return _sarif_properties(data.history_dict(report))


def _sarif_properties(doc: dict[str, Any]) -> bytes:
    """A SARIF run without results (nothing in this report is a finding), the report as properties."""
    from sovbom.report.sarif import _Run

    return _Run([]).render({"sovbom_report": doc})


__all__ = [
    "FleetHtmlMixin",
    "FleetJsonMixin",
    "FleetMarkdownMixin",
    "FleetSarifMixin",
    "FleetTableMixin",
]
