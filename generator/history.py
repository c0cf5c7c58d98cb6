"""Every version of each brand's policy, found in git history.

A version is the state of a brand's facts once a change was recorded for it (a new ``changes`` entry),
until the next one was recorded: the facts at the commit just before the next change's commit, or the
working tree for the newest. Its id is the day it takes effect (the entry's ``effective``, else its
``date``); the facts before the first recorded change are a version too, dated by their own
``dates.effective`` or ``dates.last_updated``.

On the build day (SOURCE_DATE_EPOCH's day when set, else today) the newest version already in effect
is *current*, the ones after it are *upcoming* and the ones before it *earlier*. Building on or after an
upcoming version's day makes it current with no edit.

This module reads git and the facts; it knows nothing of pages or sites.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import tarfile
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

from .cache import digest
from .errors import BuildError, FactError, UsageError
from .load import load_bytes
from .project import Project, load_project

CURRENT, UPCOMING, EARLIER = "current", "upcoming", "earlier"
NO_CHANGES = re.compile(rb"(?m)^changes:[ \t]*\[[ \t]*\][ \t]*(#.*)?\r?$")  # "changes: []", the whole list
# What a version's day is, as the facts state it: never more than they say.
EFFECTIVE, ANNOUNCED, LAST_UPDATED = "effective", "date", "last_updated"


def build_day() -> dt.date:
    """The day a build is for: SOURCE_DATE_EPOCH's (UTC) when set, else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds since 1970-01-01; set it to "
                             "one (for example $(git log -1 --format=%ct)) or unset it.") from None
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class Version:
    """One version of one brand's policy."""

    slug: str
    id: str | None  # "YYYY-MM-DD": the day it takes effect; None when its facts give no date
    rev: str | None  # the commit holding its facts; None: the working tree
    summaries: tuple[str, ...] = ()  # the changes it records (none for the facts before the first)
    status: str = EARLIER
    dated_by: str = EFFECTIVE  # its day is the stated effective date, the change's date, or the last update

    @property
    def day(self) -> dt.date | None:
        return dt.date.fromisoformat(self.id) if self.id else None


@dataclass
class History:
    day: dt.date
    versions: dict[str, list[Version]]  # slug → its versions, oldest first
    notes: list[str] = field(default_factory=list)  # what could not be found, in words
    source: dict[str | None, str] = field(default_factory=dict)  # rev → the git trees its facts come from
    shallow: bool = False  # a shallow clone: history before its first commit is missing

    def current(self, slug: str) -> Version:
        return next(v for v in self.versions[slug] if v.status == CURRENT)

    def upcoming(self, slug: str) -> list[Version]:
        return [v for v in self.versions[slug] if v.status == UPCOMING]

    def dated(self, slug: str) -> list[Version]:
        """The versions that have a permalink (a day), oldest first."""
        return [v for v in self.versions[slug] if v.id]

    def neighbours(self, version: Version) -> tuple[Version | None, Version | None]:
        dated = self.dated(version.slug)
        at = dated.index(version)
        return (dated[at - 1] if at else None), (dated[at + 1] if at + 1 < len(dated) else None)


class _Git:
    def __init__(self, root: Path):
        self.root = root
        where = self.run("rev-parse", "--show-toplevel", "--show-prefix")
        self.ok = where is not None and self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}") is not None
        if self.ok:
            top, prefix = (where.splitlines() + [""])[:2]
            self.top, self.prefix = Path(top), prefix

    def run(self, *args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, check=False)
        except FileNotFoundError:
            return None
        return done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else None

    def log_files(self, folder: str) -> dict[str, list[tuple[str, str | None]]]:
        """Each file under ``folder`` (by path in the project) → the first-parent commits that changed it, oldest
        first, each with the file's blob there (None: deleted): one git process for every brand."""
        out = self.run("-c", "core.quotePath=false", "log", "--first-parent", "--reverse", "--format=%x00%H",
                       "--raw", "--no-abbrev", "--", str(self.top / self.prefix / folder))
        touched: dict[str, list[tuple[str, str | None]]] = {}
        for chunk in (out or "").split("\0")[1:]:
            commit, *lines = chunk.strip().splitlines()
            for line in lines:  # ":100644 100644 <old blob> <new blob> M<tab>path" (R: old and new path)
                meta, _, paths = line.partition("\t")
                fields = meta.split()
                if len(fields) < 5 or not paths:
                    continue
                blob = None if set(fields[3]) == {"0"} else fields[3]
                touched.setdefault(paths.split("\t")[-1].removeprefix(self.prefix), []).append((commit, blob))
        return touched

    def blobs(self, names: list[str]) -> dict[str, bytes | None]:
        """Each object (a blob's id, or "<commit>:<path>") → its bytes (None: not there), read by one git process."""
        if not names:
            return {}
        try:
            data = subprocess.run(["git", "-C", str(self.top), "cat-file", "--batch"],
                                  input="".join(f"{name}\n" for name in names).encode(),
                                  capture_output=True, check=False).stdout
        except FileNotFoundError:
            return dict.fromkeys(names)
        found: dict[str, bytes | None] = {}
        at = 0
        for name in names:  # "<id> blob <size>\n<bytes>\n", or "<name> missing\n"
            end = data.find(b"\n", at)
            header = data[at:end].split() if end >= 0 else []
            at = end + 1
            if len(header) == 3 and header[1] == b"blob":
                size = int(header[2])
                found[name], at = data[at:at + size], at + size + 1
            else:
                found[name] = None
        return found

    def show(self, rev: str, path: str) -> bytes | None:
        try:
            done = subprocess.run(["git", "-C", str(self.top), "show", f"{rev}:{self.prefix}{path}"],
                                  capture_output=True, check=False)
        except FileNotFoundError:
            return None
        return done.stdout if done.returncode == 0 else None


