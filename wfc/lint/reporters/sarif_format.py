"""SARIF 2.1.0 reporter, for code scanning tools.

Each finding is a result with the rule's code as ``ruleId``, a physical location (file, line,
column) when known and the JSON pointer as a logical location. wfc's own fields (node, input,
ComfyUI error type, hint) go into the result's ``properties``.

An ``artifactLocation.uri`` is a URI reference (SARIF 2.1.0, section 3.4.3): a relative path is
percent-encoded and resolved against ``%SRCROOT%``, the folder wfc ran in, which the run's
``originalUriBaseIds`` gives as a ``file://`` URI; an absolute path becomes a ``file://`` URI.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from wfc import __version__
from wfc.diagnostics import Report, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule_entries(codes: list[str]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    from wfc.lint.registry import load_all

    rules = load_all()
    entries: list[dict[str, Any]] = []
    index = {}
    for code in codes:
        declared = rules.get(code)
        entry: dict[str, Any] = {"id": code}
        if declared is not None:
            entry.update({
                "name": declared.name,
                "shortDescription": {"text": declared.summary},
                "fullDescription": {"text": declared.why or declared.summary},
                "help": {"text": declared.explain()},
                "defaultConfiguration": {"level": _LEVELS[declared.severity]},
            })
        index[code] = len(entries)
        entries.append(entry)
    return entries, index


SOURCE_ROOT = "%SRCROOT%"


def artifact_location(path: str) -> dict[str, str]:
    """Return the SARIF artifactLocation of a file path: a URI reference, with a base id when relative."""
    local = Path(path)
    if local.is_absolute():
        return {"uri": local.as_uri()}
    return {"uri": quote(local.as_posix()), "uriBaseId": SOURCE_ROOT}


def _base_ids() -> dict[str, Any]:
    """Return the run's originalUriBaseIds: ``%SRCROOT%`` is the current folder, with a trailing slash."""
    try:
        folder = Path(os.getcwd())
    except OSError:
        return {}  # the current folder was removed; consumers fall back to their own source root
    return {SOURCE_ROOT: {"uri": folder.as_uri().rstrip("/") + "/"}}


def render(report: Report) -> str:
    codes = sorted({diag.code for result in report.files for diag in result.diagnostics})
    rules, index = _rule_entries(codes)
    results = []
    for result in report.files:
        for diagnostic in result.diagnostics:
            location: dict[str, Any] = {
                "physicalLocation": {"artifactLocation": artifact_location(diagnostic.path or result.path)},
            }
            if diagnostic.line is not None:
                region = {"startLine": diagnostic.line}
                if diagnostic.column is not None:
                    region["startColumn"] = diagnostic.column
                location["physicalLocation"]["region"] = region
            if diagnostic.pointer:
                location["logicalLocations"] = [{"fullyQualifiedName": diagnostic.pointer, "kind": "member"}]
            properties = {key: value for key, value in {
                "rule": diagnostic.rule,
                "node": diagnostic.node,
                "class_type": diagnostic.class_type,
                "input": diagnostic.input,
                "title": diagnostic.title,
                "comfy_type": diagnostic.comfy_type,
                "hint": diagnostic.hint,
            }.items() if value is not None}
            text = diagnostic.message + (f" (hint: {diagnostic.hint})" if diagnostic.hint else "")
            results.append({
                "ruleId": diagnostic.code,
                "ruleIndex": index[diagnostic.code],
                "level": _LEVELS[diagnostic.severity],
                "message": {"text": text},
                "locations": [location],
                "properties": properties,
            })
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "wfc",
                "version": __version__,
                "rules": rules,
            }},
            "originalUriBaseIds": _base_ids(),
            "results": results,
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)
