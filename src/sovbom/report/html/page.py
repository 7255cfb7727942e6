"""The page every HTML report is: self-contained, with a Content-Security-Policy, escaped text.

Everything is inline (one style, one script, SVG pictures); the Content-Security-Policy carries the
hashes of the style and the script and forbids anything else, so the page loads nothing from the
network and an injected script would not run.

The frame (head, style, policy, footer, script) is the Jinja2 template ``frame.html.j2`` in
``sovbom/templates``, shared with the dashboard (:mod:`sovbom.web`); each report kind's sections are
templates under ``templates/report`` whose pieces (``report/macros.html.j2``: findings table,
provenance paths, signature, share tables and charts) the dashboard pages use too. Templates
autoescape, undefined names are errors, and :func:`environment`'s ``finalize`` drops control
characters as :func:`esc` does.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html as _html
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from sovbom import __version__

DASH = "\u2013"
#: Longest label drawn in a picture (longer ones end with an ellipsis).
LABEL_CHARS = 60


def _read(name: str) -> str:
    return (resources.files("sovbom") / "templates" / name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


#: The page's inline style and script, from the package's templates.
CSS = _read("page.css")
SCRIPT = _read("page.js")
#: The hashes the Content-Security-Policy allows (nothing else runs or styles the page).
STYLE_SRC = _csp_hash(CSS)
SCRIPT_SRC = _csp_hash(SCRIPT)
#: A static report's policy: nothing loaded, no form submitted.
REPORT_CSP = (
    f"default-src 'none'; img-src data:; style-src {STYLE_SRC}; script-src {SCRIPT_SRC}; "
    "base-uri 'none'; form-action 'none'"
)

#: Control characters HTML does not allow (C0 but tab, line feed and carriage return; DEL; C1).
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)])


def esc(value: object) -> str:
    """Escape anything for HTML text and attribute values (control characters removed)."""
    return _html.escape("" if value is None else str(value).translate(_CONTROLS), quote=True)


def _finalize(value: object) -> object:
    """What a template prints: nothing for None, Markup as it is, anything else escaped by
    :func:`esc` (control characters dropped), so that templates escape exactly as builders do."""
    if isinstance(value, Markup):
        return value
    return Markup(esc(value))  # noqa: S704 - escaped here


def _num(value: int) -> str:
    """A whole number with thousands separators."""
    return f"{value:,}"


@functools.cache
def environment() -> jinja2.Environment:
    """The templates of reports and dashboard pages, loaded once per process: autoescaping,
    undefined names an error, compiled templates kept (the package's files do not change)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sovbom", "templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["num"] = _num
    return env


def macro(template: str, name: str, *args: Any) -> Markup:
    """Call one macro of a template (e.g. ``report/macros.html.j2``'s ``findings_table``)."""
    return Markup(getattr(environment().get_template(template).module, name)(*args))  # noqa: S704


def frame_context(csp: str = REPORT_CSP) -> dict[str, Any]:
    """What the frame template needs besides the title: the policy, style, script and version."""
    return {
        "csp": Markup(csp),  # noqa: S704 - the package's own constant
        "css": Markup(CSS),  # noqa: S704 - the package's own file
        "script": Markup(SCRIPT),  # noqa: S704 - the package's own file
        "version": __version__,
    }


def render(template: str, **context: Any) -> str:
    """Render one of the package's templates (the frame's context included)."""
    return environment().get_template(template).render(**frame_context(), **context)


def page(title: str, body: str) -> str:
    """A whole, self-contained page around ``body`` (HTML already escaped by its builder)."""
    return render("report.html.j2", title=title, body=Markup(body))  # noqa: S704


def html(text: str) -> Markup:
    """HTML text a builder in this package escaped (:func:`esc`), to set into a template."""
    return Markup(text)  # noqa: S704 - escaped by its builder


def dl(items: Iterable[tuple[str, str]]) -> str:
    """A definition list; values are already HTML."""
    return str(macro("report/macros.html.j2", "dl", [(k, html(v)) for k, v in items]))


def signature_html(signature: Mapping[str, Any] | None) -> str:
    """Who signed, when, which log entry, against which trusted root."""
    return str(macro("report/macros.html.j2", "signature", signature))


def short(text: str, n: int = LABEL_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"