def _entries(raw: bytes | None, shown: str, own_date: bool = False) -> tuple[list[tuple[str, str, str, str]], tuple[str, str] | None]:
    """A brand file's recorded changes as (day it applies, announced day, summary, what that day is), and its
    own date with what it is ("effective" or "last_updated").

    Read from the YAML as written, without the model: a file from an older legalsite still tells its history.
    """
    if raw is None:
        return [], None
    if not own_date and NO_CHANGES.search(raw) and raw.count(b"changes:") == 1:  # most files: nothing to read
        return [], None
    try:
        data = load_bytes(raw, shown).data
    except FactError:
        return [], None
    if not isinstance(data, dict):
        return [], None
    found = []
    for change in data.get("changes") or []:
        if isinstance(change, dict) and change.get("date"):
            announced = str(change["date"])
            effective = change.get("effective")
            found.append((str(effective or announced), announced, str(change.get("summary", "")),
                          EFFECTIVE if effective else ANNOUNCED))
    dates = data.get("dates") if isinstance(data.get("dates"), dict) else {}
    for kind in (EFFECTIVE, LAST_UPDATED):
        if dates.get(kind):
            return found, (str(dates[kind]), kind)
    return found, None


def find_history(project: Project, day: dt.date | None = None) -> History:
    """The versions of every brand in ``project`` (the working tree), with their status on ``day``."""
    day = day or build_day()
    history = History(day=day, versions={})
    git = _Git(project.root)
    if not git.ok:
        history.notes.append("this project is not in a git repository with a commit, so only the current facts "
                             "are published; earlier versions are kept from the first commit on.")
    elif git.run("rev-parse", "--is-shallow-repository") == "true":
        history.shallow = True
        history.notes.append("this is a shallow clone, so versions recorded before its first commit cannot be "
                             "found; fetch the whole history (in GitHub Actions: fetch-depth: 0).")
    commits: dict[str, list[tuple[str, str | None]]] = git.log_files("content/brands") if git.ok else {}
    changes = _changes_in(project, git, {blob for slug in project.brands
                                         for _, blob in commits.get(f"content/brands/{slug}.yaml", []) if blob})
    for slug in project.brands:  # what dates each brand's history is in its summary: no brand is validated here
        written = [(commit, changes.get(blob, [])) for commit, blob in commits.get(f"content/brands/{slug}.yaml", [])]
        history.versions[slug] = _brand_versions(git, slug, project.summary(slug), written, day, history)
    if git.ok:
        for rev in {v.rev for vs in history.versions.values() for v in vs if v.rev}:
            history.source[rev] = " ".join(git.run("rev-parse", f"{rev}:{git.prefix}{part}") or "-"
                                           for part in ("content", "templates"))
    return history


def _changes_in(project: Project, git: _Git, blobs: set[str]) -> dict[str, list[tuple[str, str, str, str]]]:
    """Each blob of a brand file → the changes it records (_entries), kept in the project's cache by the blob's
    id: a build reads from git only the brand files it has not read before."""
    found, unread = {}, []
    for blob in sorted(blobs):
        kept = project.cache.get("history", digest("changes", blob))
        if isinstance(kept, list) and all(isinstance(e, list) and len(e) == 4 for e in kept):
            found[blob] = [tuple(map(str, e)) for e in kept]
        else:
            unread.append(blob)
    for blob, raw in git.blobs(unread).items():
        found[blob] = _entries(raw, f"content/brands (blob {blob[:7]})")[0]
        if raw is not None:
            project.cache.put("history", digest("changes", blob), [list(e) for e in found[blob]])
    return found


