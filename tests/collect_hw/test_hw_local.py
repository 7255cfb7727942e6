"""``--local``: runs the host's tools (replaced by fakes here) and says what it could not read."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hw_helpers import of_class, prop, props, seen_by

from sovbom.collect import local
from sovbom.collect.local import RunResult, collect_local, sysfs_inventory


def _sysfs(tmp_path: Path) -> Path:
    root = tmp_path / "dmi-id"
    root.mkdir()
    for name, value in {
        "sys_vendor": "Supermicro",
        "product_name": "SYS-EXAMPLE-1",
        "product_version": "0123456789",
        "board_vendor": "Supermicro",
        "board_name": "X12DPG-OA6",
        "board_version": "1.01",
        "bios_vendor": "American Megatrends International, LLC.",
        "bios_version": "2.4.1",
        "bios_date": "03/01/2024",
    }.items():
        (root / name).write_text(value + "\n", encoding="utf-8")
    return root


def _fake(outputs: dict[str, RunResult]) -> tuple[Any, Any, list[list[str]]]:
    calls: list[list[str]] = []

    def which(name: str) -> str | None:
        return f"/usr/bin/{name}" if name in outputs else None

    def run(argv: Sequence[str], timeout: float) -> RunResult:
        calls.append(list(argv))
        return outputs[Path(argv[0]).name]

    return which, run, calls


def test_all_tools(hw_data: Path, tmp_path: Path) -> None:
    which, run, calls = _fake(
        {
            "dmidecode": RunResult(0, (hw_data / "merge-example.dmidecode.txt").read_bytes(), b""),
            "lshw": RunResult(0, (hw_data / "merge-example.lshw.json").read_bytes(), b""),
            "nvidia-smi": RunResult(
                0, (hw_data / "merge-example.nvidia-smi.xml").read_bytes(), b""
            ),
        }
    )
    result = collect_local(run=run, which=which, sysfs=_sysfs(tmp_path))
    assert [c[1:] for c in calls] == [[], ["-json", "-quiet"], ["-q", "-x"]]
    assert [inv.source for inv in result.inventories] == ["dmidecode", "lshw", "nvidia-smi"]
    assert result.slot_names["0000:3b:00.0"] == "RSC-1 SLOT3 PCI-E 4.0 X16"


def test_not_root_falls_back_to_sysfs(tmp_path: Path) -> None:
    which, run, _ = _fake(
        {
            "dmidecode": RunResult(1, b"", b"/dev/mem: Permission denied\n"),
            "lshw": RunResult(1, b"", b"WARNING: you should run this program as super-user.\n"),
        }
    )
    result = collect_local(run=run, which=which, sysfs=_sysfs(tmp_path))
    assert [inv.source for inv in result.inventories] == ["sysfs-dmi"]
    (inv,) = result.inventories
    assert not inv.complete
    assert inv.system is not None and inv.system.name == "SYS-EXAMPLE-1"
    assert inv.system.version is None  # placeholder
    notes = " | ".join(result.notes + inv.notes)
    assert "dmidecode failed" in notes and "Permission denied" in notes
    assert "lshw failed" in notes
    assert "nvidia-smi is not installed" in notes
    assert "serial numbers unknown" in notes


def test_nothing_available(tmp_path: Path) -> None:
    which, run, _ = _fake({})
    result = collect_local(run=run, which=which, sysfs=tmp_path / "absent")
    assert result.inventories == []
    assert any("not available" in n for n in result.notes)


def test_sysfs_absent() -> None:
    assert sysfs_inventory(Path("/nonexistent/dmi/id")) is None


def test_cli_local(
    hw_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collect_hw: Any
) -> None:
    which, run, _ = _fake(
        {"nvidia-smi": RunResult(0, (hw_data / "merge-example.nvidia-smi.xml").read_bytes(), b"")}
    )
    monkeypatch.setattr(local, "_which", which)
    monkeypatch.setattr(local, "run_command", run)
    monkeypatch.setattr(local, "SYSFS_DMI", _sysfs(tmp_path))
    result, doc, _ = collect_hw("--local")
    assert result.exit_code == 0, result.output
    assert doc is not None
    assert seen_by(doc["metadata"]["component"]) == ["sysfs-dmi"]
    (gpu,) = of_class(doc, "gpu")
    assert seen_by(gpu) == ["nvidia-smi"]
    assert prop(doc["metadata"], "sovbom:collection:incomplete") == "true"
    notes = props(doc["metadata"])["sovbom:collection:note"]
    assert any("dmidecode is not installed" in n for n in notes)
    assert any("lshw is not installed" in n for n in notes)
    result, doc, out = collect_hw("--local", "--on-incomplete", "fail")
    assert result.exit_code == 4 and doc is None and not out.exists()


def test_cli_local_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collect_hw: Any
) -> None:
    which, run, _ = _fake({})
    monkeypatch.setattr(local, "_which", which)
    monkeypatch.setattr(local, "run_command", run)
    monkeypatch.setattr(local, "SYSFS_DMI", tmp_path / "absent")
    result, doc, out = collect_hw("--local")
    assert result.exit_code == 4
    assert "could not read any hardware source" in result.stderr
    assert doc is None and not out.exists()


def test_run_command_real() -> None:
    import sys

    ok = local.run_command([sys.executable, "-c", "print('hi')"], 30)
    assert ok.returncode == 0 and ok.stdout.strip() == b"hi"
    missing = local.run_command(["/nonexistent/tool"], 5)
    assert missing.returncode == 127
