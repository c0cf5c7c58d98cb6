"""Benchmark: legalsite from the command line, in fresh processes, as a user runs it, at several project sizes.

    python bench/bench.py [--brands 100,1000] [--repeat 3] [--json bench/results.json]

For each size N, it writes a temporary project of N brands derived from the three shipped ones (make_project:
names, domains, colours and retention periods varied), commits it to a new git repository, and times with
time.perf_counter, each command a fresh `python -m legalsite -C PROJECT ...` process, SOURCE_DATE_EPOCH fixed:

  --version       legalsite --version
  cold            build --no-pdf --no-versions, with no site/, .site-brands/ or .legalsite-cache/ (moved aside)
  one changed     build --no-pdf --no-versions, after one brand's first retention period got a new number
  nothing changed build --no-pdf --no-versions again, with no edit
  check           check (exit 0, or 1 for errors in the facts, both count as having run)
  preview         serve BRAND running: from saving the brand's YAML (a new sentence in its introduction)
                  to the page served over HTTP showing that sentence
  naive           smallest size only: every brand's pages and MkDocs config written as legalsite hands them to
                  MkDocs (by a separate process, not timed), then ONE fresh process running MkDocs'
                  load_config + build for each brand in turn, into a new folder; printed as the ratio cold / naive

Nothing is deleted between runs: what a run leaves is moved aside and deleted at the end. On ext4 without a
journal (this machine's disk) making a file takes several times longer for one to six minutes after many files
were deleted (the kernel skips recently freed inodes), which would charge each run with the clean-up before it.

Each figure is the median of --repeat runs, except cold and naive at 500 brands or more: one run each.
Peak memory is each process's max RSS (os.wait4, which also covers the workers it waited for; for preview,
the serve process over its whole run); per measure, the largest of its runs. On Linux a process's max RSS
starts at its parent's, so this script stays small (stdlib only) and reports its own as the floor. Prints a Markdown table, one column per size plus the growth from the smallest to
the largest, with targets beside the measures for information, not pass/fail; writes every run to --json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = {"linkrapi": ("LinkrAPI", "Linkr"), "journeyapi": ("JourneyAPI", "Journey"), "idclinks": ("idclinks", "idc")}
ONCE_FROM = 500  # from this many brands on, the slow measures run once: a cold build of 1,000 brands takes minutes
RETENTION = re.compile(r"period: \{amount: (\d+), unit: days\}")
INTRODUCTION = re.compile(r"(?m)^introduction:\n(  - .*\n)*")
# Targets are quoted for information only; the bench never fails on them.
MEASURES = {  # key: (label, target)
    "version": ("`legalsite --version`", "≤ 0.15 s"),
    "cold": ("`build`, cold (no site/, no cache)", "see cold / naive"),
    "one_changed": ("`build`, one brand changed", "≤ 1 s at ~100, ≤ 1.5 s at 1,000 brands"),
    "unchanged": ("`build`, nothing changed", "—"),
    "check": ("`check`", "≤ 1 s at ~100 brands"),
    "preview": ("`serve`: save → page served", "—"),
    "naive": ("naive: MkDocs builds in one loop, one process", "—"),
}
MEMORY_TARGET = "≤ 500 MB at 1,000 brands"


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


def crashed(stderr: str) -> bool:
    # Exit 1 can also be an internal error, which the CLI reports without a traceback.
    return "Traceback (most recent call last)" in stderr or "legalsite: internal error" in stderr


def timed_process(cmd: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Run ``cmd`` in a fresh process, output captured; return its wall time (s) and its peak memory (MB)."""
    # A new process's max RSS starts at this one's (fork copies it, exec keeps the high-water mark): this
    # process imports no legalsite, MkDocs, yaml or urllib, so that every figure is the command's own.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # wait4, not wait: it also returns the process's max RSS
        seconds = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if code not in ok or crashed(stderr):
        sys.exit(f"bench: `{' '.join(cmd)}` exited {code}:\n{stderr}")
    return seconds, usage.ru_maxrss / 1024  # kilobytes on Linux


