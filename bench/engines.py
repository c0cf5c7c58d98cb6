"""Benchmark: the two engines side by side, from the command line, as a user runs them.

    python bench/engines.py [--brands 100] [--repeat 3]

For the three shipped brands (this repository, copied) and for a project of N brands (bench.make_project),
times in fresh processes, one engine after the other in the same run:

  cold          legalsite build --force --no-pdf --no-versions --engine E   (every site built again)
  one changed   the same after one brand's YAML changed, without --force   (one site rebuilt)

Versions and PDFs are left out: they cost the same whichever engine builds. Prints a table of medians.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench import ROOT, make_project  # this folder's own module

ENGINES = ("mkdocs", "zensical")


def run(project: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "legalsite", "-C", str(project), "build", "--no-pdf", "--no-versions",
                    *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def sample(folder: Path) -> Path:
    for name in ("content", "templates", "mkdocs.yml"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, folder / name)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brands", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1790000000")  # a fixed build day, as in CI
    rows = []
    with tempfile.TemporaryDirectory(prefix="legalsite-engines-") as tmp:
        tmp = Path(tmp)
        for label, project in (("3 shipped brands", sample(tmp / "sample")),
                               (f"{args.brands} brands", make_project(tmp / "many", args.brands))):
            brand = min((project / "content" / "brands").glob("*.yaml"))
            for engine in ENGINES:
                cold = statistics.median(run(project, "--force", "--engine", engine) for _ in range(args.repeat))
                changed = []
                for n in range(args.repeat):
                    text = brand.read_text(encoding="utf-8")
                    amount = 1 + n + 10 * ENGINES.index(engine)  # a new retention period each time
                    brand.write_text(re.sub(r"amount: \d+, unit: days\}", f"amount: {amount}, unit: days}}", text,
                                            count=1), encoding="utf-8")
                    changed.append(run(project, "--engine", engine))
                rows.append((label, engine, cold, statistics.median(changed)))
    print(f"legalsite engines: {os.cpu_count()} CPUs, median of {args.repeat} runs, each a fresh process\n")
    print("| project | engine | cold build | one brand changed |")
    print("| --- | --- | --- | --- |")
    for label, engine, cold, changed in rows:
        print(f"| {label} | {engine} | {cold:.2f} s | {changed:.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
