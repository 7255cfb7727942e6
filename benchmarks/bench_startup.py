"""Start-up time of the command line: ``sovbom --version`` and ``sovbom --help`` (README "Speed").

Whole processes, like for like: the same interpreter, the same flags and environment, the
baseline ``python -c "import click"`` (the least any click command line costs) against
``python -c "<the console script's two lines>" --version`` (what the installed ``sovbom`` script
runs). Runs alternate, so a busy machine slows both alike; the medians and their ratio are
printed. Target: within 1.5x of the baseline.

Usage: python benchmarks/bench_startup.py [--repeat 21]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
BASELINE = ["-c", "import click"]
#: The body of the ``sovbom`` console script (``sovbom.cli:main``).
SCRIPT = "import sys\nfrom sovbom.cli import main\nsys.exit(main())"
CASES = {
    "sovbom --version": ["-c", SCRIPT, "--version"],
    "sovbom --help": ["-c", SCRIPT, "--help"],
}
TARGET = 1.5


def _run(args: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    env = dict(os.environ)
    # the source tree first, as when sovbom runs from a checkout; installed, it is on sys.path
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    for case in (BASELINE, *CASES.values()):  # warm the file cache and the .pyc files
        _run(case, env)
    times: dict[str, list[float]] = {"import click": [], **{name: [] for name in CASES}}
    for _ in range(args.repeat):
        times["import click"].append(_run(BASELINE, env))
        for name, case in CASES.items():
            times[name].append(_run(case, env))
    base = statistics.median(times["import click"])
    print(f"{sys.executable} ({sys.version.split()[0]}), median of {args.repeat} runs each")
    print(f'python -c "import click"   {base * 1000:7.1f} ms')
    ok = True
    for name in CASES:
        median = statistics.median(times[name])
        ratio = median / base
        flag = "" if ratio <= TARGET else f"  FAIL (target <= {TARGET}x)"
        ok = ok and ratio <= TARGET
        print(f"{name:26} {median * 1000:7.1f} ms   {ratio:.2f}x{flag}")
    print("\nresult:", "target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
