"""The ``sovbom`` command line: one click group; each command lives in its own module here.

This package is the only place that imports click. It parses options, calls the library and maps
:class:`sovbom.errors.SovbomError` to exit codes; it holds no business logic.
"""

from __future__ import annotations

from sovbom.cli._common import LazyCommand, cli

__all__ = ["COMMANDS", "cli", "main"]

#: Every command: the modules that define it (imported when it runs) and its one-line help.
COMMANDS: dict[str, LazyCommand] = {
    "build": LazyCommand(("sovbom.cli.build",), "Build a server's CycloneDX BOM."),
    "check": LazyCommand(("sovbom.cli.check",), "Check a server BOM against a provenance policy."),
    "claim": LazyCommand(
        ("sovbom.cli.claim",),
        "Evaluate an origin claim on a server BOM, condition by condition.",
    ),
    "collect": LazyCommand(
        ("sovbom.cli.collect", "sovbom.cli.collect_software"),
        "Collect what a server actually contains (observed inventories).",
    ),
    "inspect": LazyCommand(
        ("sovbom.cli.pack",),
        "Re-verify an evidence pack offline, with your own trust material.",
    ),
    "pack": LazyCommand(
        ("sovbom.cli.pack",),
        "Write one evidence pack for an inspection: BOMs, bundles, trust material, policy,"
        " reports.",
    ),
    "serve": LazyCommand(
        ("sovbom.cli.serve",),
        "Serve the fleet dashboard: overview, where-used search, servers, rechecks, JSON.",
    ),
    "sign": LazyCommand(
        ("sovbom.cli.sign",),
        "Sign FILES with Sigstore: one bundle (v0.3 JSON) per file, over its exact bytes.",
    ),
    "trace": LazyCommand(
        ("sovbom.cli.check",),
        "Show every path from each server root to the components matching a query.",
    ),
    "validate": LazyCommand(
        ("sovbom.cli.validate",), "Check CycloneDX documents (JSON or XML, spec 1.2 to 1.7)."
    ),
    "verify": LazyCommand(
        ("sovbom.cli.sign",),
        "Verify FILES against their Sigstore bundles: signature, transparency log, signer"
        " identity.",
    ),
    "verify-delivery": LazyCommand(
        ("sovbom.cli.delivery",),
        "Verify a delivered server against the manufacturer's signed factory HBOM.",
    ),
    "config": LazyCommand(
        ("sovbom.cli.config",),
        "Show the defaults in effect for shared options, and where each comes from.",
    ),
    "conformance": LazyCommand(
        ("sovbom.cli.conformance",), "Check a BOM against a minimum-elements profile."
    ),
    "convert": LazyCommand(
        ("sovbom.cli.convert",), "Convert a CycloneDX BOM (JSON or XML) to another format."
    ),
    "diff": LazyCommand(
        ("sovbom.cli.diff",),
        "Show what differs between two CycloneDX BOMs A (before) and B (after).",
    ),
    "fleet": LazyCommand(
        ("sovbom.cli.fleet",),
        "Every server's BOMs and verdicts in one database: where-used, summaries, rechecks.",
    ),
    "trust": LazyCommand(
        ("sovbom.cli.trust",),
        "Show the Sigstore trusted root in use; save a private instance's for offline use.",
    ),
    "verify-hardware": LazyCommand(
        ("sovbom.cli.identity",),
        "Verify the hardware identity evidence in an OBSERVED HBOM, offline.",
    ),
}
cli.lazy.update(COMMANDS)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="sovbom", auto_envvar_prefix="SOVBOM")
