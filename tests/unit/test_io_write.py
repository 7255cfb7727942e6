"""Where outputs go: regular files are replaced atomically, devices and FIFOs are written in place,
directories and other special files are refused."""

from __future__ import annotations

import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from sovbom._io import write_bytes
from sovbom.errors import ExitCode, InputError


def char_device(tmp_path: Path) -> Path:
    """A character device to write to: a null device (1, 3) made in ``tmp_path`` as root.

    Without root the system's /dev/null is used: a process that is not root cannot replace it
    (its directory is not writable), so a test run on a broken writer fails without harm. As
    root, a broken writer would replace the system's /dev/null: never aim a test at it then.
    """
    if os.geteuid() != 0:
        return Path(os.devnull)
    target = tmp_path / "null"
    try:
        os.mknod(target, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError:
        pytest.skip("cannot create a character device here (mknod refused)")
    return target


def test_a_character_device_is_written_in_place_not_replaced(tmp_path: Path) -> None:
    target = char_device(tmp_path)
    before = os.stat(target)
    listing = sorted(os.listdir(target.parent))
    write_bytes(target, b"report\n" * 1000)
    after = os.stat(target)
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert sorted(os.listdir(target.parent)) == listing  # no temporary file left behind


def test_a_fifo_with_a_reader_gets_the_data(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as fh:
            received.append(fh.read())

    reader = threading.Thread(target=read)
    reader.start()
    data = b"{}\n" * 50_000  # larger than a pipe's buffer
    # the reader opens the FIFO soon; the writer waits for it briefly, never forever
    write_bytes(fifo, data)
    reader.join(10)
    assert received == [data]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["pipe"]


def test_a_fifo_without_a_reader_is_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="no process is reading") as info:
        write_bytes(fifo, b"data")
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert str(fifo) in info.value.message
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["pipe"]


def test_a_directory_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(InputError, match="is a directory") as info:
        write_bytes(target, b"data")
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert target.is_dir()
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(path))
        with pytest.raises(InputError, match="not a regular file .a socket.") as info:
            write_bytes(path, b"data")
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert stat.S_ISSOCK(os.stat(path).st_mode)


def test_a_symlink_to_a_device_writes_the_device(tmp_path: Path) -> None:
    device = char_device(tmp_path)
    link = tmp_path / "out"
    link.symlink_to(device)
    write_bytes(link, b"data")
    assert link.is_symlink()
    assert stat.S_ISCHR(os.stat(device).st_mode)


def test_a_regular_file_is_still_replaced_atomically(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_bytes(b"old")
    before = os.stat(target).st_ino
    write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert os.stat(target).st_ino != before  # a new file renamed over the old one
    assert sorted(os.listdir(tmp_path)) == ["r.json"]


def test_pieces_are_written_as_one_file_replaced_only_once_all_are_there(tmp_path: Path) -> None:
    from collections.abc import Iterator

    from sovbom._io import write_chunks

    target = tmp_path / "summary.json"
    target.write_bytes(b"before\n")

    def pieces(fail: bool, before: bytes = b"before\n") -> Iterator[bytes]:
        yield b"{\n"
        assert target.read_bytes() == before  # nothing in place while pieces come
        if fail:
            raise RuntimeError("the renderer failed half-way")
        yield b"}\n"

    with pytest.raises(RuntimeError):
        write_chunks(target, pieces(fail=True))
    assert target.read_bytes() == b"before\n"
    assert os.listdir(tmp_path) == ["summary.json"]  # no temporary file left
    write_chunks(target, pieces(fail=False))
    assert target.read_bytes() == b"{\n}\n"
    null = char_device(tmp_path)
    write_chunks(
        null, pieces(fail=False, before=b"{\n}\n")
    )  # a device: written in place, piece by piece
    assert stat.S_ISCHR(os.stat(null).st_mode)
