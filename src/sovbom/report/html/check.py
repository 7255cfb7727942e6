"""The sections of a check report: verdict, facts, signature, picture, findings, shares, components.

The markup is the template ``report/check.html.j2`` (its pieces in ``report/macros.html.j2``,
shared with the dashboard); this module prepares what it shows. :func:`check_sections` is also
embedded per BOM in an inspection report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sovbom.policy import CheckResult, ClassShare, Finding, fail_on_text, fail_threshold
from sovbom.report.html.graph import graph_svg
from sovbom.report.html.hardware import hardware_html, identity_marks
from sovbom.report.html.origins import origins_sections
from sovbom.report.html.page import html, macro, page
from sovbom.report.html.status import Status, statuses
from sovbom.units import UnitNames

if TYPE_CHECKING:
    from sovbom.checking import CheckReport

#: Rows of the component table (the rest is counted, not shown).
MAX_TABLE_ROWS = 20_000


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    """The order findings are listed in: worst first, then by rule and name."""
    return sorted(findings, key=lambda f: (-int(f.severity), f.rule.value, f.name or ""))


def finding_rows(
    findings: Sequence[Finding], label: Callable[[str], str] | None = None
) -> list[dict[str, Any]]:
    """What the findings table shows of each finding (in :func:`sort_findings` order); ``label``
    names the refs of the component and its paths (:class:`sovbom.units.UnitNames`)."""
    name_of = label or (lambda ref: ref)
    return [
        {
            "severity": f.severity.label, "rule": f.rule.value,
            "component": name_of(f.ref) if label and f.ref else f.name or "",
            "ref": f.ref or "", "countries": f.countries,
            "level": f.level.label if f.level is not None else "", "message": f.message,
            "exempt": (f.exempted_by.describe(), f.exempted_by.reason) if f.exempted_by else None,
            "counts": f.counts, "paths": [[name_of(r) for r in p] for p in f.paths[:3]],
        }
        for f in sort_findings(findings)
    ]  # fmt: skip


def findings_html(
    findings: Sequence[Finding], prefix: str, label: Callable[[str], str] | None = None
) -> str:
    """The findings table (with a filter box)."""
    rows = finding_rows(findings, label)
    return str(macro("report/macros.html.j2", "findings_table", rows, prefix))


def share_rows(r: CheckResult) -> list[tuple[str, ClassShare]]:
    return [*sorted(r.by_class.items()), ("all judged components", r.total_share())]


def share_html(r: CheckResult) -> str:
    return str(macro("report/macros.html.j2", "share_table", share_rows(r)))


def component_rows(report: CheckReport, st: Status) -> tuple[list[tuple[Any, ...]], int]:
    """The component table's rows (at most :data:`MAX_TABLE_ROWS`) and how many more there are;
    ``st``: the components' :func:`~sovbom.report.html.status.statuses`."""
    pg = report.graph
    units = UnitNames.of(pg)
    rows = []
    refs = list(pg.components)
    for ref in refs[:MAX_TABLE_ROWS]:
        comp = pg.components[ref]
        prov = pg.provenance(ref)
        unit = units.unit(ref)
        rules = sorted({f.rule.value for f in st.findings.get(ref, ()) if f.counts})
        rows.append((
            (comp.get("name") or ref) + (f" [{unit}]" if unit else ""), comp.get("version") or "",
            comp.get("type") or "", prov.cls or "", prov.manufacturer or prov.supplier or "",
            st.country.get(ref, ""), st.status.get(ref, "unknown"), ref in st.unverified,
            ", ".join(rules), comp.get("purl") or ref,
        ))  # fmt: skip
    return rows, max(len(refs) - MAX_TABLE_ROWS, 0)


def check_view(report: CheckReport, prefix: str, level: int = 2) -> dict[str, Any]:
    """What the check sections show."""
    r = report.result
    counts = r.counts_by_severity()
    total = r.total_share()
    st = statuses(report.graph, report.policy, r.findings)  # for the table and the picture
    rows, more = component_rows(report, st)
    return {
        "fails": r.fails(fail_threshold(report.fail_on)),
        "summary": ", ".join(f"{n} {s}" for s, n in reversed(counts.items()) if n) or "no findings",
        "exempted": sum(1 for f in r.findings if not f.counts),
        "fail_on": fail_on_text(report.fail_on),
        "bom_source": report.bom_source, "bom_sha256": report.bom_sha256,
        "bom_serial": report.bom_serial or "", "policy_source": report.policy.source,
        "policy_sha256": report.policy_sha256 or "",
        "domestic": sorted(report.policy.domestic), "approved": sorted(report.policy.approved),
        "denied": sorted(report.policy.denied), "as_of": report.as_of,
        "components": r.components,
        "share": f"{100 * total.domestic / total.total:.1f}%" if total.total else "\u2013",
        "signature": report.signature,
        "graph": html(_graph(report, prefix, st)),
        "findings": finding_rows(r.findings, UnitNames.of(report.graph)),
        "shares": share_rows(r),
        "origins": html(origins_sections(report, prefix, level)),
        "hardware": html(hardware_html(report, f"h{level}")),
        "evidence": sorted(report.verified_evidence.items()),
        "component_rows": rows, "more_components": more,
    }  # fmt: skip


def check_sections(report: CheckReport, prefix: str = "c", level: int = 2) -> str:
    """The body of a check report (also embedded per BOM in an inspection report)."""
    view = check_view(report, prefix, level)
    return str(macro("report/check.html.j2", "check_sections", view, prefix, level))


def _graph(report: CheckReport, prefix: str, st: Status) -> str:
    """The provenance graph, with the hardware identity marks when it was checked."""
    text = {p.ref: p.summary() for p in report.hardware_identity or ()}
    return graph_svg(
        report.graph,
        report.policy,
        report.result.findings,
        prefix,
        identity_marks(report),
        text,
        status=st,
    )


def render_check(report: CheckReport) -> str:
    name = report.graph.label_of(report.graph.root) if report.graph.root else report.bom_source
    title = str(macro("report/macros.html.j2", "heading", f"Provenance check: {name}"))
    return page(f"sovbom check: {name}", title + check_sections(report))
