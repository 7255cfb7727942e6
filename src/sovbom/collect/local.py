"""Collect the hardware inventory of the host sovbom runs on (``--local``).

Runs what the host has: ``dmidecode`` (needs root; without it the non-secret fields of
``/sys/class/dmi/id`` are read instead, which carry no serial numbers), ``lshw -json`` and
``nvidia-smi -q -x``. Each tool's output goes through the same parser as a file would. Whatever
could not be read is said in the notes: a tool that is missing, a tool that failed, a fallback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sovbom import taxonomy as tx
from sovbom.collect import dmidecode, lshw, nvidia_smi
from sovbom.collect.interface import Inventory
from sovbom.hbom import link_firmware
from sovbom.model import Component, Organization
from sovbom.placeholders import clean

SYSFS_DMI = Path("/sys/class/dmi/id")
DEFAULT_TIMEOUT = 120.0


@dataclass(slots=True)
class RunResult:
    returncode: int
    stdout: bytes
    stderr: bytes


Runner = Callable[[Sequence[str], float], RunResult]
Which = Callable[[str], str | None]
_which: Which = shutil.which


def run_command(argv: Sequence[str], timeout: float) -> RunResult:
    """Run a command without a shell; a timeout or OS error becomes return code 126/127."""
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argv of a tool found on PATH, no shell
            list(argv), capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return RunResult(126, b"", f"timed out after {timeout:g} s".encode())
    except OSError as e:
        return RunResult(127, b"", str(e).encode())
    return RunResult(proc.returncode, proc.stdout, proc.stderr)


@dataclass(slots=True)
class LocalResult:
    inventories: list[Inventory] = field(default_factory=list)
    slot_names: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _why(result: RunResult) -> str:
    text = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return text[-1] if text else f"exit status {result.returncode}"


def _read(path: Path) -> str | None:
    try:
        return clean(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


def sysfs_inventory(root: Path = SYSFS_DMI) -> Inventory | None:
    """What ``/sys/class/dmi/id`` shows to an unprivileged user (no serial numbers)."""
    if not root.is_dir():
        return None
    source = "sysfs-dmi"
    inv = Inventory(source=source, complete=False)

    def get(name: str) -> str | None:
        return _read(root / name)

    unreadable = [n for n in ("product_serial", "board_serial", "chassis_serial") if get(n) is None]
    if unreadable:
        inv.notes.append(
            f"{root}: {', '.join(unreadable)} not readable (root only): serial numbers unknown"
        )
    vendor = get("sys_vendor")
    inv.system = Component(
        ref="hw:server",
        name=get("product_name") or "server",
        cls="server",
        manufacturer=Organization(vendor) if vendor else None,
        version=get("product_version"),
        serial=get("product_serial"),
        sku=get("product_sku"),
        seen_by=[source],
    )
    board_vendor = get("board_vendor")
    board_name = get("board_name")
    if board_vendor or board_name:
        board = Component(
            ref="hw:baseboard",
            name=board_name or "baseboard",
            cls="baseboard",
            manufacturer=Organization(board_vendor) if board_vendor else None,
            version=get("board_version"),
            serial=get("board_serial"),
            seen_by=[source],
        )
        inv.parts.append(board)
        bios_version = get("bios_version")
        if bios_version:
            bios_vendor = get("bios_vendor")
            props = [(tx.FIRMWARE_RELEASE_DATE, d) for d in [get("bios_date")] if d]
            link_firmware(
                board,
                Component(
                    ref="fw:bios",
                    name="BIOS",
                    type="firmware",
                    version=bios_version,
                    manufacturer=Organization(bios_vendor) if bios_vendor else None,
                    seen_by=[source],
                    properties=props,
                ),
            )
    return inv


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def collect_local(
    *,
    run: Runner | None = None,
    which: Which | None = None,
    sysfs: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> LocalResult:
    """Inventories from the local tools; notes say what could not be read and why.

    ``run``, ``which`` and ``sysfs`` default to running real commands found on ``PATH`` and to
    ``/sys/class/dmi/id`` (module attributes, so tests can replace them).
    """
    run = run or run_command
    which = which or _which
    sysfs = sysfs or SYSFS_DMI
    out = LocalResult()
    # dmidecode (root), else sysfs
    exe = which("dmidecode")
    dmi_ok = False
    if exe is None:
        out.notes.append("dmidecode is not installed")
    else:
        res = run([exe], timeout)
        if res.returncode == 0 and res.stdout.strip():
            table = dmidecode.parse_dmidecode(res.stdout, "dmidecode (local)")
            out.inventories.append(dmidecode.inventory_from_table(table))
            out.slot_names.update(dmidecode.pci_slot_names(table))
            dmi_ok = True
        else:
            hint = "" if _is_root() else " (not root?)"
            out.notes.append(f"dmidecode failed{hint}: {_why(res)}")
    if not dmi_ok:
        inv = sysfs_inventory(sysfs)
        if inv is None:
            out.notes.append(f"{sysfs} is not available: no SMBIOS data at all")
        else:
            out.notes.append(
                f"read {sysfs} instead of dmidecode: no processors, memory or power supplies"
            )
            out.inventories.append(inv)
    # lshw
    exe = which("lshw")
    if exe is None:
        out.notes.append("lshw is not installed")
    else:
        res = run([exe, "-json", "-quiet"], timeout)
        if res.returncode == 0 and res.stdout.strip():
            nodes, notes = lshw.parse_lshw(res.stdout, "lshw (local)")
            inv = lshw.inventory_from_nodes(nodes, notes)
            if not _is_root():
                inv.complete = False
                inv.notes.append(
                    "lshw ran without root: serial numbers and some devices are missing"
                )
            out.inventories.append(inv)
        else:
            out.notes.append(f"lshw failed: {_why(res)}")
    # nvidia-smi
    exe = which("nvidia-smi")
    if exe is None:
        out.notes.append(
            "nvidia-smi is not installed (no NVIDIA driver): GPUs not inventoried by it"
        )
    else:
        res = run([exe, "-q", "-x"], timeout)
        if res.returncode == 0 and res.stdout.strip():
            log = nvidia_smi.parse_nvidia_smi(res.stdout, "nvidia-smi (local)")
            out.inventories.append(nvidia_smi.inventory_from_log(log))
        else:
            out.notes.append(f"nvidia-smi failed: {_why(res)}")
    return out
