"""Stage rules and domestic share per stage on a 100k-component server BOM (README "Speed"):
``check`` with a policy's ``stages:`` table against the same check without it, in the same run
(target: at most +20%). Every 10th package is a baseboard with three stages (with a cost), so the stage
rules, the chain rule and the shares all have work to do.

Usage: python benchmarks/bench_origins.py [-n 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_check import POLICY  # noqa: E402
from bench_core import best_of, synthetic_tree  # noqa: E402

from sovbom.cli import cli  # noqa: E402
from sovbom.cyclonedx.writer import write_bom  # noqa: E402
from sovbom.hbom import tree_document  # noqa: E402
from sovbom.model import ProductionStep  # noqa: E402

STAGES = """\
stages:
  server: {final-assembly: domestic}
  baseboard: {pcb-fabrication: domestic, pcb-assembly: approved}
"""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        root = synthetic_tree(args.n)
        root.production = [ProductionStep("final-assembly", "Plant", "JP", "2026-10-01")]
        for i, c in enumerate(root.walk()):
            if i % 10 == 0 and c.type == "library":
                c.properties = [("sovbom:class", "baseboard")]
                c.production = [
                    ProductionStep(
                        "pcb-fabrication", "Fab", "JP", "2026-08-01", value="100", basis="cost"
                    ),
                    ProductionStep(
                        "pcb-assembly", "SMT", "TW", "2026-09-01", value="50", basis="cost"
                    ),
                    ProductionStep("test", "Lab", "JP", "2026-09-02"),
                ]
        bom = d / "bom.cdx.json"
        write_bom(bom, tree_document(root), reproducible=True)
        plain, staged = d / "plain.yaml", d / "staged.yaml"
        plain.write_text(POLICY)
        staged.write_text(POLICY + STAGES)

        def run(policy: Path) -> float:
            def once() -> None:
                try:
                    cli.main(["check", str(bom), "--policy", str(policy), "-f", "json", "-o", str(d / "r.json")],
                             standalone_mode=False)  # fmt: skip
                except SystemExit as e:
                    assert e.code in (0, 1), e.code

            return best_of(once, args.repeat)

        base, with_stages = run(plain), run(staged)
        ratio = with_stages / base
        print(f"BOM: {args.n} components, every 10th package with 3 stages")
        print(f"check, no stages:      {base:8.3f} s")
        print(
            f"check, stages policy:  {with_stages:8.3f} s   +{(ratio - 1) * 100:.1f}% (target <= +20%)"
        )
        return 0 if ratio <= 1.2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
