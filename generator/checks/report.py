"""The output formats of ``legalsite check``: JSON, GitHub Actions annotations and SARIF.

Each takes the findings ``run_checks`` returns (or a FactError carries) and returns data;
the CLI prints it. Text mode needs no function here: ``str(finding)`` is the line.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def findings_report(findings: list[Finding]) -> dict:
    """The JSON shape of ``legalsite check --format json`` (documented in the README)."""
    errors = sum(f.is_error for f in findings)
    return {
        "version": 1,
        "errors": errors,
        "warnings": len(findings) - errors,
        "findings": [{"path": f.path, "line": f.line, "column": f.column, "severity": f.severity,
                      "rule": f.rule, "message": f.message} for f in findings],
    }


# --- GitHub Actions workflow commands -----------------------------------------------

def escape_data(value: str) -> str:
    """What @actions/core's ``escapeData`` does to a command's message: nothing in it can end the line."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """What @actions/core's ``escapeProperty`` does to a property value: ``:`` and ``,`` cannot end it either."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github_annotations(findings: Iterable[Finding]) -> list[str]:
    """One ``::error``/``::warning`` workflow command per finding, which GitHub shows on the file's line.

    The path is relative to the project; a finding about a folder (``content/brands``) keeps it too,
    and GitHub shows the annotation on the run rather than on a line.
    """
    lines = []
    for f in findings:
        command = "error" if f.is_error else "warning"
        props = {"file": f.path, "line": str(f.line), "col": str(f.column), "title": f"legalsite {f.rule}"}
        joined = ",".join(f"{key}={escape_property(value)}" for key, value in props.items())
        lines.append(f"::{command} {joined}::{escape_data(f.message)}")
    return lines


# --- SARIF 2.1.0 ------------------------------------------------------------------

def _level(severity: str) -> str:
    return "error" if severity == "error" else "warning"


def sarif_report(findings: Iterable[Finding], tool_version: str) -> dict:
    """A SARIF 2.1.0 log with one run: every registered rule, and one result per finding.

    Code scanning (github/codeql-action/upload-sarif) and other SARIF viewers read it. Rules are
    sorted by id and results like the findings (file, line, column), so the same facts give the same
    file. A finding from loading the facts (``yaml-syntax``, ``fact-unknown``) has no registered rule:
    its result has a ``ruleId`` but no ``ruleIndex``.
    """
    from . import RULES

    rules = sorted(RULES.values(), key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for f in sorted(findings):
        result = {
            "ruleId": f.rule,
            "level": _level(f.severity),
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)},
            }}],
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "legalsite",
                "version": tool_version,
                "rules": [{"id": r.id, "shortDescription": {"text": r.description},
                           "defaultConfiguration": {"level": _level(r.severity)}} for r in rules],
            }},
            "results": results,
        }],
    }
