"""A report and a dashboard page render the same pieces from the same templates, so they look and
escape the same: a component name with markup is the same escaped text in both."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from conftest import HOSTILE, Fleet, get
from sovbom.cli import cli

ESCAPED = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"


def _report(fleet: Fleet, tmp_path: Path) -> str:
    bom = Path(fleet.db.removeprefix("sqlite:///")).parent / "w003.json"
    out = tmp_path / "w003.html"
    args = ["check", str(bom), "--policy", str(fleet.strict), "--as-of", "2026-06-01",
            "-f", "html", "-o", str(out)]  # fmt: skip
    result = CliRunner().invoke(cli, args, catch_exceptions=False, prog_name="sovbom")
    assert result.exit_code in (0, 1), result.stderr
    return out.read_text()


def _row(html: str, table_id: str) -> str:
    """The findings table's row about the hostile part (its cells, without the table's id)."""
    table = html[html.index(f'<table id="{table_id}"') :]
    table = table[: table.index("</table>")]
    rows = [r for r in re.findall(r"<tr[^>]*>.*?</tr>", table, re.S) if "hw:odd" in r]
    assert len(rows) == 1, rows
    return rows[0]


def _node(html: str) -> str:
    return re.findall(r'<g class="node" data-ref="hw:odd">.*?</g>', html, re.S)[0]


def test_a_hostile_name_is_escaped_alike_in_a_report_and_a_page(
    base_url: str, fleet: Fleet, tmp_path: Path
) -> None:
    report = _report(fleet, tmp_path)
    page = get(f"{base_url}/servers/{fleet.hostile_server}").text
    for html in (report, page):
        assert HOSTILE not in html and "<img" not in html
        assert ESCAPED in html
    assert _row(report, "c-findings") == _row(page, "f-findings")
    assert ESCAPED in _row(page, "f-findings")
    assert _node(report) == _node(page)
    assert ESCAPED in _node(page)
