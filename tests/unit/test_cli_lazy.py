"""``sovbom --help`` and ``--version`` start without importing any command (README "Speed")."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import click

import sovbom.cli
from sovbom.cli import COMMANDS, cli

SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = ("networkx", "yaml", "orjson", "jsonschema_rs", "sigstore", "rich", "requests")

PROBE = """
import sys
from sovbom.cli import main
sys.argv = ["sovbom", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
loaded = [
    m for m in sys.modules
    if m.split(".")[0] in {heavy!r} or (m.startswith("sovbom.cli.") and m != "sovbom.cli._common")
]
print("LOADED", sorted(loaded))
"""


def _load_every_command_module() -> None:
    for info in pkgutil.iter_modules(sovbom.cli.__path__, "sovbom.cli."):
        importlib.import_module(info.name)


def _run(*args: str, prelude: str = "") -> str:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    code = prelude + PROBE.format(heavy=set(HEAVY))
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
    )
    return out.stdout


def test_registry_names_every_command_with_its_own_help_line() -> None:
    _load_every_command_module()
    assert set(cli.commands) == set(COMMANDS)
    ctx = click.Context(cli)
    for name, lazy in COMMANDS.items():
        cmd = cli.get_command(ctx, name)
        assert cmd is not None, name
        assert cmd.get_short_help_str(limit=1000) == lazy.help, name
        assert (
            cmd.callback is not None
            and cmd.callback.__module__ in lazy.modules
            or isinstance(cmd, click.Group)
        ), name


def test_version_and_help_import_no_command_and_no_heavy_library() -> None:
    for args in (["--version"], ["--help"]):
        out = _run(*args)
        assert "LOADED []" in out, (args, out)


def test_help_is_the_same_with_the_commands_loaded() -> None:
    lazy = _run("--help").split("LOADED")[0]
    eager = _run(
        "--help",
        prelude="import importlib, pkgutil, sovbom.cli\n"
        "for i in pkgutil.iter_modules(sovbom.cli.__path__, 'sovbom.cli.'):\n"
        "    importlib.import_module(i.name)\n",
    ).split("LOADED")[0]
    assert lazy == eager
    assert "verify-delivery" in lazy and "Exit codes" in lazy


def test_a_command_runs_after_being_loaded_on_demand() -> None:
    out = _run("validate", "--help")
    assert "Check CycloneDX documents" in out
    assert "'sovbom.cli.validate'" in out
