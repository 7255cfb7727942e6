"""Every ``samples/...`` path that a command's ``--help`` or the README names exists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from sovbom.cli import cli

REPO = Path(__file__).resolve().parents[2]
_SAMPLE = re.compile(r"(?<![\w/.-])samples/[\w.*?/-]*")


def _help_texts(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> list[tuple[str, click.Command]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None
        out.append((" ".join((*prefix, name)), cmd))
        if isinstance(cmd, click.Group):
            out.extend(_help_texts(cmd, (*prefix, name)))
    return out


def _missing(text: str) -> list[str]:
    missing = []
    for path in _SAMPLE.findall(text):
        path = path.rstrip(".")
        if not any(REPO.glob(path)) and not (REPO / path).exists():
            missing.append(path)
    return missing


def test_the_pattern_finds_sample_paths() -> None:
    assert _missing("see samples/policy.yaml and samples/nope-8gpu.yaml.") == [
        "samples/nope-8gpu.yaml"
    ]


def test_every_sample_named_in_a_help_text_exists(run_cli: Any) -> None:
    named = 0
    for name, _ in _help_texts(cli):
        result = run_cli(*name.split(), "--help")
        assert result.exit_code == 0, name
        named += len(_SAMPLE.findall(result.output))
        assert not _missing(result.output), f"sovbom {name} --help: {_missing(result.output)}"
    assert named  # the examples do name samples


def test_every_sample_named_in_the_readme_exists() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert _SAMPLE.findall(text)
    assert not _missing(text)
