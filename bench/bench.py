"""Benchmark: legalsite at N brands, against a naive serial `mkdocs build` of the same pages.

    python bench/bench.py [--brands 100] [--repeat 3] [--json bench/results.json]

It writes a temporary project of N brands derived from the three shipped ones
(names, domains, colours and retention periods varied), then times, in one run:

  a  naive: MkDocs' load_config + build of the same rendered pages and configs, one brand after another
  b  legalsite build, cold (no previous site, so no cache)
  c  legalsite build after one brand's YAML changed (the other brands come from the cache)
  d  legalsite check
  e  live preview: from saving a brand's YAML to its rebuilt page on disk

and prints the median of each, b/a, and the peak memory (max RSS of this process).
Figures, not pass/fail: the README's Performance section quotes them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from legalsite import build as legalsite_build
from legalsite import config as legalsite_config
from legalsite.checks import run_checks
from legalsite.project import load_project
from legalsite.render import render_project
from legalsite.serve import make_server

SEEDS = {"linkrapi": ("LinkrAPI", "Linkr"), "journeyapi": ("JourneyAPI", "Journey"), "idclinks": ("idclinks", "idc")}


def make_project(folder: Path, brands: int) -> Path:
    """A project of ``brands`` brands: each a shipped brand under a new name, with its own colours and periods."""
    for name in ("templates", "mkdocs.yml", "content/vendors.yaml"):
        source = ROOT / name
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    # The sites without PDF copies: the figures compare with a plain MkDocs build, which prints none.
    settings = folder / "mkdocs.yml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("\n  pdf: true\n", "\n  pdf: false\n"),
                        encoding="utf-8")
    (folder / "content" / "brands").mkdir()
    rng = random.Random(7)  # the same project every run
    seeds = list(SEEDS.items())
    for i in range(brands):
        slug, (name, prefix) = seeds[i % len(seeds)]
        text = (ROOT / "content" / "brands" / f"{slug}.yaml").read_text(encoding="utf-8")
        new = f"{prefix}{i:03d}"
        text = text.replace(name, new).replace(slug, new.lower())
        text = re.sub(r'primary: "#[0-9a-f]{6}"', f'primary: "#{rng.randrange(0x1000000):06x}"', text)
        text = re.sub(r"period: \{amount: 90,", f"period: {{amount: {30 + i % 61},", text)
        (folder / "content" / "brands" / f"{new.lower()}.yaml").write_text(text, encoding="utf-8")
    return folder


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def median_of(repeat: int, func, setup=None) -> tuple[float, list[float]]:
    runs = []
    for _ in range(repeat):
        if setup:
            setup()
        runs.append(timed(func))
    return statistics.median(runs), runs


def naive_inputs(project_dir: Path, work: Path) -> list[Path]:
    """Write every brand's rendered pages, files and MkDocs config, exactly as legalsite hands them to MkDocs."""
    project = load_project(project_dir)
    base = legalsite_config.load_base_config(project)
    rendered = render_project(project)
    configs = []
    for slug in project.brands:
        inputs = legalsite_build.site_inputs(project, slug, rendered[slug], base)
        docs = work / slug / "docs"
        legalsite_build.write_files(docs, inputs.files)
        config = {**inputs.config, "docs_dir": str(docs), "site_dir": str(work / "out" / slug)}
        path = work / slug / "mkdocs.yml"
        path.write_text(yaml.safe_dump(config, sort_keys=True), encoding="utf-8")
        configs.append(path)
    return configs


def naive_build(configs: list[Path]) -> None:
    """(a) The baseline: one plain MkDocs build after another, nothing shared."""
    for path in configs:
        mkdocs_build(load_config(config_file=str(path)))


