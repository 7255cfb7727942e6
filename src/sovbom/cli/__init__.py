"""The ``sovbom`` command line: one click group; each command lives in its own module here.

This package is the only place that imports click. It parses options, calls the library and maps
:class:`sovbom.errors.SovbomError` to exit codes; it holds no business logic.
"""

from __future__ import annotations

from sovbom.cli import build as _build  # noqa: F401  (registers commands)
from sovbom.cli import check as _check  # noqa: F401
from sovbom.cli import collect as _collect  # noqa: F401
from sovbom.cli import collect_software as _collect_software  # noqa: F401
from sovbom.cli import config as _config  # noqa: F401
from sovbom.cli import conformance as _conformance  # noqa: F401
from sovbom.cli import convert as _convert  # noqa: F401
from sovbom.cli import delivery as _delivery  # noqa: F401
from sovbom.cli import diff as _diff  # noqa: F401
from sovbom.cli import identity as _identity  # noqa: F401
from sovbom.cli import pack as _pack  # noqa: F401
from sovbom.cli import sign as _sign  # noqa: F401
from sovbom.cli import trust as _trust_commands  # noqa: F401
from sovbom.cli import validate as _validate  # noqa: F401
from sovbom.cli._common import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="sovbom", auto_envvar_prefix="SOVBOM")
