"""A shipment's per-server results, kept in a temporary file rather than in memory.

A shipment of 10,000 servers has 10,000 results; even slim ones
(:meth:`~sovbom.delivery.model.Comparison.slim`) add up to tens of megabytes that would grow
with the shipment. :class:`ResultSpool` appends each result to an anonymous temporary file as
it arrives (pickled, by the worker process that made it: a :class:`PackedResult` travels and is
written as bytes, with the few facts the tally needs beside them) and keeps in memory only
where each one is (12 bytes a server) and the running
:class:`~sovbom.delivery.model.ShipmentTally` the verdict and summary are read from. Reading
it back (iteration, indexing) loads one result at a time, so the renderers stream it.

The file has no name (it is unlinked as soon as it is created), so nothing is left behind,
whatever ends the process; :meth:`ResultSpool.close` (or leaving its ``with`` block, or the
spool being garbage collected) releases it at once.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import weakref
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO, overload

from sovbom.delivery.model import DeliveryResult, ResultFacts, ShipmentTally
from sovbom.errors import InputError

#: Results are written to the file in blocks of about this many bytes.
BLOCK = 1 << 18


@dataclass(frozen=True, slots=True)
class PackedResult:
    """A result pickled where it is made (a worker process: it travels and is kept as these
    bytes, never unpickled in between), and what the spool's tally counts of it."""

    data: bytes
    facts: ResultFacts

    @classmethod
    def of(cls, result: DeliveryResult) -> PackedResult:
        return cls(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), ResultFacts.of(result))

    def unpack(self) -> DeliveryResult:
        result: DeliveryResult = pickle.loads(self.data)  # noqa: S301 - sovbom pickled it
        return result


class ResultSpool(Sequence[DeliveryResult]):
    """A read-back sequence of results, in the order they were appended; a result may be
    replaced (``spool[i] = result``: the duplicate pass verifies a few servers again).

    Each access reads the result from the file: a result taken out and changed is a copy, put
    it back with ``spool[i] = result``. Iterating twice, or in nested loops, reads the same
    results again.
    """

    def __init__(
        self, results: Iterable[DeliveryResult] = (), *, directory: str | None = None
    ) -> None:
        try:
            # unbuffered: results are written in blocks (:data:`BLOCK`) and read back with
            # pread, without the seeks (and flushes) of a buffered file
            self._file: BinaryIO = tempfile.TemporaryFile(  # noqa: SIM115 - kept open
                prefix="sovbom-results-", dir=directory, buffering=0
            )
        except OSError as e:
            raise _failed(e, directory) from e
        self._close = weakref.finalize(self, self._file.close)
        self._fd = self._file.fileno()
        self._offsets = array("Q")
        self._lengths = array("I")
        self._written = 0  # bytes in the file
        self._pending = bytearray()  # the bytes after those, not yet written
        #: the counts of the results now in the spool (kept as they are appended or replaced)
        self.tally = ShipmentTally()
        for r in results:
            self.append(r)

    def _write(self, data: bytes) -> tuple[int, int]:
        at = self._written + len(self._pending)
        self._pending += data
        if len(self._pending) >= BLOCK:
            self._flush()
        return at, len(data)

    def _flush(self) -> None:
        view = memoryview(self._pending)
        try:
            while view:
                n = os.pwrite(self._fd, view, self._written)
                self._written += n
                view = view[n:]
        except OSError as e:
            raise _failed(e) from e
        finally:
            view.release()
        self._pending.clear()

    def append(self, result: DeliveryResult | PackedResult) -> None:
        """Add the next server's result (a packed one is written as it is)."""
        packed = result if isinstance(result, PackedResult) else PackedResult.of(result)
        at, n = self._write(packed.data)
        self._offsets.append(at)
        self._lengths.append(n)
        self.tally.add(len(self._offsets) - 1, packed.facts)

    def __setitem__(self, i: int, result: DeliveryResult | PackedResult) -> None:
        """Replace the result at ``i`` (written anew at the end; the old one is skipped)."""
        i = range(len(self._offsets))[i]  # an IndexError as a list gives, negative indexes too
        packed = result if isinstance(result, PackedResult) else PackedResult.of(result)
        self.tally.remove(i, self[i])
        self._offsets[i], self._lengths[i] = self._write(packed.data)
        self.tally.add(i, packed.facts)

    def _read(self, i: int) -> DeliveryResult:
        if self.closed:
            raise ValueError("the spool is closed: its results are gone")
        if self._pending:
            self._flush()
        at, n = self._offsets[i], self._lengths[i]
        try:
            data = os.pread(self._fd, n, at)
        except OSError as e:
            raise _failed(e) from e
        if len(data) != n:
            raise _failed(OSError(f"{n - len(data)} bytes missing at the end"))
        result: DeliveryResult = pickle.loads(data)  # noqa: S301 - written by this spool
        return result

    @overload
    def __getitem__(self, i: int) -> DeliveryResult: ...

    @overload
    def __getitem__(self, i: slice) -> list[DeliveryResult]: ...

    def __getitem__(self, i: int | slice) -> DeliveryResult | list[DeliveryResult]:
        if isinstance(i, slice):
            return [self._read(k) for k in range(len(self._offsets))[i]]
        return self._read(range(len(self._offsets))[i])

    def __len__(self) -> int:
        return len(self._offsets)

    def __iter__(self) -> Iterator[DeliveryResult]:
        # by position: a result replaced meanwhile is read as it is now
        for i in range(len(self._offsets)):
            yield self._read(i)

    def __repr__(self) -> str:
        return f"<ResultSpool of {len(self)} result(s), {self._written + len(self._pending)} bytes>"

    @property
    def closed(self) -> bool:
        return not self._close.alive

    def close(self) -> None:
        """Release the temporary file (the tally stays readable; the results do not)."""
        self._close()

    def __enter__(self) -> ResultSpool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _failed(e: OSError, directory: str | None = None) -> InputError:
    return InputError(
        f"cannot keep the shipment's results in a temporary file: {e.strerror or e}"
        " (TMPDIR names where: a directory with room)",
        source=directory or tempfile.gettempdir(),
    )


__all__ = ["BLOCK", "PackedResult", "ResultSpool"]
