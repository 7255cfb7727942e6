"""Merging hardware inventories (``sovbom collect hardware``) on very large servers.

Three generated inputs, each measured end to end through the command line (parse, merge, write
the HBOM) and for the merge step alone (:func:`sovbom.collect.merge.merge_inventories`):

* 4,000 DIMMs in a dmidecode capture;
* the same 4,000 DIMMs seen by dmidecode and lshw (every part matched across the two sources);
* 20,000 GPUs in one ``nvidia-smi -q -x`` file (about 1 MB).

Target: each merge under 2 s. The garbage collector is paused as the command line pauses it.
Times are the best of ``--repeat`` runs, in CPU seconds of this process (``time.process_time``:
on a shared machine, wall-clock time measures the other processes too).

Usage: python benchmarks/bench_merge.py [--dimms 4000] [--gpus 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from sovbom.cli import cli
from sovbom.collect.dmidecode import collect_dmidecode
from sovbom.collect.interface import Inventory
from sovbom.collect.lshw import collect_lshw
from sovbom.collect.merge import merge_inventories
from sovbom.collect.nvidia_smi import collect_nvidia_smi


def dmidecode_text(dimms: int) -> str:
    lines = [
        "# dmidecode 3.5",
        "SMBIOS 3.5.0 present.",
        "Table at 0x6F000000.",
        "",
        "Handle 0x0001, DMI type 1, 27 bytes",
        "System Information",
        "\tManufacturer: Example Systems",
        "\tProduct Name: Memory Box 9000",
        "\tSerial Number: SYS-0001",
        "",
    ]
    for i in range(dimms):
        lines += [
            f"Handle 0x{0x1100 + i:04X}, DMI type 17, 92 bytes",
            "Memory Device",
            "\tSize: 64 GB",
            f"\tLocator: DIMM {i:05d}",
            "\tBank Locator: Not Specified",
            "\tType: DDR5",
            "\tManufacturer: Samsung",
            f"\tSerial Number: S{i:08d}",
            "\tPart Number: M321R8GA0BB0-CQK",
            "",
        ]
    lines += ["Handle 0xFEFF, DMI type 127, 4 bytes", "End Of Table", ""]
    return "\n".join(lines)


def lshw_json(dimms: int) -> str:
    banks = [
        {
            "id": f"bank:{i}",
            "class": "memory",
            "description": "DIMM DDR5 Synchronous 4800 MHz",
            "product": "M321R8GA0BB0-CQK",
            "vendor": "Samsung",
            "slot": f"DIMM {i:05d}",
            "serial": f"S{i:08d}",
            "size": 68719476736,
        }
        for i in range(dimms)
    ]
    memory = {"id": "memory", "class": "memory", "children": banks}
    core = {"id": "core", "class": "bus", "product": "MB-9000", "children": [memory]}
    return json.dumps({"id": "box", "class": "system", "serial": "SYS-0001", "children": [core]})


def nvidia_smi_xml(gpus: int) -> str:
    body = "".join(
        f'<gpu id="{i // 256:08X}:{i % 256:02X}:00.0"><serial>{i:010d}</serial></gpu>'
        for i in range(gpus)
    )
    return (
        f'<?xml version="1.0" ?><nvidia_smi_log><attached_gpus>{gpus}</attached_gpus>'
        f"{body}</nvidia_smi_log>\n"
    )


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        was = gc.isenabled()
        gc.disable()
        started = time.process_time()
        try:
            run()
        finally:
            times.append(time.process_time() - started)
            if was:
                gc.enable()
    return min(times)


def time_merge(repeat: int, read: Callable[[], list[Inventory]]) -> float:
    """The merge step alone (the inputs are read again for each run: the merge consumes them)."""
    times = []
    for _ in range(repeat):
        inventories = read()
        was = gc.isenabled()
        gc.disable()
        started = time.process_time()
        merge_inventories(inventories)
        times.append(time.process_time() - started)
        if was:
            gc.enable()
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dimms", type=int, default=4000)
    parser.add_argument("--gpus", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        dmi, lshw, smi = d / "dmi.txt", d / "lshw.json", d / "smi.xml"
        dmi.write_text(dmidecode_text(args.dimms), encoding="utf-8")
        lshw.write_text(lshw_json(args.dimms), encoding="utf-8")
        smi.write_text(nvidia_smi_xml(args.gpus), encoding="utf-8")
        cases: list[tuple[str, list[str], Callable[[], list[Inventory]]]] = [
            (
                f"{args.dimms} DIMMs, dmidecode",
                ["--dmidecode", str(dmi)],
                lambda: [collect_dmidecode(dmi)[0]],
            ),
            (
                f"{args.dimms} DIMMs, dmidecode + lshw",
                ["--dmidecode", str(dmi), "--lshw", str(lshw)],
                lambda: [collect_dmidecode(dmi)[0], collect_lshw(lshw)],
            ),
            (
                f"{args.gpus} GPUs, nvidia-smi ({smi.stat().st_size / 1e6:.1f} MB)",
                ["--nvidia-smi", str(smi)],
                lambda: [collect_nvidia_smi(smi)],
            ),
        ]
        print(f"{'input (CPU seconds)':42} {'merge':>9} {'collect hardware':>17}")
        for label, options, read in cases:
            merged = time_merge(args.repeat, read)
            out = d / "out.cdx.json"

            def command(options: list[str] = options, out: Path = out) -> None:
                result = CliRunner().invoke(
                    cli, ["collect", "hardware", *options, "-o", str(out), "--reproducible"]
                )
                assert result.exit_code == 0, result.output

            end_to_end = best_of(args.repeat, command)
            print(f"{label:42} {merged:8.3f}s {end_to_end:16.3f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
