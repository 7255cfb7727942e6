"""Hostile inputs through the command line: every one is exit 4 with one line naming the file.

No traceback (the in-process runner re-raises any exception), no exit 1 (that is "findings"),
no output file left behind, and no unbounded work: each run has a timeout.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hostile_inputs import (
    DMIDECODE,
    HBOM,
    HOSTILE,
    MANIFEST,
    POLICY,
    SIGNERS,
    STATIC_XML,
    STATIC_YAML,
    write_generated,
)

from helpers import assert_refused as refused


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_generated(tmp_path_factory.mktemp("hostile"))


def hostile_file(name: str, generated: dict[str, Path]) -> Path:
    return generated[name] if name in generated else HOSTILE / name


def assert_refused(
    result: Any, source: Path | str, output: Path | None = None, *, aka: str | None = None
) -> str:
    """Exit 4, one error line naming ``source`` (or ``aka``), nothing written, nothing else said."""
    error = refused(result, *(n for n in (source, aka) if n is not None), output=output)
    other = [line for line in result.stderr.splitlines() if not line.startswith("sovbom:")]
    assert not [line for line in other if "TUF" not in line], result.stderr  # one line
    return error


def signed_check(bundle: Path, out: Path) -> list[str]:
    """``sovbom check`` of the sample HBOM with its signature verified against ``bundle``."""
    return [
        "check", "-p", str(POLICY), "--signers", str(SIGNERS), "--offline",
        "--bundle", str(bundle), str(HBOM), "-o", str(out),
    ]  # fmt: skip


YAML_CASES = [
    *STATIC_YAML,
    "deep.yaml",
    "big-integer.yaml",
    "hex-integer.yaml",
    "recursive-alias.yaml",
]


def _yaml_commands(path: Path, out: Path) -> list[list[str]]:
    return [
        ["check", "-p", str(path), str(HBOM), "-o", str(out)],
        ["build", "-m", str(path), "-o", str(out)],
        ["verify", "--signers", str(path), "--offline", str(POLICY), "-o", str(out)],
        [
            "check",
            "-p",
            str(POLICY),
            "--signers",
            str(path),
            "--offline",
            str(HBOM),
            "-o",
            str(out),
        ],
        [
            "collect",
            "hardware",
            "--dmidecode",
            str(DMIDECODE),
            "--suppliers",
            str(path),
            "-o",
            str(out),
        ],
    ]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", YAML_CASES)
def test_hostile_yaml_is_refused_everywhere(
    name: str, generated: dict[str, Path], run_cli: Any, tmp_path: Path
) -> None:
    path = hostile_file(name, generated)
    out = tmp_path / "out.json"
    for args in _yaml_commands(path, out):
        assert_refused(run_cli(*args), path, out)


@pytest.mark.parametrize(
    "name,message",
    [
        ("alias-bomb.yaml", "column 50: YAML aliases expand to more than 10000 nodes"),
        ("binary-tag.yaml", "line 2 column 7: YAML tag !!binary is not supported"),
        ("set-tag.yaml", "line 2 column 12: YAML tag !!set is not supported"),
        ("integer-key.yaml", "line 2 column 1: mapping key '1' is read as int, not a string"),
        ("latin1.yaml", "line 2 column 11: not UTF-8 text (byte 0xe9)"),
        ("deep.yaml", "line 1 column 67: YAML nested deeper than 64 levels"),
        ("big-integer.yaml", "line 1 column 10: integer too large (5000 characters)"),
        ("recursive-alias.yaml", "YAML nested deeper than 64 levels (or a recursive alias)"),
    ],
)
def test_yaml_messages_name_the_place(
    name: str, message: str, generated: dict[str, Path], run_cli: Any
) -> None:
    path = hostile_file(name, generated)
    line = assert_refused(run_cli("check", "-p", str(path), str(HBOM)), path)
    assert message in line


BOM_CASES = [
    "big-integer.cdx.json",
    "deep-array.json",
    "nested-components.cdx.json",
    "deep.cdx.xml",
    *STATIC_XML,
]


def _bom_commands(path: Path, out: Path) -> list[list[str]]:
    return [
        ["validate", str(path)],
        ["check", "-p", str(POLICY), str(path), "-o", str(out)],
        ["build", "-m", str(MANIFEST), "--add", str(path), "-o", str(out)],
        ["collect", "software", "--sbom", str(path), "-o", str(out)],
        ["trace", "-c", "x", str(path), "-o", str(out)],
    ]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", BOM_CASES)
def test_hostile_boms_are_refused_everywhere(
    name: str, generated: dict[str, Path], run_cli: Any, tmp_path: Path
) -> None:
    path = hostile_file(name, generated)
    out = tmp_path / "out.json"
    for args in _bom_commands(path, out):
        assert_refused(run_cli(*args), path, out)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", ["big-integer.sigstore.json", "deep-array.json"])
def test_hostile_bundles_and_trust_roots(
    name: str, generated: dict[str, Path], run_cli: Any, tmp_path: Path
) -> None:
    path = hostile_file(name, generated)
    out = tmp_path / "report.json"
    # an unreadable bundle is bad input: verify writes no report
    assert_refused(
        run_cli(
            "verify",
            "--signers",
            str(SIGNERS),
            "--offline",
            "--bundle",
            str(path),
            str(HBOM),
            "-o",
            str(tmp_path / "verify.txt"),
        ),
        path,
        tmp_path / "verify.txt",
    )
    assert_refused(
        run_cli(*signed_check(path, out)),
        path,
        out,
        aka="<bundle>",  # the signature check does not know the bundle's file name yet
    )
    assert_refused(
        run_cli(
            "verify",
            "--signers",
            str(SIGNERS),
            "--trusted-root",
            str(path),
            str(HBOM),
            "-o",
            str(out),
        ),
        path,
        out,
    )


def test_json_depth_limit_is_exact(tmp_path: Path) -> None:
    from sovbom._io import MAX_JSON_DEPTH, parse_json
    from sovbom.errors import InputError

    ok = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert parse_json(ok, "ok") is not None
    deep = b"{" + b'"a":{' * MAX_JSON_DEPTH + b"}" * (MAX_JSON_DEPTH + 1)
    with pytest.raises(InputError, match=f"nested deeper than {MAX_JSON_DEPTH} levels"):
        parse_json(deep, "deep")


# ------------------------------------------------------------------------------------------
# Special files: FIFOs block, /dev/zero never ends, a directory is not a document.


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "policy.yaml"
    os.mkfifo(path)
    yield path

    # Unblock a reader that is still waiting (the unfixed code), so the test cannot hang.
    def release() -> None:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)

    thread = threading.Thread(target=lambda: _quietly(release), daemon=True)
    thread.start()
    thread.join(1)


def _quietly(fn: Any) -> None:
    with contextlib.suppress(OSError):
        fn()


@pytest.mark.timeout(20)
def test_fifo_policy_bundle_and_bom_are_refused(fifo: Path, run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    line = assert_refused(run_cli("check", "-p", str(fifo), str(HBOM), "-o", str(out)), fifo, out)
    assert "not a regular file (a FIFO)" in line
    assert_refused(run_cli("validate", str(fifo)), fifo)
    assert_refused(run_cli("sign", str(fifo), "--identity-token", "x", "--no-ambient"), fifo)
    assert_refused(
        run_cli(*signed_check(fifo, out)),
        fifo,
        out,
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.timeout(20)
def test_dev_zero_is_refused(run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    zero = Path("/dev/zero")
    line = assert_refused(run_cli("validate", str(zero)), zero)
    assert "not a regular file (a character device)" in line
    assert_refused(
        run_cli(*signed_check(zero, out)),
        zero,
        out,
    )
    assert_refused(run_cli("build", "-m", str(zero), "-o", str(out)), zero, out)


def test_standard_input_is_capped(monkeypatch: pytest.MonkeyPatch, run_cli: Any) -> None:
    import sovbom._io as io

    monkeypatch.setattr(io, "MAX_INPUT_BYTES", 1000)
    monkeypatch.setattr(io.read_bytes, "__kwdefaults__", {"limit": 1000})
    result = run_cli("validate", "-", input=HBOM.read_bytes())
    assert_refused(result, "<stdin>")
    assert "input is too large (more than 1000 bytes)" in result.stderr
