"""Fixtures for ``sovbom collect hardware``: run the command, load and check what it wrote."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

HERE = Path(__file__).resolve().parent
HW_DATA = HERE.parent / "data" / "hw"
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture
def hw_data() -> Path:
    return HW_DATA


@pytest.fixture
def hw_corpus(corpus: Path) -> Path:
    """``../shared/corpus/hardware`` (tests using it are skipped when the corpus is absent)."""
    path = corpus / "hardware"
    if not path.is_dir():
        pytest.skip("hardware corpus not available")
    return path


Collect = Callable[..., tuple[Result, dict[str, Any] | None, Path]]


@pytest.fixture
def collect_hw(run_cli: Any, tmp_path: Path) -> Collect:
    """Run ``sovbom collect hardware ARGS -o OUT --reproducible``; return (result, doc, out).

    ``doc`` is the parsed output after checking it against the CycloneDX schema and integrity
    rules, or None when no output file exists.
    """
    from helpers import assert_valid_bom

    counter = iter(range(1_000_000))

    def run(*args: str, input: bytes | str | None = None, out: Path | None = None) -> Any:
        target = out or tmp_path / f"out-{next(counter)}.cdx.json"
        result = run_cli(
            "collect", "hardware", *args, "-o", str(target), "--reproducible", input=input
        )
        doc = None
        if target.exists():
            doc = json.loads(target.read_text(encoding="utf-8"))
            assert_valid_bom(doc)
        return result, doc, target

    return run
