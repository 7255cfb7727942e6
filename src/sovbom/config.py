"""Defaults for options many commands share, from the environment and a configuration file.

Where a value comes from, highest precedence first:

1. the command line (an option given to the command);
2. the environment: ``SOVBOM_POLICY``, ``SOVBOM_SIGNERS``, ``SOVBOM_TRUSTED_ROOT``,
   ``SOVBOM_TRUST_CONFIG``, ``SOVBOM_DATABASE_URL`` (an empty variable counts as unset);
3. ``sovbom.toml`` in the current directory (top-level keys);
4. the ``[tool.sovbom]`` table of ``pyproject.toml`` in the current directory;
5. the built-in default (none for every setting: the option is simply not given).

Keys in the files are the option names (``policy``, ``signers``, ``trusted-root``,
``trust-config``, ``database-url``; ``trusted_root`` is accepted too). Relative paths in a file
are relative to the directory of that file. An unknown key, a value that is not a string, or a
file that is not valid TOML is an :class:`~sovbom.errors.InputError` naming the file and line.
"""

from __future__ import annotations

import os
import re
import tomllib
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sovbom._io import MAX_SMALL_INPUT_BYTES, read_bytes
from sovbom.errors import InputError

CONFIG_FILE = "sovbom.toml"
PYPROJECT_FILE = "pyproject.toml"
ENV_PREFIX = "SOVBOM_"


class Origin(StrEnum):
    """Where a setting's value came from (in precedence order, highest first)."""

    COMMAND_LINE = "command line"
    ENVIRONMENT = "environment"
    SOVBOM_TOML = CONFIG_FILE
    PYPROJECT = f"{PYPROJECT_FILE} [tool.sovbom]"
    BUILT_IN = "built-in"


@dataclass(frozen=True)
class Setting:
    """A setting: its key in the files, and the options of the commands it gives a default for."""

    key: str
    help: str
    #: A path (made absolute against the file's directory when it comes from a file).
    is_path: bool = True

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.key.upper().replace("-", "_")


#: Every setting (a registry: the ``config`` command, the docs and the tests read it).
SETTINGS: tuple[Setting, ...] = (
    Setting("policy", "provenance policy (check, verify-delivery, pack)"),
    Setting("signers", "signer policy: who may sign what (check, verify, verify-delivery, pack)"),
    Setting("trusted-root", "Sigstore trusted_root.json to verify against"),
    Setting("trust-config", "Sigstore ClientTrustConfig of a private instance (sign, verify)"),
    Setting("database-url", "database URL for fleet records", is_path=False),
)
_BY_KEY = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class Value:
    """A setting's value and where it came from."""

    setting: Setting
    value: str | None
    origin: Origin
    #: The variable or file (and key) that gave it; empty for built-in.
    source: str = ""

    @property
    def shown(self) -> str | None:
        """The value for display: a password in a URL is masked."""
        if self.value is None or self.setting.is_path:
            return self.value
        parts = urllib.parse.urlsplit(self.value)
        if parts.password is None:
            return self.value
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.setting.key,
            "value": self.shown,
            "origin": str(self.origin),
            "source": self.source,
            "env": self.setting.env,
        }


@dataclass(frozen=True)
class Config:
    """The resolved defaults and the configuration files looked at."""

    values: tuple[Value, ...]
    #: Each configuration file looked for, and whether it was found (and used).
    files: tuple[tuple[str, bool], ...]

    def get(self, key: str) -> Value:
        for v in self.values:
            if v.setting.key == key:
                return v
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "precedence": [str(o) for o in Origin],
            "files": [{"path": p, "found": found} for p, found in self.files],
            "settings": [v.to_dict() for v in self.values],
        }


_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")
_END = re.compile(r"\(at end of document\)")


def _parse_toml(path: Path) -> dict[str, Any]:
    data = read_bytes(path, limit=MAX_SMALL_INPUT_BYTES)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise InputError("not UTF-8 text", source=str(path)) from e
    except tomllib.TOMLDecodeError as e:
        message = str(e)
        match = _LINE.search(message)
        location = f"line {match[1]}, column {match[2]}" if match else None
        if match is None and "end of document" in message:
            last = data.count(b"\n") + 1
            location = f"line {last} (end of document)"
        reason = _END.sub("", _LINE.sub("", message)).strip()
        raise InputError(f"invalid TOML: {reason}", source=str(path), location=location) from e


def _line_of(path: Path, key: str, table: str | None) -> int | None:
    """The line a key is written on (after the ``[table]`` header when given), if found."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):  # pragma: no cover - it was just parsed
        return None
    start = 0
    if table is not None:
        header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]")
        start = next((i for i, line in enumerate(lines) if header.match(line)), 0)
    return next((i for i, line in enumerate(lines[start:], start + 1) if pattern.match(line)), None)


def _table_values(
    table: Mapping[str, Any], path: Path, origin: Origin, where: str
) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for raw_key, raw in table.items():
        key = raw_key.replace("_", "-")
        line = _line_of(path, raw_key, where.rstrip(".") or None)
        location = f"line {line}" if line else f"{where}{raw_key}"
        setting = _BY_KEY.get(key)
        if setting is None:
            known = ", ".join(_BY_KEY)
            raise InputError(
                f"unknown setting {raw_key!r} (known: {known})",
                source=str(path),
                location=location,
            )
        if key in out:
            raise InputError(f"setting {key!r} given twice", source=str(path), location=location)
        if not isinstance(raw, str) or not raw:
            raise InputError(
                f"setting {raw_key!r} must be a non-empty string",
                source=str(path),
                location=location,
            )
        value = str((path.parent / raw).absolute()) if setting.is_path else raw
        out[key] = Value(setting, value, origin, f"{path}: {location}")
    return out


def _from_files(cwd: Path) -> tuple[dict[str, Value], dict[str, Value], list[tuple[str, bool]]]:
    own, tool, files = {}, {}, []
    config = cwd / CONFIG_FILE
    files.append((str(config), config.is_file()))
    if config.is_file():
        own = _table_values(_parse_toml(config), config, Origin.SOVBOM_TOML, "")
    pyproject = cwd / PYPROJECT_FILE
    section: Any = None
    if pyproject.is_file():
        section = _parse_toml(pyproject).get("tool", {}).get("sovbom")
        if section is not None and not isinstance(section, dict):
            raise InputError("[tool.sovbom] must be a table", source=str(pyproject))
        if section is not None:
            tool = _table_values(section, pyproject, Origin.PYPROJECT, "tool.sovbom.")
    files.append((str(pyproject), section is not None))
    return own, tool, files


def load_config(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Resolve every setting from the environment and the configuration files of ``cwd``."""
    cwd = Path.cwd() if cwd is None else cwd
    environ = os.environ if environ is None else environ
    own, tool, files = _from_files(cwd)
    values = []
    for setting in SETTINGS:
        env_value = environ.get(setting.env)
        if env_value:
            values.append(Value(setting, env_value, Origin.ENVIRONMENT, setting.env))
        elif setting.key in own:
            values.append(own[setting.key])
        elif setting.key in tool:
            values.append(tool[setting.key])
        else:
            values.append(Value(setting, None, Origin.BUILT_IN))
    return Config(tuple(values), tuple(files))


def default_for(key: str) -> str | None:
    """The default of a setting for an option not given on the command line (``None``: none).

    For click: ``click.option("--policy", default=lambda: default_for("policy"))``.
    """
    if key not in _BY_KEY:
        raise KeyError(key)
    return load_config().get(key).value
