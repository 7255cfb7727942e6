"""ZIP archives a regulator can open from anyone: bounded, streamed, never trusted.

Reading (:class:`SafeArchive`) checks the central directory before any member is decompressed:
every name (no absolute path, ``..``, backslash, drive letter, directory, odd character,
duplicate), every entry type (regular files only, not encrypted), the member count, each member's
size, its compression ratio and the total uncompressed size. Members are then decompressed in
chunks of :data:`CHUNK` bytes (digests never hold a member in memory) and a corrupt stream is an
:class:`HostileArchive` (exit 4), never a traceback.

Writing (:func:`write_archive`) is reproducible (fixed order, timestamps, permissions and
compression level) and checks the result with the same limits before it is returned: a pack that
``sovbom pack`` writes is never one that ``sovbom inspect`` refuses. A member that deflate would
shrink beyond :data:`MAX_RATIO` (a BOM with a long repetitive string) is stored uncompressed.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from sovbom.errors import InputError

#: Most members in one archive.
MAX_MEMBERS = 10_000
#: Largest uncompressed member.
MAX_MEMBER_BYTES = 512 * 1024**2
#: Largest uncompressed total of all members.
MAX_TOTAL_BYTES = 1024**3
#: A member expanding more than this many times over (and over RATIO_FLOOR) is a zip bomb.
MAX_RATIO = 200
RATIO_FLOOR = 1024**2
#: Bytes decompressed at a time.
CHUNK = 1024**2

_SAFE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+@-]{0,199}")
_DRIVE = re.compile(r"^[A-Za-z]:")
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_STREAM_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    ValueError,
    EOFError,
    NotImplementedError,
)


class HostileArchive(InputError):
    """The archive is unreadable or unsafe to read (exit 4)."""


def check_member_name(name: str) -> str | None:
    """Why a member name is refused (None when it is safe)."""
    if not name:
        return "empty name"
    if "\\" in name:
        return "backslash in name"
    if name.startswith("/"):
        return "absolute path"
    if _DRIVE.match(name):
        return "drive letter"
    parts = name.split("/")
    if any(p == ".." for p in parts):
        return "'..' in path"
    if name.endswith("/"):
        return "directory entry"
    if len(parts) > 8:
        return "nested too deeply"
    for p in parts:
        if not _SAFE_PART.fullmatch(p):
            return f"unexpected characters in {p!r}"
    return None


def ratio_too_high(size: int, compressed: int) -> bool:
    """Whether a member of ``size`` bytes stored in ``compressed`` bytes looks like a zip bomb."""
    return size > RATIO_FLOOR and size > MAX_RATIO * max(compressed, 1)


def member_refusal(info: zipfile.ZipInfo) -> str | None:
    """Why one directory entry is refused (None when it may be read)."""
    why = check_member_name(info.filename)
    if why is not None:
        return why
    mode = info.external_attr >> 16
    if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        return "symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
    if info.flag_bits & 0x1:
        return "encrypted"
    if info.file_size > MAX_MEMBER_BYTES:
        return f"{info.file_size} bytes (limit {MAX_MEMBER_BYTES})"
    if ratio_too_high(info.file_size, info.compress_size):
        return f"compression ratio over {MAX_RATIO} (zip bomb?)"
    return None


class SafeArchive:
    """An archive whose directory passed every check; members are decompressed on demand."""

    def __init__(self, data: bytes, source: str) -> None:
        self.source = source
        try:
            self._zf = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as e:
            raise HostileArchive(f"not a readable ZIP archive: {e}", source=source) from e
        try:
            self._infos = self._scan()
        except BaseException:
            self._zf.close()
            raise

    def _scan(self) -> dict[str, zipfile.ZipInfo]:
        infos = self._zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise HostileArchive(
                f"too many members ({len(infos)} > {MAX_MEMBERS})", source=self.source
            )
        out: dict[str, zipfile.ZipInfo] = {}
        folded: set[str] = set()
        total = 0
        for info in infos:
            name = info.filename
            why = member_refusal(info)
            if why is not None:
                raise HostileArchive(f"refused member {name!r}: {why}", source=self.source)
            if name.casefold() in folded:
                raise HostileArchive(f"refused member {name!r}: duplicate name", source=self.source)
            folded.add(name.casefold())
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise HostileArchive(
                    f"members add up to more than {MAX_TOTAL_BYTES} bytes", source=self.source
                )
            out[name] = info
        return out

    def __enter__(self) -> SafeArchive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._zf.close()

    @property
    def names(self) -> list[str]:
        """Member names in archive order."""
        return list(self._infos)

    def __contains__(self, name: object) -> bool:
        return name in self._infos

    def size(self, name: str) -> int:
        return self._infos[name].file_size

    def chunks(self, name: str) -> Iterator[bytes]:
        """The member's bytes, :data:`CHUNK` at a time; refused as soon as they exceed its size."""
        info = self._infos[name]
        seen = 0
        try:
            with self._zf.open(info) as fh:
                while chunk := fh.read(CHUNK):
                    seen += len(chunk)
                    if seen > info.file_size:
                        break
                    yield chunk
        except _STREAM_ERRORS as e:
            raise HostileArchive(f"member {name}: unreadable: {e}", source=self.source) from e
        if seen != info.file_size:
            raise HostileArchive(
                f"member {name}: size differs from the archive directory", source=self.source
            )

    def sha256(self, name: str) -> str:
        """The member's SHA-256, streamed (constant memory)."""
        digest = hashlib.sha256()
        for chunk in self.chunks(name):
            digest.update(chunk)
        return digest.hexdigest()

    def read(self, name: str) -> bytes:
        """The whole member (bounded by the directory checks)."""
        return b"".join(self.chunks(name))


