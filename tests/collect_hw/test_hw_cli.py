"""The ``collect hardware`` command: usage errors, stdin, reproducibility, Redfish wiring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hw_helpers import of_class, prop, seen_by


def test_help(run_cli: Any) -> None:
    result = run_cli("collect", "hardware", "--help")
    assert result.exit_code == 0
    for option in (
        "--dmidecode",
        "--lshw",
        "--nvidia-smi",
        "--redfish",
        "--redfish-mockup",
        "--ca-bundle",
        "--insecure",
        "--timeout",
        "--retries",
        "--concurrency",
        "--local",
        "--suppliers",
        "--on-incomplete",
    ):
        assert option in result.output
    assert run_cli("collect", "--help").exit_code == 0


def test_no_source_is_a_usage_error(collect_hw: Any) -> None:
    result, doc, out = collect_hw()
    assert result.exit_code == 2
    assert "at least one source" in result.stderr
    assert doc is None and not out.exists()


def test_two_stdin_sources(collect_hw: Any) -> None:
    result, _, _ = collect_hw("--dmidecode", "-", "--lshw", "-", input=b"")
    assert result.exit_code == 2
    assert "standard input" in result.stderr


def test_bad_option_values(collect_hw: Any, hw_data: Path) -> None:
    dmi = str(hw_data / "merge-example.dmidecode.txt")
    for args in (
        ("--retries", "11"),
        ("--concurrency", "0"),
        ("--timeout", "0"),
        ("--on-incomplete", "ignore"),
    ):
        result, _, _ = collect_hw("--dmidecode", dmi, *args)
        assert result.exit_code == 2, args


def test_reproducible_bytes(hw_data: Path, collect_hw: Any) -> None:
    args = (
        "--dmidecode",
        str(hw_data / "merge-example.dmidecode.txt"),
        "--lshw",
        str(hw_data / "merge-example.lshw.json"),
    )
    _, _, a = collect_hw(*args)
    _, _, b = collect_hw(*args)
    assert a.read_bytes() == b.read_bytes()


def test_stdout(hw_data: Path, run_cli: Any) -> None:
    import json

    result = run_cli(
        "collect",
        "hardware",
        "--nvidia-smi",
        str(hw_data / "merge-example.nvidia-smi.xml"),
        "-o",
        "-",
        "--spec-version",
        "1.7",
    )
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["specVersion"] == "1.7"
    from helpers import assert_valid_bom

    assert_valid_bom(doc)


def test_failure_in_second_source_writes_nothing(
    hw_data: Path, tmp_path: Path, collect_hw: Any
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    result, doc, out = collect_hw(
        "--dmidecode", str(hw_data / "merge-example.dmidecode.txt"), "--lshw", str(bad)
    )
    assert result.exit_code == 4
    assert doc is None and not out.exists()


def test_existing_output_untouched_on_failure(tmp_path: Path, run_cli: Any) -> None:
    out = tmp_path / "keep.cdx.json"
    out.write_text("previous", encoding="utf-8")
    result = run_cli(
        "collect", "hardware", "--lshw", str(tmp_path / "missing.json"), "-o", str(out)
    )
    assert result.exit_code == 4
    assert out.read_text(encoding="utf-8") == "previous"


@pytest.mark.corpus
def test_redfish_mockup(hw_corpus: Path, collect_hw: Any) -> None:
    result, doc, _ = collect_hw(
        "--redfish-mockup", str(hw_corpus / "redfish" / "dmtf-public-rackmount1")
    )
    assert result.exit_code == 0, result.output
    assert doc is not None
    server = doc["metadata"]["component"]
    assert seen_by(server) == ["redfish"]
    assert of_class(doc, "cpu") and of_class(doc, "memory")
    # Timings of the walk are logged, not written: the output stays reproducible.
    notes = [
        p["value"]
        for p in doc["metadata"].get("properties", [])
        if p["name"] == "sovbom:collection:note"
    ]
    assert not any(" s" in n and "requests" in n for n in notes)


def test_redfish_unreachable_fails_cleanly(collect_hw: Any) -> None:
    # Port 9 on 127.0.0.1 (discard) is closed on a test host: a quick connection refusal.
    result, doc, out = collect_hw(
        "--redfish", "https://127.0.0.1:9", "--retries", "0", "--timeout", "2"
    )
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.stderr
    assert doc is None and not out.exists()


def test_registered_in_cli(run_cli: Any) -> None:
    result = run_cli("--help")
    assert "collect" in result.output
    assert prop({"properties": [{"name": "a", "value": "b"}]}, "a") == "b"
