"""CycloneDX core speed: load + validate, write, peak memory (README "Speed").

Synthetic BOMs of N components (1k, 10k, 100k) with a dependency tree are generated into a
temporary directory. Each figure is a ratio to a baseline measured in the same run, so the numbers
mean something on a shared, noisy machine:

* load + schema-validate (sovbom.cyclonedx) vs ``orjson.loads`` of the same file;
* write a 10k-component BOM (model -> validated, serialised, atomically written file) in seconds,
  and vs cyclonedx-python-lib's own output path (``JsonV1Dot6(bom).output_as_string()``);
* peak RSS of loading + validating 100k components, in a fresh process, vs a fresh process that
  only does ``orjson.loads``.

Usage: python benchmarks/bench_core.py [--sizes 1000,10000,100000] [--lib-n 10000] [--skip-lib]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from sovbom.cyclonedx.integrity import integrity_problems
from sovbom.cyclonedx.reader import load_bom
from sovbom.cyclonedx.schema import schema_problems, validator
from sovbom.cyclonedx.writer import write_bom
from sovbom.hbom import tree_document
from sovbom.model import Component, Organization

COUNTRIES = ["JP", "US", "TW", "KR", "DE", "CN", "MY"]


def synthetic_tree(n: int) -> Component:
    """A server with n components: a few hundred parts, the rest software under an OS node,
    with a binary-tree dependency graph among the packages."""
    root = Component(ref="hw:server", name="synthetic server", cls="server", serial="BENCH-SRV")
    os_node = Component(ref="os", name="debian", type="operating-system", version="12")
    root.children.append(os_node)
    packages: list[Component] = []
    for i in range(n - 2):
        c = Component(
            ref=f"pkg:deb/debian/pkg{i}@1.{i % 97}.{i % 13}?arch=amd64",
            name=f"pkg{i}",
            type="library",
            version=f"1.{i % 97}.{i % 13}",
            supplier=Organization(f"Supplier {i % 50}", COUNTRIES[i % len(COUNTRIES)]),
            purl=f"pkg:deb/debian/pkg{i}@1.{i % 97}.{i % 13}?arch=amd64",
            hashes={"SHA-256": hashlib.sha256(str(i).encode()).hexdigest()},
        )
        c.properties.append(("sovbom:class", "package"))
        if i:
            packages[(i - 1) // 2].depends_on.append(c.ref)
        packages.append(c)
    os_node.children.extend(packages)
    return root


def write_synthetic(n: int, directory: Path) -> Path:
    path = directory / f"bom-{n}.cdx.json"
    write_bom(path, tree_document(synthetic_tree(n)), reproducible=True)
    return path


def best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def lib_output_seconds(n: int) -> tuple[float, float]:
    """cyclonedx-python-lib: its model for the same shape of BOM, then its JSON output path."""
    from cyclonedx.model import HashAlgorithm, HashType
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component as LibComponent
    from cyclonedx.model.component import ComponentType
    from cyclonedx.model.contact import OrganizationalEntity
    from cyclonedx.output.json import JsonV1Dot6
    from packageurl import PackageURL

    t0 = time.perf_counter()
    bom = Bom()
    root = LibComponent(name="synthetic server", type=ComponentType.DEVICE, bom_ref="hw:server")
    bom.metadata.component = root
    comps = []
    for i in range(n - 1):
        ver = f"1.{i % 97}.{i % 13}"
        comps.append(
            LibComponent(
                name=f"pkg{i}",
                version=ver,
                type=ComponentType.LIBRARY,
                bom_ref=f"pkg:deb/debian/pkg{i}@{ver}?arch=amd64",
                purl=PackageURL("deb", "debian", f"pkg{i}", ver, {"arch": "amd64"}),
                supplier=OrganizationalEntity(name=f"Supplier {i % 50}"),
                hashes=[
                    HashType(
                        alg=HashAlgorithm.SHA_256,
                        content=hashlib.sha256(str(i).encode()).hexdigest(),
                    )
                ],
            )
        )
    bom.components.update(comps)
    bom.register_dependency(root, comps[:1])
    for i, c in enumerate(comps):
        kids = comps[2 * i + 1 : 2 * i + 3]
        if kids:
            bom.register_dependency(c, kids)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    JsonV1Dot6(bom).output_as_string()
    return build, time.perf_counter() - t0


_PEAK = """
import sys, orjson
from pathlib import Path

