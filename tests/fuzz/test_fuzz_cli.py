"""A bounded, seeded mutation fuzzer over the command line.

Sample files (and, marked ``corpus``, a few corpus captures and SBOMs) are mutated: truncated,
bytes flipped, slices duplicated or deleted, nested deeply, huge numbers and YAML aliases
inserted. Each mutant runs through the command that reads it, in-process, and must end:

* without a traceback (any exception other than click's exit is a failure);
* with an exit code in {0, 1, 2, 3, 4}, and 1 only from the commands where it means findings
  or an invalid document, never together with an error line (1 is not "unreadable");
* with no output file left behind unless the exit is 0 or 1;
* within a time bound per input; the whole loop within a time budget.

The seed makes every run reproducible: a failure names the seed, the mutation and the file.
"""

from __future__ import annotations

import random
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile_inputs import HBOM, MANIFEST, POLICY, REPO, SAMPLES

SEED = 20250613
BUDGET_SECONDS = 25.0  # the whole loop, per test
MAX_RUNS = 600  # a fixed prefix of the seeded sequence, however fast the machine
PER_INPUT_SECONDS = 10.0
MEMORY_GROWTH_BYTES = 1024**3

SOFTWARE = REPO / "tests" / "data" / "software"
HW = REPO / "tests" / "data" / "hw"


@dataclass(frozen=True)
class Target:
    """How to run a mutant: ``args(mutant, output)``; ``findings`` when exit 1 is legitimate."""

    seed_file: Path
    suffix: str
    args: Callable[[Path, Path], list[str]]
    findings: bool = False


def _validate(m: Path, o: Path) -> list[str]:
    return ["validate", str(m)]


def _check_bom(m: Path, o: Path) -> list[str]:
    return ["check", "-p", str(POLICY), str(m), "-f", "json", "-o", str(o)]


def _check_policy(m: Path, o: Path) -> list[str]:
    return ["check", "-p", str(m), str(HBOM), "-f", "json", "-o", str(o)]


def _build_manifest(m: Path, o: Path) -> list[str]:
    return ["build", "-m", str(m), "-o", str(o), "--reproducible"]


def _build_add(m: Path, o: Path) -> list[str]:
    return ["build", "-m", str(MANIFEST), "--add", str(m), "-o", str(o), "--reproducible"]


def _sbom(m: Path, o: Path) -> list[str]:
    return ["collect", "software", "--sbom", str(m), "-o", str(o), "--reproducible"]


def _dpkg(m: Path, o: Path) -> list[str]:
    return ["collect", "software", "--dpkg-status", str(m), "-o", str(o), "--reproducible"]


def _hardware(option: str) -> Callable[[Path, Path], list[str]]:
    def args(m: Path, o: Path) -> list[str]:
        return ["collect", "hardware", option, str(m), "-o", str(o), "--reproducible"]

    return args


def _trace(m: Path, o: Path) -> list[str]:
    return ["trace", "-c", "country=CN", str(m), "-o", str(o)]


SAMPLE_TARGETS = [
    Target(POLICY, ".yaml", _check_policy, findings=True),
    Target(SAMPLES / "signers.yaml", ".yaml", _check_policy, findings=True),
    Target(MANIFEST, ".yaml", _build_manifest),
    Target(HBOM, ".json", _validate, findings=True),
    Target(HBOM, ".json", _check_bom, findings=True),
    Target(HBOM, ".json", _trace),
    Target(SOFTWARE / "gpu-firmware.cdx.json", ".json", _build_add),
    Target(SOFTWARE / "tools-1.4.cdx.xml", ".xml", _sbom),
    Target(SOFTWARE / "appliance.spdx.json", ".json", _sbom),
    Target(SOFTWARE / "status", "", _dpkg),
    Target(HW / "merge-example.dmidecode.txt", ".txt", _hardware("--dmidecode")),
    Target(HW / "merge-example.lshw.json", ".json", _hardware("--lshw")),
    Target(HW / "merge-example.nvidia-smi.xml", ".xml", _hardware("--nvidia-smi")),
]

CORPUS_TARGETS = [
    (
        "hardware/dmidecode/fusioninventory_psu-excerpt_hpe-proliant-dl380-gen10.txt",
        ".txt",
        _hardware("--dmidecode"),
    ),
    ("hardware/lshw/lshw-tests_dell-poweredge-1950.expected.xml", ".xml", _hardware("--lshw")),
    ("hardware/nvidia-smi/netdata_tesla-p100-pcie-16gb.xml", ".xml", _hardware("--nvidia-smi")),
    (
        "hardware/nvidia-smi/text-q/gpud_1x-a10_535.129.03.nvidia-smi-q.txt",
        ".txt",
        _hardware("--nvidia-smi"),
    ),
    ("sbom/cyclonedx/bom-examples_HBOM_pcie-sata-adapter-board.cdx.json", ".json", _validate),
    ("sbom/spdx/bom-shelter_julia.spdx.json", ".json", _sbom),
]


# ------------------------------------------------------------------------------------------
# Mutations


def _truncate(rnd: random.Random, data: bytes) -> bytes:
    return data[: rnd.randrange(len(data) + 1)]


def _flip(rnd: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rnd.randint(1, 8)):
        if out:
            out[rnd.randrange(len(out))] = rnd.randrange(256)
    return bytes(out)


