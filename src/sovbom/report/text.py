"""Helpers shared by the text formats (table, markdown): terminal-safe values and the verdict line."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sovbom.checking import CheckReport
    from sovbom.trace import Match

#: An escape sequence: CSI (``ESC [ ... final``), OSC / DCS / APC / PM / SOS strings (ended by
#: BEL or ST) and two-byte escapes, in their 7-bit and 8-bit (C1) forms.
_ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]"
)
#: What is left of the C0 and C1 controls (and DEL) after the sequences are gone.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def plain(value: object) -> str:
    """``value`` as text a terminal shows as is: escape sequences and control characters removed.

    Names, serials and messages come from BOMs, inventories and packed reports written by others;
    an ANSI sequence in a component's name must not clear or rewrite the reader's terminal. Tabs,
    line feeds and carriage returns become spaces (a value never starts a new line of its own).
    """
    text = str(value)
    if not _CONTROL.search(text):
        return text
    text = _ESCAPE.sub("", text)
    return _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r" else "", text)


def match_title(m: Match) -> str:
    """A trace match in one line: ``64GB DDR5 RDIMM [slot DIMM_A0] (device, KR)``.

    ``m.name`` names the unit (see :mod:`sovbom.units`); the text is not yet made :func:`plain`.
    """
    about = ", ".join(x for x in (m.type, ", ".join(m.countries)) if x)
    return f"{m.name} ({about})" if about else m.name


def verdict_line(report: CheckReport) -> tuple[bool, str]:
    """Whether the check fails, and a one-line summary: ``FAIL: 2 high, 5 low (fails on high)``."""
    from sovbom.policy import fail_on_text, fail_threshold

    r = report.result
    fails = r.fails(fail_threshold(report.fail_on))
    counts = [f"{n} {sev}" for sev, n in reversed(r.counts_by_severity().items()) if n]
    exempted = sum(1 for f in r.findings if not f.counts)
    text = ", ".join(counts) or "no findings"
    if exempted:
        text += f"; {exempted} exempted"
    return fails, f"{'FAIL' if fails else 'PASS'}: {text} ({fail_on_text(report.fail_on)})"


def share_scope(report: CheckReport) -> str:
    """What the domestic shares are computed over: the components in the policy's origin scope."""
    n = report.result.total_share().total
    scope = report.policy.origin_scope
    what = f"over {n} component{'s' if n != 1 else ''} in the policy's origin scope"
    if scope is None:
        return f"{what} (all components)"
    return f"{what} ({', '.join(sorted(scope))}) of {report.result.components}"
