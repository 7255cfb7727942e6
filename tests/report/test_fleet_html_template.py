"""The fleet reports' HTML comes from the shared templates: every value escaped, empty sections
said, tables as the other reports draw them."""

from __future__ import annotations

from sovbom.report.fleet import FleetHtmlMixin
from sovbom.report.fleet_data import Section, View


def test_a_fleet_view_is_drawn_escaped_by_the_template() -> None:
    hostile = '<img src=x onerror="alert(1)">'
    view = View(
        title=f"Where used: {hostile}",
        headline="1 server",
        sections=[
            Section("Matches", ["server", "path"], [[hostile, "a > b"]]),
            Section("Nothing here", ["x"]),
        ],
    )
    page = FleetHtmlMixin()._view(view).decode()
    assert "<img" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "<th>server</th><th>path</th>" in page and "<td>a &gt; b</td>" in page
    assert "<h2>Nothing here</h2><p>None.</p>" in page
