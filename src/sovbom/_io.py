"""Reading inputs and writing outputs safely.

* ``-`` means standard input / standard output.
* Outputs are written atomically (temporary file in the same directory + ``os.replace``), and only
  once the whole content exists: a failed run leaves no empty or partial file.
* Inputs are never modified.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson
import yaml

from sovbom.errors import InputError

STDIO = "-"

#: Refuse to read inputs larger than this (a guard against a wrong file, not a hard format limit).
MAX_INPUT_BYTES = 2 * 1024**3


def display_name(path: str | os.PathLike[str]) -> str:
    """The name to use for a path in messages."""
    return "<stdin>" if str(path) == STDIO else str(path)


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Read a whole file (standard input for ``-``); a clear error when it cannot be read."""
    if str(path) == STDIO:
        return sys.stdin.buffer.read()
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError("is a directory, expected a file", source=str(path))
        size = p.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(f"file is too large ({size} bytes)", source=str(path))
        return p.read_bytes()
    except FileNotFoundError as e:
        raise InputError("no such file", source=str(path)) from e
    except PermissionError as e:
        raise InputError("permission denied", source=str(path)) from e
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", source=str(path)) from e


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, or to standard output for ``-``."""
    if str(path) == STDIO:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", source=str(path)) from e
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise InputError(f"cannot write: {e.strerror or e}", source=str(path)) from e
        raise


def write_text(path: str | os.PathLike[str], text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def _json_error_location(data: bytes, pos: int) -> str:
    """Turn a byte offset into ``line L column C``."""
    pos = max(0, min(pos, len(data)))
    line = data.count(b"\n", 0, pos) + 1
    col = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
    return f"line {line} column {col}"


def parse_json(data: bytes, source: str) -> Any:
    """Parse JSON bytes; a syntax error names the file, the line and the column."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as e:
        # orjson reports the character position; re-decode with the stdlib for a precise place.
        import json

        try:
            json.loads(data.decode("utf-8", errors="replace"))
        except json.JSONDecodeError as e2:
            raise InputError(
                f"malformed JSON: {e2.msg}",
                source=source,
                location=f"line {e2.lineno} column {e2.colno}",
            ) from e
        except RecursionError:
            pass  # nested too deeply for the stdlib too: orjson's own position will do
        raise InputError(
            f"malformed JSON: {e}", source=source, location=_json_error_location(data, e.pos)
        ) from e


class _SafeLoader(yaml.SafeLoader):
    """A safe YAML loader that keeps dates as ISO strings (JSON Schema sees what the user wrote)."""


def _str_timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _str_timestamp)


def parse_yaml(data: bytes, source: str) -> Any:
    """Parse YAML safely (no arbitrary objects, dates kept as strings); errors name the line."""
    try:
        return yaml.load(data, Loader=_SafeLoader)  # noqa: S506 - _SafeLoader derives from SafeLoader
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        location = f"line {mark.line + 1} column {mark.column + 1}" if mark else None
        problem = e.problem or e.context or "invalid YAML"
        raise InputError(f"malformed YAML: {problem}", source=source, location=location) from e
    except yaml.YAMLError as e:
        raise InputError(f"malformed YAML: {e}", source=source) from e


def load_structured(path: str | os.PathLike[str]) -> Any:
    """Load a JSON or YAML file (by extension, else by sniffing the content)."""
    source = display_name(path)
    data = read_bytes(path)
    suffix = Path(str(path)).suffix.lower()
    if suffix == ".json":
        return parse_json(data, source)
    if suffix in (".yaml", ".yml"):
        return parse_yaml(data, source)
    stripped = data.lstrip()
    if stripped[:1] in (b"{", b"["):
        return parse_json(data, source)
    return parse_yaml(data, source)


def json_pointer(path: list[str | int] | tuple[str | int, ...]) -> str:
    """Render a JSON location as ``$.components[3].name``."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if part.replace("-", "_").isidentifier() else f"[{part!r}]"
    return out
