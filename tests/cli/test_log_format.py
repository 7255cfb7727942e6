"""Log lines on stderr have one format; the libraries' own lines show only with -v."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from sovbom.cli._common import setup_logging  # what `sovbom [-v] COMMAND` does before it runs

NOISY_LIBRARIES = ("sigstore", "tuf", "urllib3")

TUF_LINE = "TUF repository is loaded in offline mode; updates will not be performed"


@pytest.fixture(autouse=True)
def _restore_loggers() -> Iterator[None]:
    names = ("sovbom", *NOISY_LIBRARIES)
    saved = {n: (logging.getLogger(n).level, list(logging.getLogger(n).handlers)) for n in names}
    yield
    for n, (level, handlers) in saved.items():
        lib = logging.getLogger(n)
        lib.setLevel(level)
        lib.handlers[:] = handlers


def _emit() -> None:
    logging.getLogger("sovbom.signing").warning("trusted root expires soon")
    logging.getLogger("sovbom.compose").info("3 component(s) merged")
    logging.getLogger("sigstore._internal.tuf").warning(TUF_LINE)
    logging.getLogger("urllib3.connectionpool").warning("Retrying (Retry(total=2))")


def test_one_lower_case_format_and_no_library_noise(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(0)
    _emit()
    err = capsys.readouterr().err
    assert err.splitlines() == ["sovbom: warning: trusted root expires soon"]
    assert "WARNING" not in err and TUF_LINE not in err


def test_with_v_library_lines_are_prefixed_too(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(1)
    _emit()
    lines = capsys.readouterr().err.splitlines()
    assert "sovbom: info: 3 component(s) merged" in lines
    assert f"sovbom: warning: sigstore: {TUF_LINE}" in lines
    assert "sovbom: warning: urllib3: Retrying (Retry(total=2))" in lines
    assert all(line.startswith("sovbom: ") for line in lines)


def test_setting_up_twice_prints_each_line_once(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(1)
    setup_logging(1)
    logging.getLogger("sovbom").warning("once")
    assert capsys.readouterr().err.count("once") == 1
