from __future__ import annotations

import subprocess
import sys
from typing import Any

import click

from sovbom import __version__
from sovbom.cli import cli


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None
        out.append((f"{prefix}{name}", cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, f"{prefix}{name} "))
    return out


def test_every_command_has_help_text(run_cli: Any) -> None:
    commands = _commands(cli)
    assert {"build", "validate"} <= {name for name, _ in commands}
    for name, cmd in commands:
        assert cmd.help and len(cmd.help) > 20, name
        result = run_cli(*name.split(), "--help")
        assert result.exit_code == 0, name
        for param in cmd.params:
            if isinstance(param, click.Option) and not param.hidden and param.name != "help":
                assert param.help, f"{name} {param.opts}"


def test_version_and_module_entry_point() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "sovbom", "--version"], capture_output=True, text=True, check=True
    )
    assert __version__ in out.stdout


def test_top_level_help_documents_exit_codes(run_cli: Any) -> None:
    out = run_cli("--help").output
    for code in ("0", "1", "2", "3", "4"):
        assert f"  {code}  " in out


def test_progress_bar_on_a_terminal_and_off(monkeypatch: Any) -> None:
    import sys

    from sovbom.cli._common import progress_bar

    with progress_bar("x", 5) as advance:
        assert advance is None  # stderr is not a terminal under pytest
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with progress_bar("x", 25) as advance:
        assert advance is not None
        for i in range(25):
            advance(i)
    with progress_bar("x", 1) as advance:
        assert advance is None  # one item needs no bar