def write_archive(
    items: Sequence[tuple[str, bytes]], date: tuple[int, int, int, int, int, int] = ZIP_EPOCH
) -> bytes:
    """A reproducible archive of ``items`` in the order given, checked as a reader checks it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in items:
            why = check_member_name(name)
            if why is not None:  # pragma: no cover - member names are made safe when added
                raise InputError(f"cannot pack member {name!r}: {why}")
            if len(data) > MAX_MEMBER_BYTES:
                raise InputError(
                    f"cannot pack {name}: {len(data)} bytes, over the {MAX_MEMBER_BYTES}-byte limit"
                    " that 'sovbom inspect' enforces"
                )
            method = zipfile.ZIP_DEFLATED
            if len(data) > RATIO_FLOOR:
                packer = zlib.compressobj(9, zlib.DEFLATED, -15)
                deflated = len(packer.compress(data)) + len(packer.flush())
                if ratio_too_high(len(data), deflated):
                    method = zipfile.ZIP_STORED
            info = zipfile.ZipInfo(name, date_time=date)
            info.compress_type = method
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            zf.writestr(info, data, compress_type=method, compresslevel=9)
    archive = out.getvalue()
    try:
        SafeArchive(archive, "the pack being written").close()
    except HostileArchive as e:
        raise InputError(f"the pack would be refused by 'sovbom inspect': {e.message}") from e
    return archive


def extract_members(members: Mapping[str, bytes], directory: str | os.PathLike[str]) -> list[Path]:
    """Write members under ``directory`` only, refusing to overwrite anything."""
    root = Path(directory).resolve()
    planned: list[tuple[Path, bytes]] = []
    for name, data in sorted(members.items()):
        if check_member_name(name) is not None:
            raise HostileArchive(f"refused member {name!r}")
        target = (root / name).resolve()
        if not target.is_relative_to(root):
            raise HostileArchive(f"refused member {name!r}: outside {directory}")
        if target.exists() or target.is_symlink():
            raise InputError(f"{target} exists: refusing to overwrite", source=str(directory))
        planned.append((target, data))
    written: list[Path] = []
    try:
        root.mkdir(parents=True, exist_ok=True)
        for target, data in planned:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.parent.resolve().is_relative_to(root):
                raise HostileArchive(f"refused to write {target}: outside {directory}")
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            written.append(target)
    except OSError as e:
        raise InputError(f"cannot extract: {e.strerror or e}", source=str(directory)) from e
    return written