def _brand_versions(git: _Git, slug: str, summary: dict, written: list[tuple[str, list]], day: dt.date,
                    history: History) -> list[Version]:
    """``summary``: the brand's (project.summary); ``written``: each commit that changed the brand's file, oldest
    first, with the changes the file records there."""
    path = f"content/brands/{slug}.yaml"
    tip = [tuple(change) for change in summary["changes"]]  # as _entries reads them from a file
    # Each recorded change, at the first commit that has it (None: only the working tree has it yet).
    anchors: list[tuple[str | None, list[tuple[str, str, str, str]]]] = []
    seen: set[tuple[str, str]] = set()
    for commit, entries in written:
        new = [e for e in entries if (e[0], e[1]) not in seen]
        seen |= {(e[0], e[1]) for e in entries}
        if new:
            anchors.append((commit, new))
    fresh = [e for e in tip if (e[0], e[1]) not in seen]
    if fresh:
        anchors.append((None, fresh))

    def before(anchor: str | None) -> str | None:
        """The commit whose facts were in force just before ``anchor`` recorded its change."""
        if anchor is None:
            return "HEAD" if git.ok and git.show("HEAD", path) is not None else None
        parent = git.run("rev-parse", "--verify", "--quiet", f"{anchor}^")
        return parent if parent and git.show(parent, path) is not None else None

    versions: list[Version] = []
    if anchors:
        first = before(anchors[0][0])
        if first is not None:
            _, own = _entries(git.show(first, path), path, own_date=True)
            versions.append(Version(slug, _iso(own and own[0]), _resolve(git, first),
                                    dated_by=own[1] if own else EFFECTIVE))
    else:
        dates = summary["dates"]
        kind = EFFECTIVE if dates[EFFECTIVE] else LAST_UPDATED
        return _with_status([Version(slug, dates[EFFECTIVE] or dates[LAST_UPDATED], None, dated_by=kind)], day, slug,
                            history)
    for at, (anchor, entries) in enumerate(anchors):
        nxt = anchors[at + 1][0] if at + 1 < len(anchors) else None
        rev = None if at + 1 == len(anchors) else before(nxt)
        newest = max(entries, key=lambda e: e[0])
        versions.append(Version(slug, _iso(newest[0]), _resolve(git, rev) if rev else None,
                                tuple(e[2] for e in entries), dated_by=newest[3]))
    # A version followed by one taking effect on the same day or earlier never applied on its own.
    kept: list[Version] = []
    for version in versions:
        while kept and kept[-1].id and version.id and kept[-1].id >= version.id:
            gone = kept.pop()
            history.notes.append(f"{slug}: the version recorded to take effect on {gone.id} was replaced before "
                                 f"it took effect (by the one taking effect on {version.id}); it is not published.")
        kept.append(version)
    return _with_status(kept, day, slug, history)


def _resolve(git: _Git, rev: str | None) -> str | None:
    return git.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}") if rev else None


def _iso(value: str | None) -> str | None:
    try:
        return dt.date.fromisoformat(value).isoformat() if value else None
    except ValueError:
        return None


def _with_status(versions: list[Version], day: dt.date, slug: str, history: History) -> list[Version]:
    in_force = [v for v in versions if v.day is None or v.day <= day]
    current = in_force[-1] if in_force else versions[0]
    if not in_force and history.shallow:
        raise BuildError(f"{slug}'s change taking effect on {current.id} is not yet in effect, but the facts in "
                         "force before it are not in this shallow clone, so the current pages cannot be built "
                         "without publishing that change early. Nothing was published. Fetch the whole history "
                         "(git fetch --unshallow; in GitHub Actions, fetch-depth: 0 on actions/checkout).")
    if not in_force:
        history.notes.append(f"{slug}: its first recorded version takes effect on {current.id} and no earlier "
                             "facts are in git history, so the pages show that version now.")
    out = []
    for version in versions:
        status = CURRENT if version is current else UPCOMING if (version.day and version.day > day) else EARLIER
        out.append(replace(version, status=status))
    return out


def load_version(project: Project, version: Version, stack: ExitStack) -> Project:
    """The project as it was at ``version`` (its content/ and templates/), kept on disk until ``stack`` closes.

    The working tree's version is ``project`` itself.
    """
    if version.rev is None:
        return project
    git = _Git(project.root)
    archive = subprocess.run(["git", "-C", str(git.top), "archive", "--format=tar", version.rev, "--",
                              *(f"{git.prefix}{part}" for part in ("content", "templates")
                                if git.run("rev-parse", "--verify", "--quiet",
                                           f"{version.rev}:{git.prefix}{part}"))],
                             capture_output=True, check=False)
    if archive.returncode:
        raise UsageError(f"git could not read the facts of {version.slug}'s version of {version.id} "
                         f"(commit {version.rev[:12]}): {archive.stderr.decode().strip()}")
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="legalsite-version-")))
    unpack(archive.stdout, folder, f"commit {version.rev[:12]}")
    there = folder / git.prefix
    try:
        loaded = load_project(there, project.cache)  # a version's files are kept by their bytes too
    except FactError as exc:
        raise FactError(replace(f, path=f"{version.rev[:12]}:{f.path}") for f in exc.findings) from None
    return loaded


def unpack(archive: bytes, into: Path, where: str) -> None:
    """Unpack a tar from git archive, refusing anything that could land outside ``into``."""
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            outside = member.name.startswith("/") or ".." in Path(member.name).parts
            if outside or not (member.isfile() or member.isdir()):
                raise UsageError(f"the facts at {where} hold '{member.name}', which is not a plain file inside the "
                                 "project (a link, or a path leading outside); legalsite does not unpack it.")
        tar.extractall(into, filter="data")