def legalsite(project: Path, *args: str, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    return timed_process([sys.executable, "-m", "legalsite", "-C", str(project), *args], ok)


def git_project(project: Path) -> None:
    """Commit the project to a new repository, as a user's project is."""
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "bench project"]):
        subprocess.run(["git", "-C", str(project), "-c", "user.email=bench@example.com", "-c", "user.name=bench",
                        "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args], check=True)


def new_retention(brand: Path) -> None:
    """One more day in the brand's first retention period: a new value every time."""
    text = brand.read_text(encoding="utf-8")
    brand.write_text(RETENTION.sub(lambda m: f"period: {{amount: {int(m[1]) + 1}, unit: days}}", text, count=1),
                     encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_page(port: int, path: str) -> str:
    """GET over a plain socket: urllib would add 7 MB to this process, and so to every command's max RSS."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        return b"".join(iter(lambda: s.recv(65536), b"")).decode("utf-8", errors="replace")


def preview(project: Path, slug: str, repeat: int) -> tuple[list[float], float]:
    """Run `legalsite serve SLUG`; per run, save a new introduction and time until the served page shows it."""
    port = free_port()
    brand = project / "content" / "brands" / f"{slug}.yaml"
    runs = []
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "legalsite", "-C", str(project), "serve", slug,
                                 "--port", str(port)], stdout=subprocess.DEVNULL, stderr=err)

        def page_shows(text: str, timeout: float) -> None:
            deadline = time.perf_counter() + timeout
            while time.perf_counter() < deadline:
                if (ended := os.wait4(proc.pid, os.WNOHANG))[0]:
                    proc.returncode = os.waitstatus_to_exitcode(ended[1])  # reaped: nothing left to stop
                    err.seek(0)
                    sys.exit(f"bench: `legalsite serve` exited {proc.returncode}:\n"
                             + err.read().decode(errors="replace"))
                try:
                    page = get_page(port, "/privacy/")
                    if " 200 " in page.partition("\r\n")[0] and text in page:
                        return
                except OSError:
                    pass  # not listening yet
                time.sleep(0.01)
            sys.exit(f"bench: http://127.0.0.1:{port}/privacy/ did not show {text!r} within {timeout:.0f} s")

        try:
            page_shows("</html>", 600)  # the first build, before serve listens
            for n in range(repeat):
                marker = f"Bench edit {n} of the introduction"
                text = INTRODUCTION.sub("", brand.read_text(encoding="utf-8"))
                start = time.perf_counter()
                brand.write_text(f"introduction:\n  - {marker}.\n" + text, encoding="utf-8")
                page_shows(marker, 60)
                runs.append(time.perf_counter() - start)
                time.sleep(0.3)  # let the watcher settle before the next save
        finally:
            peak = stop_server(proc)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if crashed(stderr):
        sys.exit(f"bench: `legalsite serve` failed:\n{stderr}")
    return runs, peak


def stop_server(proc: subprocess.Popen) -> float:
    """SIGTERM (serve cleans up and exits), SIGKILL after 10 s; return the server's peak memory (MB)."""
    if proc.returncode is not None:
        return 0.0
    proc.terminate()
    deadline = time.perf_counter() + 10
    while not (done := os.wait4(proc.pid, os.WNOHANG))[0]:
        if time.perf_counter() > deadline:
            print("bench: `legalsite serve` ignored SIGTERM for 10 s; killed", file=sys.stderr)
            proc.kill()
            done = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(done[1])
    return done[2].ru_maxrss / 1024


def naive_inputs(project_dir: Path, work: Path) -> list[Path]:
    """Write every brand's rendered pages, files and MkDocs config, exactly as legalsite hands them to MkDocs."""
    # Run in a process of its own (--naive-inputs), to keep legalsite out of this one: see timed_process.
    import yaml

    from legalsite import build as legalsite_build
    from legalsite import config as legalsite_config
    from legalsite.project import load_project
    from legalsite.render import render_project

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


def naive_loop(out: str, configs: list[str]) -> None:
    """The baseline, run in its own process: one plain MkDocs build after another, nothing shared, each brand's
    site into ``out/<brand>`` (a new folder: MkDocs would otherwise first delete the previous run's files)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    for path in configs:
        build(load_config(config_file=path, site_dir=str(Path(out) / Path(path).parent.name)))


def bench_size(tmp: Path, brands: int, repeat: int, naive: bool) -> dict[str, dict]:
    """Every measure at one project size: {key: {"median_s": ..., "runs_s": [...], "peak_mb": ...}}."""
    project = make_project(tmp / f"p{brands}", brands)
    git_project(project)
    slow = 1 if brands >= ONCE_FROM else repeat
    # A brand with a retention period in days; make_project gives two of every three brands one.
    slug = min(p.stem for p in (project / "content" / "brands").glob("*.yaml")
               if RETENTION.search(p.read_text(encoding="utf-8")))
    brand = project / "content" / "brands" / f"{slug}.yaml"
    build = ("build", "--no-pdf", "--no-versions")
    found: dict[str, list[tuple[float, float]]] = {}

    def measure(key: str, times: int, run, before=None) -> None:
        print(f"bench: {brands} brands, {MEASURES[key][0]}, {times} run(s)", file=sys.stderr)
        found[key] = []
        for _ in range(times):
            if before:
                before()
            found[key].append(run())

    def cold_start() -> None:
        aside = tmp / "aside" / f"cold{brands}-{len(found['cold'])}"
        aside.mkdir(parents=True)
        for name in ("site", ".site-brands", ".legalsite-cache"):  # the published sites, their store, the cache
            if (project / name).exists():
                (project / name).rename(aside / name)

    measure("version", repeat, lambda: legalsite(project, "--version"))
    measure("cold", slow, lambda: legalsite(project, *build), before=cold_start)
    measure("one_changed", repeat, lambda: legalsite(project, *build), before=lambda: new_retention(brand))
    measure("unchanged", repeat, lambda: legalsite(project, *build))
    measure("check", repeat, lambda: legalsite(project, "check", ok=(0, 1)))  # 1: errors in the facts, still ran
    print(f"bench: {brands} brands, {MEASURES['preview'][0]}, {repeat} run(s)", file=sys.stderr)
    runs, peak = preview(project, slug, repeat)
    found["preview"] = [(seconds, peak) for seconds in runs]
    if naive:
        work = tmp / f"naive{brands}"
        timed_process([sys.executable, str(Path(__file__).resolve()), "--naive-inputs", str(project), str(work)])
        configs = sorted(work.glob("*/mkdocs.yml"))
        measure("naive", slow, lambda: timed_process([sys.executable, str(Path(__file__).resolve()), "--naive-loop",
                                                      str(work / f"out{len(found['naive'])}"), *map(str, configs)]))
    return {key: {"median_s": round(statistics.median(s for s, _ in runs), 3),
                  "runs_s": [round(s, 3) for s, _ in runs],
                  "peak_mb": round(max(mb for _, mb in runs), 1)} for key, runs in found.items()}


def table(sizes: list[int], results: dict[int, dict], ratio: float, repeat: int) -> str:
    columns = " | ".join(f"{n:,} brands" for n in sizes)
    lines = [f"| measure | target (information only) | {columns} | growth ({sizes[-1]:,} ÷ {sizes[0]:,}) |",
             "| --- | --- | " + "--- | " * len(sizes) + "--- |"]

    def row(label: str, target: str, values: list, unit: str, notes: list[str] | None = None) -> None:
        notes = notes or [""] * len(values)
        cells = ["—" if v is None else f"{v:.{0 if unit == 'MB' else 2}f} {unit}{note}".rstrip()
                 for v, note in zip(values, notes)]
        growth = f"×{values[-1] / values[0]:.1f}" if values[0] and values[-1] is not None else "—"
        lines.append(f"| {label} | {target} | {' | '.join(cells)} | {growth} |")

    for key, (label, target) in MEASURES.items():
        got = [results[n].get(key) for n in sizes]
        row(label, target, [g["median_s"] if g else None for g in got], "s",
            [" (1 run)" if g and len(g["runs_s"]) < repeat else "" for g in got])
    row("cold / naive", "≤ 0.15 at ~100 brands", [ratio] + [None] * (len(sizes) - 1), "")
    for key, (label, _) in MEASURES.items():
        row(f"peak memory: {label}", "—" if key == "naive" else MEMORY_TARGET,
            [results[n][key]["peak_mb"] if key in results[n] else None for n in sizes], "MB")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brands", default="100,1000", help="project sizes, comma-separated (default: 100,1000)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    # Hidden sub-modes, each run in a fresh process of its own.
    parser.add_argument("--naive-inputs", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--naive-loop", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.naive_inputs:
        naive_inputs(*args.naive_inputs)
        return 0
    if args.naive_loop:
        naive_loop(args.naive_loop[0], args.naive_loop[1:])
        return 0
    sizes = sorted({int(n) for n in args.brands.split(",")})
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1790000000")  # fixed "today", as in CI; every process inherits it

    with tempfile.TemporaryDirectory(prefix="legalsite-bench-") as tmp:
        results = {n: bench_size(Path(tmp), n, args.repeat, naive=n == sizes[0]) for n in sizes}
    ratio = results[sizes[0]]["cold"]["median_s"] / results[sizes[0]]["naive"]["median_s"]

    print(f"legalsite benchmark: {os.cpu_count()} CPUs; each command a fresh process; median of {args.repeat} "
          f"runs, except cold build and naive loop at {ONCE_FROM:,} brands or more (one run); "
          f"naive loop and cold / naive at {sizes[0]:,} brands only.\n")
    print(table(sizes, results, ratio, args.repeat))
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak memory: max RSS of each command's process and the workers it waited for. It cannot read below "
          f"this bench's own, {floor:.0f} MB, which a new process starts from on Linux.")
    report = {"cpus": os.cpu_count(), "sizes": sizes, "repeat": args.repeat, "once_from_brands": ONCE_FROM,
              "source_date_epoch": os.environ["SOURCE_DATE_EPOCH"],
              "results": {str(n): results[n] for n in sizes},
              "cold_over_naive": {"brands": sizes[0], "ratio": round(ratio, 3)},
              "bench_process_peak_mb": round(floor, 1)}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