def hwm_kib():
    # VmHWM is the peak RSS of this process image (ru_maxrss would inherit the parent's peak).
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("no VmHWM")

path = Path(sys.argv[1])
before = hwm_kib()
if sys.argv[2] == "orjson":
    doc = orjson.loads(path.read_bytes())
else:
    from sovbom.cyclonedx.reader import load_bom
    from sovbom.cyclonedx.schema import schema_problems
    bom = load_bom(path)
    assert not schema_problems(bom.doc, bom.spec_version)
print(hwm_kib() - before)
"""


def peak_kib(path: Path, mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path), mode], check=True, capture_output=True, text=True
    )
    return int(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument(
        "--lib-n", type=int, default=10000, help="size for cyclonedx-python-lib's output path"
    )
    parser.add_argument(
        "--skip-lib", action="store_true", help="skip the (slow) cyclonedx-python-lib comparison"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    validator("1.6")  # compile once, as a long-running process would

    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        print(
            f"{'N':>7} {'MB':>6} {'orjson.loads':>13} {'load+schema':>12} {'ratio':>6}"
            f" {'+integrity':>11} {'ratio':>6}"
        )
        for n in sizes:
            path = write_synthetic(n, tmpdir)
            data = path.read_bytes()
            base = best_of(lambda data=data: orjson.loads(data), args.repeat)

            def load_validate(path: Path = path) -> None:
                bom = load_bom(path)
                assert not schema_problems(bom.doc, bom.spec_version)

            def load_validate_integrity(path: Path = path) -> None:
                bom = load_bom(path)
                assert not schema_problems(bom.doc, bom.spec_version)
                assert not integrity_problems(bom.doc)

            lv = best_of(load_validate, args.repeat)
            lvi = best_of(load_validate_integrity, args.repeat)
            print(
                f"{n:>7} {len(data) / 1e6:>6.1f} {base:>12.3f}s {lv:>11.3f}s {lv / base:>5.2f}x"
                f" {lvi:>10.3f}s {lvi / base:>5.2f}x"
            )
            if n == 100_000 and lv / base > 2.5:
                ok = False
                print("  FAIL: load + schema-validate of 100k components is over 2.5x orjson.loads")

        # write a 10k-component BOM: model -> validated, serialised, atomically written file
        n = 10_000
        out = tmpdir / "write.cdx.json"
        write_s = best_of(
            lambda: write_bom(out, tree_document(synthetic_tree(n)), reproducible=True), args.repeat
        )
        print(f"\nwrite {n} components (build model, validate, serialise, write): {write_s:.3f}s")
        if write_s >= 1.0:
            ok = False
            print("  FAIL: over 1 s")
        if not args.skip_lib:
            build, output = lib_output_seconds(args.lib_n)
            ours = (
                write_s
                if args.lib_n == n
                else best_of(
                    lambda: write_bom(
                        out, tree_document(synthetic_tree(args.lib_n)), reproducible=True
                    ),
                    1,
                )
            )
            print(
                f"cyclonedx-python-lib, {args.lib_n} components: build model {build:.1f}s,"
                f" JsonV1Dot6 output {output:.1f}s -> sovbom is {output / ours:.0f}x faster"
                f" ({(build + output) / ours:.0f}x counting the model build)"
            )

        if 100_000 in sizes:
            path = tmpdir / "bom-100000.cdx.json"
            base_kib = statistics.median([peak_kib(path, "orjson") for _ in range(3)])
            ours_kib = statistics.median([peak_kib(path, "sovbom") for _ in range(3)])
            print(
                "\npeak memory above interpreter start, 100k load (+validate), fresh process:"
                f" {ours_kib / 1024:.0f} MiB"
                f" vs orjson.loads {base_kib / 1024:.0f} MiB ({ours_kib / base_kib:.2f}x)"
            )
    print("\nresult:", "all targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
