"""Writing a directory of reports all at once, or not at all.

The files are first written into a fresh temporary directory on the same file system, beside the
report directory, one by one as they are ready (:class:`StagedReportDir`: writers run in
background threads, a bounded number of files in flight, so memory does not grow with the number
of reports). Only when every one of them is written are they put in place: by renaming the
temporary directory when the report directory does not exist yet (one atomic step), else by moving
each file into it (after checking that none of them would replace a directory). On failure the
temporary directory is removed and the report directory is left as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from sovbom.errors import InputError

#: Writer threads (each file is flushed to disk: the threads overlap those waits).
WRITERS = 4
#: Files handed to the writers and not yet written, at most.
IN_FLIGHT = 32
#: Files written by other processes (:meth:`StagedReportDir.record`) flushed to disk by one
#: writer task, together: a task per file costs the recording process more than the flush.
SYNC_BATCH = 16


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(path, 0o644)


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC


def write_staged(staging: str | os.PathLike[str], name: str, data: bytes) -> None:
    """Write (or replace) one file of a staging directory, not yet flushed to disk: what a
    worker process does before the parent takes it in (:meth:`StagedReportDir.record`)."""
    write_staged_chunks(staging, name, (data,))


def write_staged_chunks(
    staging: str | os.PathLike[str],
    name: str,
    chunks: Iterable[bytes],
    *,
    target: Path | None = None,
) -> None:
    """:func:`write_staged` of the bytes ``chunks`` join to, written as they come; errors name
    ``target`` (the report directory), else the staging directory."""
    directory = Path(staging)
    _check_name(name, target or directory)
    path = directory / name
    try:
        fd = os.open(path, _CREATE, 0o644)
        try:
            for data in chunks:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            os.fchmod(fd, 0o644)
        finally:
            os.close(fd)
    except OSError as e:
        raise _failed(target or directory, e) from e


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_all(paths: list[Path]) -> None:
    for path in paths:
        _sync(path)


def _check_name(name: str, out: Path) -> None:
    if not name or name in (".", "..") or "/" in name or os.sep in name or "\0" in name:
        raise InputError(f"not a plain file name for a report: {name!r}", source=str(out))


def _failed(target: Path, e: OSError) -> InputError:
    return InputError(
        f"cannot write the reports: {e.strerror or e}"
        f"{f' ({e.filename})' if e.filename else ''}; nothing was written",
        source=str(target),
    )


class StagedReportDir:
    """A report directory written file by file into a staging directory, put in place at once.

    Use as a context manager: :meth:`write` each file (again to replace it), or have worker
    processes write it into :attr:`staging` (:func:`write_staged`) and :meth:`record` it, then
    :meth:`commit`.
    Leaving the block without committing (or on an error) removes the staging directory.
    """

    def __init__(self, out: str | os.PathLike[str]) -> None:
        self.target = Path(out)
        self._exists = self.target.is_dir()
        if self.target.exists() and not self._exists:
            raise InputError("not a directory (the report directory)", source=str(self.target))
        parent = self.target if self._exists else self.target.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.staging = Path(
                tempfile.mkdtemp(prefix=f".{self.target.name}.partial-", dir=parent)
            )
        except OSError as e:
            raise InputError(
                f"cannot create the report directory: {e.strerror or e}", source=str(self.target)
            ) from e
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque[Future[None]] = deque()
        #: files recorded, not yet handed to a writer (see :data:`SYNC_BATCH`)
        self._recorded: list[Path] = []

    def __enter__(self) -> StagedReportDir:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.discard()

    def write(self, name: str, data: bytes) -> None:
        """Write (or replace) one file; an error surfaces here or at :meth:`commit`."""
        _check_name(name, self.target)
        self._submit(_write, self.staging / name, data)

    def write_stream(self, name: str, chunks: Iterable[bytes]) -> None:
        """Write (or replace) one file from the pieces ``chunks`` gives, here and now (a large
        report is never whole in memory), then flush it to disk as :meth:`record` does."""
        write_staged_chunks(self.staging, name, chunks, target=self.target)
        self.record(name)

    def record(self, name: str) -> None:
        """Take in a file written into :attr:`staging` by another process
        (:func:`write_staged`): it is flushed to disk (an error surfaces here or at
        :meth:`commit`, as for :meth:`write`), with the next files recorded."""
        _check_name(name, self.target)
        self._recorded.append(self.staging / name)
        if len(self._recorded) >= SYNC_BATCH:
            self._submit_recorded()

    def _submit_recorded(self) -> None:
        if self._recorded:
            paths, self._recorded = self._recorded, []
            self._submit(_sync_all, paths)

    def _submit(self, fn: Callable[..., None], *args: object) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(WRITERS, thread_name_prefix="report-writer")
        self._pending.append(self._pool.submit(fn, *args))
        while len(self._pending) > IN_FLIGHT or (self._pending and self._pending[0].done()):
            self._wait(self._pending.popleft())

    def _wait(self, future: Future[None]) -> None:
        try:
            future.result()
        except OSError as e:
            raise _failed(self.target, e) from e

    def flush(self) -> None:
        """Wait until every file handed to :meth:`write` is written (and every file
        recorded, flushed to disk)."""
        self._submit_recorded()
        while self._pending:
            self._wait(self._pending.popleft())

    def commit(self) -> None:
        """Put every written file in place (all of them, or none)."""
        self.flush()
        try:
            if self._exists:
                _move_into(self.staging, self.target)
            else:
                os.chmod(self.staging, 0o755)  # noqa: S103 - as mkdir with the usual umask
                os.rename(self.staging, self.target)
        except OSError as e:
            raise _failed(self.target, e) from e
        self.discard()

    def discard(self) -> None:
        """Stop the writers and remove the staging directory (what is left of it)."""
        if self._pool is not None:
            for future in self._pending:
                future.cancel()
            self._pool.shutdown(wait=True)
            self._pool = None
            self._pending.clear()
        self._recorded.clear()
        shutil.rmtree(self.staging, ignore_errors=True)


def write_report_dir(out: str | os.PathLike[str], files: Mapping[str, bytes]) -> None:
    """Write ``files`` (file name -> bytes) into directory ``out``, all of them or none."""
    target = Path(out)
    for name in files:
        _check_name(name, target)
    with StagedReportDir(target) as staged:
        for name, data in files.items():
            staged.write(name, data)
        staged.commit()


def _move_into(staging: Path, target: Path) -> None:
    names = sorted(e.name for e in os.scandir(staging))
    blocked = [n for n in names if (target / n).is_dir() and not (target / n).is_symlink()]
    if blocked:
        raise InputError(
            f"{blocked[0]} is a directory in the report directory: it would be replaced;"
            " nothing was written",
            source=str(target),
        )
    for name in names:
        os.replace(staging / name, target / name)


__all__ = ["StagedReportDir", "write_report_dir", "write_staged", "write_staged_chunks"]