def preview_latency(project_dir: Path, slug: str, out: Path, repeat: int) -> tuple[float, list[float]]:
    """(e) Save a brand's YAML; time until its privacy page on disk shows the new value."""
    server = make_server(project_dir, slug, out, port=0)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    server.ready.wait(10)
    path = project_dir / "content" / "brands" / f"{slug}.yaml"
    page = out / slug / "privacy" / "index.html"
    runs = []
    try:
        for n in range(repeat):
            marker = f"Bench edit {n} of the introduction"
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"(?m)^introduction:\n(  - .*\n)*", "", text)
            start = time.perf_counter()
            path.write_text(f"introduction:\n  - {marker}.\n" + text, encoding="utf-8")
            while marker not in (page.read_text(encoding="utf-8") if page.exists() else ""):
                if time.perf_counter() - start > 60:
                    raise RuntimeError("the preview did not rebuild within 60 s")
                time.sleep(0.005)
            runs.append(time.perf_counter() - start)
            time.sleep(0.3)  # let the watcher settle before the next save
    finally:
        server.shutdown()
    return statistics.median(runs), runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brands", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1790000000")  # fixed "today", as in CI

    with tempfile.TemporaryDirectory(prefix="legalsite-bench-") as tmp:
        tmp = Path(tmp)
        project_dir = make_project(tmp / "project", args.brands)
        out = project_dir / "site"
        slug = min(p.stem for p in (project_dir / "content" / "brands").glob("*.yaml"))
        results: dict[str, dict] = {}

        configs = naive_inputs(project_dir, tmp / "naive")
        results["a_naive_mkdocs_serial"] = median_of(args.repeat, lambda: naive_build(configs))
        results["b_build_cold"] = median_of(
            args.repeat, lambda: legalsite_build.build_project(project_dir),
            setup=lambda: shutil.rmtree(out, ignore_errors=True))

        brand_file = project_dir / "content" / "brands" / f"{slug}.yaml"
        counter = iter(range(10_000))

        def touch_one() -> None:
            text = brand_file.read_text(encoding="utf-8")
            brand_file.write_text(re.sub(r"amount: (\d+), unit: days\}", lambda m: f"amount: {next(counter) + 1}, "
                                         "unit: days}", text, count=1), encoding="utf-8")

        results["c_build_one_changed"] = median_of(args.repeat, lambda: legalsite_build.build_project(project_dir),
                                                   setup=touch_one)
        results["d_check"] = median_of(args.repeat, lambda: run_checks(load_project(project_dir)))
        results["e_preview_save_to_page"] = preview_latency(project_dir, slug, tmp / "preview" / "site",
                                                            max(args.repeat, 5))

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    a, b = results["a_naive_mkdocs_serial"][0], results["b_build_cold"][0]
    report = {
        "brands": args.brands, "repeat": args.repeat, "cpus": os.cpu_count(),
        "median_seconds": {k: round(v[0], 3) for k, v in results.items()},
        "runs_seconds": {k: [round(x, 3) for x in v[1]] for k, v in results.items()},
        "ratio_b_over_a": round(b / a, 3),
        "peak_rss_mb": round(peak_mb, 1),
        "peak_rss_worker_mb": round(peak_children_mb, 1),
    }
    print(f"legalsite benchmark: {args.brands} brands, {os.cpu_count()} CPUs, median of {args.repeat} runs\n")
    print("| measure | median |")
    print("| --- | --- |")
    labels = {"a_naive_mkdocs_serial": "a. naive `mkdocs build`, serial, same pages",
              "b_build_cold": "b. `legalsite build`, cold",
              "c_build_one_changed": "c. `legalsite build`, one brand changed",
              "d_check": "d. `legalsite check`",
              "e_preview_save_to_page": "e. preview, save → page on disk"}
    for key, label in labels.items():
        print(f"| {label} | {results[key][0]:.2f} s |")
    print(f"| b / a | {b / a:.2f} |")
    print(f"| peak memory (max RSS, this process / one worker) | {peak_mb:.0f} MB / {peak_children_mb:.0f} MB |")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