def _duplicate(rnd: random.Random, data: bytes) -> bytes:
    a = rnd.randrange(len(data) + 1)
    b = min(len(data), a + rnd.randint(1, 4096))
    return data[:b] + data[a:b] * rnd.randint(2, 50) + data[b:]


def _delete(rnd: random.Random, data: bytes) -> bytes:
    a = rnd.randrange(len(data) + 1)
    return data[:a] + data[a + rnd.randint(1, 512) :]


def _insert(rnd: random.Random, data: bytes, piece: bytes) -> bytes:
    at = rnd.randrange(len(data) + 1)
    return data[:at] + piece + data[at:]


def _nest(rnd: random.Random, data: bytes) -> bytes:
    depth = rnd.choice([70, 130, 300, 1100, 5000])
    opener, closer = rnd.choice([(b"[", b"]"), (b'{"a":', b"}"), (b"<a>", b"</a>")])
    return _insert(rnd, data, opener * depth + b"1" + closer * depth)


def _huge_number(rnd: random.Random, data: bytes) -> bytes:
    digits = rnd.choice([20, 400, 4301, 20000])
    return _insert(rnd, data, rnd.choice([b"", b"-", b"0x"]) + b"9" * digits)


def _aliases(rnd: random.Random, data: bytes) -> bytes:
    bomb = b"\nx: &a [1,1,1,1,1,1,1,1,1]\n"
    for name in "bcdefgh":
        prev = chr(ord(name) - 1).encode()
        bomb += name.encode() + b": &" + name.encode() + b" [" + b",".join([b"*" + prev] * 9)
        bomb += b"]\n"
    return rnd.choice([data + bomb, _insert(rnd, data, b"&z ") + b"\ny: *z\n"])


def _tags(rnd: random.Random, data: bytes) -> bytes:
    piece = rnd.choice([b"!!binary aGk= ", b"!!set ", b"!!python/object:os.system ", b"? [a]\n"])
    return _insert(rnd, data, piece)


def _encoding(rnd: random.Random, data: bytes) -> bytes:
    return rnd.choice(
        [
            b'<?xml version="1.0" encoding="UTF-7"?>' + data,
            b'<?xml version="1.0" encoding="x-nope"?>' + data,
            data.decode("utf-8", "replace").encode("utf-16"),
            _insert(rnd, data, b"\xe9\xff\x00"),
        ]
    )


MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [
    _truncate,
    _flip,
    _duplicate,
    _delete,
    _nest,
    _huge_number,
    _aliases,
    _tags,
    _encoding,
]


# ------------------------------------------------------------------------------------------
# The loop


def _run_one(target: Target, data: bytes, work: Path, label: str) -> None:
    mutant = work / f"mutant{target.suffix}"
    mutant.write_bytes(data)
    output = work / "out.json"
    output.unlink(missing_ok=True)
    args = target.args(mutant, output)
    start = time.monotonic()
    result = CliRunner().invoke(_cli(), args, catch_exceptions=True)
    elapsed = time.monotonic() - start
    where = f"{label}: sovbom {' '.join(args)}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{where}: traceback") from result.exception
    code = result.exit_code
    assert code in (0, 1, 2, 3, 4), f"{where}: exit {code}\n{result.output}"
    if code == 1:
        assert target.findings, f"{where}: exit 1 from a command without findings\n{result.output}"
        assert "sovbom: error:" not in result.stderr, (
            f"{where}: exit 1 on an error\n{result.output}"
        )
    if code not in (0, 1):
        assert not output.exists(), f"{where}: exit {code} left {output.name} behind"
    assert elapsed < PER_INPUT_SECONDS, f"{where}: took {elapsed:.1f} s"


def _cli() -> object:
    from sovbom.cli import cli

    return cli


def _fuzz(targets: list[Target], work: Path, seed: int) -> int:
    rnd = random.Random(seed)
    deadline = time.monotonic() + BUDGET_SECONDS
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    seeds = {t.seed_file: t.seed_file.read_bytes() for t in targets}
    runs = 0
    while runs < MAX_RUNS and time.monotonic() < deadline:
        target = targets[runs % len(targets)]
        mutation = rnd.choice(MUTATIONS)
        data = mutation(rnd, seeds[target.seed_file])
        label = f"seed {seed} run {runs} {mutation.__name__} of {target.seed_file.name}"
        _run_one(target, data, work, label)
        runs += 1
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    assert growth < MEMORY_GROWTH_BYTES, f"peak memory grew by {growth} bytes"
    return runs


@pytest.mark.timeout(BUDGET_SECONDS + 4 * PER_INPUT_SECONDS)
def test_fuzz_sample_inputs(tmp_path: Path) -> None:
    runs = _fuzz(SAMPLE_TARGETS, tmp_path, SEED)
    assert runs >= len(SAMPLE_TARGETS)  # every kind of input ran at least once


@pytest.mark.corpus
@pytest.mark.timeout(BUDGET_SECONDS + 4 * PER_INPUT_SECONDS)
def test_fuzz_corpus_inputs(corpus: Path, tmp_path: Path) -> None:
    targets = [
        Target(corpus / rel, suffix, args, findings=args is _validate)
        for rel, suffix, args in CORPUS_TARGETS
    ]
    targets = [t for t in targets if t.seed_file.is_file()]
    if not targets:
        pytest.skip("none of the corpus files used here is present")
    runs = _fuzz(targets, tmp_path, SEED + 1)
    assert runs >= len(targets)
