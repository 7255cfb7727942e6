from __future__ import annotations

import os
from pathlib import Path

import pytest

from sovbom._io import load_structured, parse_json, parse_yaml, write_bytes
from sovbom.errors import ExitCode, InputError


def test_parse_json_error_names_line_and_column() -> None:
    with pytest.raises(InputError) as info:
        parse_json(b'{\n  "a": 1,\n  "b": }\n', "x.json")
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert "x.json: line 3 column 8: malformed JSON" in info.value.message


def test_parse_yaml_error_names_line() -> None:
    with pytest.raises(InputError) as info:
        parse_yaml(b"a: 1\nb: [1, 2\nc: 3\n", "m.yaml")
    assert "m.yaml: line 3" in info.value.message


def test_yaml_dates_stay_strings() -> None:
    assert parse_yaml(b"d: 2026-09-15\n", "m.yaml") == {"d": "2026-09-15"}


def test_yaml_refuses_python_objects() -> None:
    with pytest.raises(InputError):
        parse_yaml(b"!!python/object/apply:os.system ['true']\n", "evil.yaml")


def test_load_structured_sniffs_content(tmp_path: Path) -> None:
    p = tmp_path / "noext"
    p.write_text('{"a": 1}')
    assert load_structured(p) == {"a": 1}
    p.write_text("a: 1\n")
    assert load_structured(p) == {"a": 1}


def test_missing_file_and_directory_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_structured(tmp_path / "absent.json")
    with pytest.raises(InputError, match="is a directory"):
        load_structured(tmp_path)


def test_write_is_atomic_and_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"old")

    write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    # A write into a missing directory fails cleanly and leaves no temporary file behind.
    with pytest.raises(InputError, match="cannot write"):
        write_bytes(tmp_path / "missing" / "out.json", b"x")
    assert sorted(os.listdir(tmp_path)) == ["out.json"]


def test_deeply_nested_json_is_an_input_error_not_a_crash() -> None:
    with pytest.raises(InputError, match="malformed JSON"):
        parse_json(b"[" * 100_000, "deep.json")


#: JSON texts parse_json reads the same way whichever way it checks their nesting.
NESTING_CASES = [
    b"[" * 128 + b"]" * 128,
    b"[" * 129 + b"]" * 129,
    b'{"a":' * 127 + b"1" + b"}" * 127,
    b'{"a":' * 128 + b"1" + b"}" * 128,
    b"[" * 1024 + b"]" * 1024,
    b"[" * 1025 + b"]" * 1025,
    b"1, 2",
    b"1], [2",
    b"[1]]], [[[2]",
    b'{"x": [1, 2, {"y": null}]}',
    b"  7  ",
    b"",
    b"[",
]


@pytest.mark.parametrize("data", NESTING_CASES, ids=range(len(NESTING_CASES)))
def test_nesting_is_checked_alike_while_parsing_and_after(
    data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small documents have their nesting checked after they are parsed, large ones while they
    are: either way a document reads, or is refused, alike."""
    import sovbom._io as io

    def outcome() -> object:
        try:
            return ("doc", parse_json(data, "doc.json"))
        except InputError as e:
            return ("error", str(e))

    monkeypatch.setattr(io, "SHALLOW_FROM", 1 << 40)  # checked after
    after = outcome()
    monkeypatch.setattr(io, "SHALLOW_FROM", 0)  # checked while parsing
    assert outcome() == after
    if data.startswith(b"[" * 129) and len(data) < 600:
        assert after[0] == "error" and "nested deeper than 128" in str(after[1])


@pytest.mark.parametrize("size", [0, 1, 4096, 300_000])
def test_read_bytes_reads_the_whole_file(tmp_path: Path, size: int) -> None:
    from sovbom._io import read_bytes

    data = os.urandom(size)
    (tmp_path / "f").write_bytes(data)
    assert read_bytes(tmp_path / "f") == data


def test_a_file_read_past_its_size_is_read_to_its_end_or_refused(tmp_path: Path) -> None:
    """The size read first is only where reading starts: a file that grew since is read to its
    end, and past the limit it is too large."""
    from sovbom._io import _read_fd

    data = os.urandom(100_000)
    (tmp_path / "f").write_bytes(data)
    fd = os.open(tmp_path / "f", os.O_RDONLY)
    try:
        assert _read_fd(fd, 10, 1 << 20) == data  # as if it had 10 bytes when its size was read
        os.lseek(fd, 0, os.SEEK_SET)
        assert len(_read_fd(fd, 10, 50)) > 50  # stops past the limit: read_bytes refuses it
    finally:
        os.close(fd)
