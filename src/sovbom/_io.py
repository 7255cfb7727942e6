"""Reading inputs and writing outputs safely.

* ``-`` means standard input / standard output.
* Outputs are written atomically (temporary file in the same directory + ``os.replace``), and only
  once the whole content exists: a failed run leaves no empty or partial file.
* Inputs are never modified.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from sovbom.errors import InputError

__all__ = [
    "MAX_INPUT_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_SMALL_INPUT_BYTES",
    "check_json_depth",
    "display_name",
    "json_pointer",
    "load_structured",
    "parse_json",
    "parse_yaml",
    "read_bytes",
    "write_bytes",
    "write_chunks",
    "write_text",
]

STDIO = "-"

#: Refuse to read inputs larger than this (a guard against a wrong file, not a hard format limit).
MAX_INPUT_BYTES = 2 * 1024**3
#: A smaller cap for documents that are small by nature (Sigstore bundles, trust roots, signer
#: policies): pass it as ``read_bytes(path, limit=MAX_SMALL_INPUT_BYTES)``.
MAX_SMALL_INPUT_BYTES = 64 * 1024**2
#: JSON documents nested deeper than this are refused (writers and the schema validator recurse
#: per level; orjson writes at most 254 levels).
MAX_JSON_DEPTH = 128
_CHUNK = 16 * 1024**2


def display_name(path: str | os.PathLike[str]) -> str:
    """The name to use for a path in messages."""
    return "<stdin>" if str(path) == STDIO else str(path)


def read_bytes(path: str | os.PathLike[str], *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """Read a whole regular file (standard input for ``-``) of at most ``limit`` bytes.

    FIFOs, devices, sockets and directories are refused before anything is read (a FIFO would
    block forever, ``/dev/zero`` never ends); every refusal is an :class:`InputError` (exit 4).
    """
    if str(path) == STDIO:
        return _read_limited(sys.stdin.buffer, limit, "<stdin>")
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as e:
        raise InputError("no such file", source=str(path)) from e
    except PermissionError as e:
        raise InputError("permission denied", source=str(path)) from e
    except IsADirectoryError as e:
        raise InputError("is a directory, expected a file", source=str(path)) from e
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", source=str(path)) from e
    try:
        st = os.fstat(fd)
        _check_regular(st, limit, str(path))
        data = _read_fd(fd, st.st_size, limit)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", source=str(path)) from e
    finally:
        os.close(fd)
    if len(data) > limit:  # grew while being read
        raise InputError(f"file is too large (more than {limit} bytes)", source=str(path))
    return data


def _read_fd(fd: int, size: int, limit: int) -> bytes:
    """Everything a regular file ``fd`` of ``size`` bytes holds from its start, up to its end
    (read again until a read gives nothing: the file may have grown), or more than ``limit``
    bytes. Plain reads on the descriptor: one allocation, sized from the file's size, and none
    of the calls a file object makes when opened (a shipment reads thousands of files)."""
    data = os.read(fd, size + 1)
    if not data:
        return data
    chunks = [data]
    total = len(data)
    while total <= limit and (chunk := os.read(fd, size + 1 - total if total <= size else _CHUNK)):
        chunks.append(chunk)
        total += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _check_regular(st: os.stat_result, limit: int, source: str) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise InputError("is a directory, expected a file", source=source)
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            f"not a regular file ({_file_kind(st.st_mode)}), expected a file", source=source
        )
    if st.st_size > limit:
        raise InputError(f"file is too large ({st.st_size} bytes, at most {limit})", source=source)


def _file_kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "a special file"


def _read_limited(fh: BinaryIO, limit: int, source: str) -> bytes:
    """Read to the end, refusing more than ``limit`` bytes (a file that grows, a stream)."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = fh.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks) if len(chunks) != 1 else chunks[0]
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise InputError(f"input is too large (more than {limit} bytes)", source=source)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path``, or to standard output for ``-``.

    A regular file (or a new one) is replaced atomically: a temporary file in the same directory,
    renamed over the target once complete. A character device (``/dev/null``, a terminal) or a
    FIFO is written in place (renaming over it would replace the device node itself); a FIFO no
    process reads is an error, not a wait. Directories, sockets and block devices are refused.
    Every failure is an :class:`InputError` (exit 4).
    """
    write_chunks(path, (data,))


def write_chunks(path: str | os.PathLike[str], chunks: Iterable[bytes]) -> None:
    """:func:`write_bytes` of the bytes ``chunks`` join to, written as they come (a large
    output is never whole in memory); a regular file is replaced only once all are written."""
    if str(path) == STDIO:
        for data in chunks:
            sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        st: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        st = None  # a new file (or a dangling symbolic link: replaced like a file)
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", source=str(path)) from e
    if st is None or stat.S_ISREG(st.st_mode):
        _replace_atomically(Path(path), chunks)
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        _write_in_place(path, chunks, fifo=stat.S_ISFIFO(st.st_mode))
    elif stat.S_ISDIR(st.st_mode):
        raise InputError("is a directory, expected a file to write", source=str(path))
    else:
        raise InputError(
            f"not a regular file ({_file_kind(st.st_mode)}): refusing to write to it",
            source=str(path),
        )


def _replace_atomically(target: Path, chunks: Iterable[bytes]) -> None:
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", source=str(target)) from e
    try:
        with os.fdopen(fd, "wb") as fh:
            for data in chunks:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise InputError(f"cannot write: {e.strerror or e}", source=str(target)) from e
        raise


#: How long a write to a FIFO waits for a process to open it for reading.
FIFO_READER_WAIT = 2.0


def _write_in_place(path: str | os.PathLike[str], chunks: Iterable[bytes], *, fifo: bool) -> None:
    """Write to a character device or a FIFO without replacing it (never creating a file)."""
    flags = os.O_WRONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = _open_fifo(path, flags) if fifo else os.open(path, flags)
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", source=str(path)) from e
    try:
        if fifo:
            os.set_blocking(fd, True)  # opened without waiting; now write at the reader's pace
        for data in chunks:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", source=str(path)) from e
    finally:
        os.close(fd)


def _open_fifo(path: str | os.PathLike[str], flags: int) -> int:
    """Open a FIFO for writing without blocking: wait briefly for a reader, then give up."""
    import errno
    import time

    deadline = time.monotonic() + FIFO_READER_WAIT
    while True:
        try:
            return os.open(path, flags | os.O_NONBLOCK)
        except OSError as e:
            if e.errno != errno.ENXIO:
                raise
            if time.monotonic() >= deadline:
                raise InputError(
                    "a FIFO no process is reading: start its reader first", source=str(path)
                ) from e
            time.sleep(0.02)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def _json_error_location(data: bytes, pos: int) -> str:
    """Turn a byte offset into ``line L column C``."""
    pos = max(0, min(pos, len(data)))
    line = data.count(b"\n", 0, pos) + 1
    col = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
    return f"line {line} column {col}"


def parse_json(data: bytes, source: str, *, check_depth: bool = True) -> Any:
    """Parse JSON bytes; a syntax error names the file, the line and the column.

    Documents nested deeper than :data:`MAX_JSON_DEPTH` are refused (``check_depth=False``: the
    caller checks, :func:`check_json_depth`, before anything else reads the document).
    """
    if check_depth and len(data) >= SHALLOW_FROM:  # the nesting checked by the parse itself
        doc = _parse_shallow(data)
        if doc is not _NOT_SHALLOW:
            return doc
    try:
        doc = orjson.loads(data)
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
        except (RecursionError, ValueError):
            pass  # too deep, or an integer too long for the stdlib: orjson's own place will do
        raise InputError(
            f"malformed JSON: {e.msg}", source=source, location=_json_error_location(data, e.pos)
        ) from e
    if check_depth and isinstance(doc, dict | list):
        check_json_depth(doc, source)
    return doc


_ORJSON_MAX_LEVELS = 254  # orjson serialises at most this many nested containers
_ORJSON_MAX_PARSE_LEVELS = 1024  # and parses at most this many
_WRAP = _ORJSON_MAX_PARSE_LEVELS - MAX_JSON_DEPTH
_OPEN, _CLOSE = b"[" * _WRAP, b"]" * _WRAP
_NOT_SHALLOW = object()
#: Documents of at least this many bytes have their nesting checked as they are parsed
#: (:func:`_parse_shallow`); a smaller one is checked after (:func:`check_json_depth`): a second
#: pass over it costs less than parsing it inside ``1024 - MAX_JSON_DEPTH`` lists (a Sigstore
#: bundle of 4.5 kB: 24 us against 240 us).
SHALLOW_FROM = 1 << 20


@functools.cache
def _parse_limit_holds() -> bool:
    """Whether this orjson parses exactly :data:`_ORJSON_MAX_PARSE_LEVELS` levels, no more."""
    n = _ORJSON_MAX_PARSE_LEVELS
    try:
        orjson.loads(b"[" * n + b"]" * n)
    except orjson.JSONDecodeError:
        return False
    try:
        orjson.loads(b"[" * (n + 1) + b"]" * (n + 1))
    except orjson.JSONDecodeError:
        return True
    return False


def _parse_shallow(data: bytes) -> Any:
    """``data`` parsed when it is one JSON value nested at most :data:`MAX_JSON_DEPTH` levels
    deep, else :data:`_NOT_SHALLOW` (then the caller says what is wrong).

    Wrapped in ``1024 - MAX_JSON_DEPTH`` lists, ``data`` nested deeper makes orjson stop at its
    own parsing limit: the depth is checked while parsing, not by a second pass over the
    document. Each wrapping list must hold exactly one value (``1, 2`` would parse wrapped).
    """
    if type(data) is not bytes or not _parse_limit_holds():
        return _NOT_SHALLOW
    try:
        doc = orjson.loads(b"".join((_OPEN, data, _CLOSE)))
    except orjson.JSONDecodeError:
        return _NOT_SHALLOW
    for _ in range(_WRAP):
        if type(doc) is not list or len(doc) != 1:
            return _NOT_SHALLOW
        doc = doc[0]
    return doc


def check_json_depth(doc: Any, source: str, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse ``doc`` when its containers nest deeper than ``limit`` levels.

    orjson stops serialising beyond 254 levels; wrapped in ``254 - limit`` lists, ``doc`` makes
    it stop exactly when ``doc`` is deeper than ``limit``: compiled code, no Python recursion.
    """
    probe: Any = doc
    for _ in range(_ORJSON_MAX_LEVELS - limit):
        probe = [probe]
    try:
        orjson.dumps(probe)
    except orjson.JSONEncodeError as e:
        if "ecursion" in str(e):
            raise InputError(f"JSON nested deeper than {limit} levels", source=source) from e
        raise InputError(f"cannot be processed as JSON: {e}", source=source) from e


def parse_yaml(data: bytes, source: str) -> Any:
    """:func:`sovbom._yaml.parse_yaml`, imported on first use (PyYAML costs start-up time)."""
    from sovbom._yaml import parse_yaml as parse

    return parse(data, source)


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
