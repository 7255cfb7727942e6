"""Helpers for the trust command tests (tests/trust_cli is on sys.path)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    """Run ``sovbom ARGS`` in-process; a traceback fails the test."""
    from sovbom.cli import cli

    return CliRunner().invoke(
        cli, [str(a) for a in args], env=env, catch_exceptions=False, prog_name="sovbom"
    )


def write_json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc, indent=2))
    return path
