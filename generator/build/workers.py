"""Sites built across the CPUs: one worker process per CPU, each building its share with the chosen engine."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import BuildError
from ..parallel import in_workers
from . import engines
from .inputs import SiteInputs


def build_sites(inputs: dict[str, SiteInputs], work: Path, stage: Path, jobs: int | None,
                engine: str = "mkdocs") -> None:
    """Build each site into ``stage/<path>`` with ``engine``: in this process for one site, else across the CPUs."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(inputs)))
    if jobs == 1:
        _build_chunk(list(inputs), inputs, work, stage, engine)
        return
    slugs = list(inputs)
    chunks = [slugs[i::jobs] for i in range(jobs)]  # one chunk a worker, so each compiles the theme once
    in_workers(_build_chunk, [(chunk, {s: inputs[s] for s in chunk}, work, stage, engine) for chunk in chunks],
               error=BuildError,
               died="a build worker process stopped abruptly{how} while the sites were being built. Nothing was "
                    "published. Run the build again; if it happens again, 'legalsite build --jobs 1' builds in one "
                    "process and shows what went wrong.")


def _build_chunk(slugs: list[str], inputs: dict[str, SiteInputs], work: Path, stage: Path, engine: str) -> None:
    build_site = engines.engine(engine).build_site
    for slug in slugs:
        build_site(slug, inputs[slug], work / slug, stage / slug)
