"""Text reports never pass input's escape sequences or control characters to the reader's terminal.

A component's name, a serial, a packed report's detail are written by others (a supplier, a BMC,
an operator's evidence pack); ``\\x1b[2J`` in one must not clear the regulator's screen.
"""

from __future__ import annotations

import re

import pytest
from report_support import KINDS, VISIBLE

from sovbom.report import ReportFormat, renderer_for
from sovbom.report.text import plain

#: C0 controls but line feed, DEL, and C1 controls (7-bit ESC included).
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
#: The escape sequences rich writes for its own colours: SGR only.
_SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("fmt", [ReportFormat.TABLE, ReportFormat.MARKDOWN])
def test_no_control_character_reaches_the_terminal(fmt: ReportFormat, kind: str) -> None:
    text = getattr(renderer_for(fmt), kind)(KINDS[kind]()).decode("utf-8")
    assert not _CONTROL.search(text), repr(_CONTROL.findall(text)[:5])
    assert "pwned" not in text  # the window title the OSC sequence would set


@pytest.mark.parametrize("kind", ["check", "delivery", "shipment"])
def test_colour_tables_carry_only_their_own_colours(kind: str) -> None:
    text = getattr(renderer_for(ReportFormat.TABLE, color=True), kind)(KINDS[kind]()).decode()
    assert "\x1b[" in text  # the table's own colours
    rest = _SGR.sub("", text)
    assert not _CONTROL.search(rest), repr(_CONTROL.findall(rest)[:5])
    assert "\x1b[2J" not in text and "\x1b[31mred" not in text


@pytest.mark.parametrize("kind", ["check", "delivery", "inspect"])
def test_the_hostile_names_text_is_still_shown(kind: str) -> None:
    text = getattr(renderer_for(ReportFormat.TABLE), kind)(KINDS[kind]()).decode()
    line = next(ln for ln in text.splitlines() if "NIC red" in ln or "added: NIC" in ln)
    for word in VISIBLE:
        assert word in line


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain name", "plain name"),
        ("\x1b[2Jcleared", "cleared"),
        ("\x1b[1;31mred\x1b[0m", "red"),
        ("\x1b]0;title\x07after", "after"),
        ("\x1b]8;;https://x.example\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x9b2Jeight-bit", "eight-bit"),
        ("a\tb\nc\rd", "a b c d"),
        ("nul\x00bell\x07bs\x08del\x7fnel\x85", "nulbellbsdelnel"),
        ("\x1bc", ""),  # full reset (ESC c)
        ("Grüße 東京", "Grüße 東京"),
    ],
)
def test_plain(raw: str, shown: str) -> None:
    assert plain(raw) == shown
