"""Building a large project in parts, one CI job each, and putting the parts together.

``legalsite build --shard 2/4`` builds the brands of part 2 of 4: a brand's part follows from its slug alone,
so it is the same in every run and on every machine, and adding a brand moves no other. ``legalsite merge``
puts the parts' output folders together into one tree, byte for byte what one build of every brand writes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from ..errors import BuildError, UsageError
from ..project import Project
from ..publish import MARKER, link_or_copy, output_path, publish, staging_dir, write_brand_index
from ..signals import orderly_signals


def parse(text: str) -> tuple[int, int]:
    """"2/4" → (2, 4); a usage error for anything else."""
    try:
        part, total = (int(n) for n in text.split("/"))
    except ValueError:
        part = total = 0
    if not 1 <= part <= total:
        raise UsageError(f"--shard takes the part to build and how many parts there are, such as 2/4 (part 2 of "
                         f"4); '{text}' is not that.")
    return part, total


def part_of(slug: str, total: int) -> int:
    """The part (1..total) a brand belongs to, from a digest of its slug."""
    return int.from_bytes(hashlib.sha256(slug.encode()).digest()[:8], "big") % total + 1


def brands_in(project: Project, part: int, total: int) -> list[str]:
    return [slug for slug in project.brands if part_of(slug, total) == part]


def merge(project: Project, parts: list[Path], out: Path) -> list[str]:
    """Put the output folders of a sharded build together into ``out``; returns the brands published.

    Every brand of the project must be in exactly one part, so a part that failed or is missing stops the
    merge instead of publishing a site without its brands. Files are hard-linked where the parts sit on the
    same filesystem, else copied; the parts are left as they are.
    """
    records: dict[str, dict] = {"brands": {}, "versions": {}, "sources": {}}
    found: dict[str, Path] = {}
    for folder in parts:
        try:
            marker = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise UsageError(f"{folder} is not the output of 'legalsite build' (it has no readable {MARKER} file); "
                             "pass the folders each 'legalsite build --shard' wrote (keep hidden files when "
                             "you move them: upload-artifact's include-hidden-files: true).") from None
        for slug in marker.get("brands", {}):
            if slug in found:
                raise BuildError(f"{slug} is in two parts, {found[slug]} and {folder}; build each part with the same "
                                 "--shard total. Nothing was published.")
            found[slug] = Path(folder)
        for kind, record in records.items():
            record.update(marker.get(kind, {}))
    missing = [slug for slug in project.brands if slug not in found]
    unknown = [slug for slug in found if slug not in project.brands]
    if missing or unknown:
        raise BuildError("the parts do not hold every brand of this project exactly: "
                         + "; ".join(filter(None, [missing and f"missing {', '.join(missing)}",
                                                   unknown and f"not in content/brands: {', '.join(unknown)}"]))
                         + ". Merge the output of every part of one build. Nothing was published.")
    with orderly_signals(), staging_dir(out, {"the project": project.root}) as stage:
        for slug, folder in sorted(found.items()):
            # Following links: a part's brand folders are links into its own store, or plain folders once moved.
            shutil.copytree(output_path(folder / slug), stage / slug, copy_function=link_or_copy)
        write_brand_index(stage, {slug: project.summary(slug)["name"] for slug in project.brands})
        publish(stage, out, keys=records["brands"], versions=records["versions"], sources=records["sources"])
    return sorted(found)
