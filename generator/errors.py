"""One error base for legalsite, and the finding every stage reports.

A finding is what a compiler or linter prints: ``path:line:col: severity[rule] message``.
Loading, validation, checks and the build all speak in findings, so that CI
annotations and a lawyer reading the terminal see one format.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# A line break or terminal escape in a quoted fact would print a second, false finding line, and a
# bidirectional override would reorder the line: the text form shows each as an escape (\n, \x1b, \u202e).
_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _shown(text: str) -> str:
    return _UNSHOWN.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True, order=True)
class Finding:
    """A problem with a fact, pinned to the place in a file where it can be fixed."""

    path: str
    line: int
    column: int
    severity: str  # "error" or "warning"
    rule: str
    message: str
    # The fact's path ("contact.email") where a rule names one: what an accepted gap refers to.
    fact: str = field(default="", compare=False)

    def row(self) -> list:
        """The finding as JSON data (the cache keeps findings so); ``Finding(*row)`` gives it back."""
        return [self.path, self.line, self.column, self.severity, self.rule, self.message, self.fact]

    def __str__(self) -> str:
        return f"{_shown(self.path)}:{self.line}:{self.column}: {self.severity}[{self.rule}] {_shown(self.message)}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class LegalsiteError(Exception):
    """Base of every error legalsite reports to a user; the CLI prints it without a traceback."""

    exit_code = 1

    def lines(self) -> list[str]:
        return [str(self)]


class FactError(LegalsiteError):
    """Facts that cannot be used: one or more error findings, all reported together."""

    def __init__(self, findings: Iterable[Finding]):
        self.findings = sorted(findings)
        super().__init__("\n".join(str(f) for f in self.findings))

    def lines(self) -> list[str]:
        return [str(f) for f in self.findings]


class BuildError(LegalsiteError):
    """A site could not be built or validated; nothing was published."""


class UsageError(LegalsiteError):
    """The command was called with something that does not exist (an unknown brand, say)."""

    exit_code = 2


_ORDER = operator.attrgetter("path", "line", "column", "severity", "rule", "message")


def in_order(findings: Iterable[Finding]) -> list[Finding]:
    """Findings by file, line, column, severity, rule and message: a Finding's own order, reached by comparing
    tuples rather than calling its comparison method (a thousand brands have tens of thousands of findings)."""
    return sorted(findings, key=_ORDER)
