"""The ``sovbom`` command line: one click group; each command lives in its own module here.

This package is the only place that imports click. It parses options, calls the library and maps
:class:`sovbom.errors.SovbomError` to exit codes; it holds no business logic.
"""

from __future__ import annotations

from sovbom.cli._common import cli

# Each command's module is imported when the command is used (see SovbomGroup.lazy_commands).
cli.lazy_commands.update(
    {
        "build": ("sovbom.cli.build",),
        "check": ("sovbom.cli.check",),
        "trace": ("sovbom.cli.check",),
        "collect": ("sovbom.cli.collect", "sovbom.cli.collect_software"),
        "verify-delivery": ("sovbom.cli.delivery",),
        "pack": ("sovbom.cli.pack",),
        "inspect": ("sovbom.cli.pack",),
        "sign": ("sovbom.cli.sign",),
        "verify": ("sovbom.cli.sign",),
        "validate": ("sovbom.cli.validate",),
        "config": ("sovbom.cli.config",),
        "conformance": ("sovbom.cli.conformance",),
        "convert": ("sovbom.cli.convert",),
        "verify-hardware": ("sovbom.cli.identity",),
        "trust": ("sovbom.cli.trust",),
        "fleet": ("sovbom.cli.fleet",),
        "serve": ("sovbom.cli.serve",),
    }
)

__all__ = ["cli", "main"]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="sovbom", auto_envvar_prefix="SOVBOM")
