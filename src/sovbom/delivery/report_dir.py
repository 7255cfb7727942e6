"""Writing a directory of reports all at once, or not at all.

The files are first written into a fresh temporary directory on the same file system; only when
every one of them is written are they put in place: by renaming the temporary directory when the
report directory does not exist yet (one atomic step), else by moving each file into it (after
checking that none of them would replace a directory). On failure the temporary directory is
removed and the report directory is left as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from sovbom.errors import InputError


def _write(path: Path, data: bytes) -> None:
    with open(path, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(path, 0o644)


def _check_name(name: str, out: Path) -> None:
    if not name or name in (".", "..") or "/" in name or os.sep in name or "\0" in name:
        raise InputError(f"not a plain file name for a report: {name!r}", source=str(out))


def write_report_dir(out: str | os.PathLike[str], files: Mapping[str, bytes]) -> None:
    """Write ``files`` (file name -> bytes) into directory ``out``, all of them or none."""
    target = Path(out)
    for name in files:
        _check_name(name, target)
    exists = target.is_dir()
    if target.exists() and not exists:
        raise InputError("not a directory (the report directory)", source=str(target))
    parent = target if exists else target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=parent))
    except OSError as e:
        raise InputError(
            f"cannot create the report directory: {e.strerror or e}", source=str(target)
        ) from e
    try:
        for name, data in files.items():
            _write(staging / name, data)
        if exists:
            _move_into(staging, target, files)
        else:
            os.chmod(staging, 0o755)  # noqa: S103 - as mkdir with the usual umask
            os.rename(staging, target)
    except OSError as e:
        raise InputError(
            f"cannot write the reports: {e.strerror or e}"
            f"{f' ({e.filename})' if e.filename else ''}; nothing was written",
            source=str(target),
        ) from e
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_into(staging: Path, target: Path, files: Mapping[str, bytes]) -> None:
    blocked = [n for n in files if (target / n).is_dir() and not (target / n).is_symlink()]
    if blocked:
        raise InputError(
            f"{blocked[0]} is a directory in the report directory: it would be replaced;"
            " nothing was written",
            source=str(target),
        )
    for name in files:
        os.replace(staging / name, target / name)


__all__ = ["write_report_dir"]
