"""Agreement with ComfyUI 0.3.64's own verdicts on the conformance set.

Each file of the set is linted with its object_info as the catalog and no model profile, and
the agreement rule of the set must hold:

1. every (node, error type) pair ComfyUI reports has a wfc diagnostic on that node with that
   ComfyUI error type; for ComfyUI's two exception types (a dangling link or an output slot out
   of range crashes its validator) wfc names the fault itself, on the same node;
2. an unknown class (invalid_prompt) is reported, for every unknown class;
3. a file ComfyUI accepts without node errors has no wfc error on any node an output depends on.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SHARED
from wfc.config import Config
from wfc.diagnostics import Severity

CONFORMANCE = SHARED / "conformance"
EXCEPTION_TYPES = {"exception_during_validation", "exception_during_inner_validation"}
# wfc's own names for the faults that make ComfyUI's validator raise
FAULT_CODES = {"WFC109", "WFC110", "WFC111", "WFC112"}


def _verdicts() -> list[dict]:
    path = CONFORMANCE / "verdicts.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


VERDICTS = _verdicts()


@pytest.fixture(scope="module")
def conformance_catalog(shared: Path):
    from wfc.catalog import load_catalog

    return load_catalog(shared / "conformance" / "object_info.json")


def _lint(shared: Path, catalog, relative: str):
    from wfc.lint.runner import lint_file

    return lint_file(shared / "conformance" / relative, catalog, Config(root=shared)).diagnostics


def test_conformance_set_complete(shared: Path):
    assert len(VERDICTS) == 322
    assert sum(1 for verdict in VERDICTS if verdict["file"].startswith("api/")) == 82
    assert sum(1 for verdict in VERDICTS if verdict["file"].startswith("mutants/")) == 240


@pytest.mark.parametrize("verdict", VERDICTS, ids=[verdict["file"] for verdict in VERDICTS])
def test_agrees_with_comfyui(shared: Path, conformance_catalog, verdict: dict):
    diagnostics = _lint(shared, conformance_catalog, verdict["file"])

    for node, error_types in verdict["node_errors"].items():
        for error_type in error_types:
            if error_type in EXCEPTION_TYPES:
                found = [diag for diag in diagnostics if diag.node == node and diag.code in FAULT_CODES]
            else:
                found = [diag for diag in diagnostics if diag.node == node and diag.comfy_type == error_type]
            assert found, f"ComfyUI reports {error_type} on node {node}; wfc reported {[(d.code, d.node) for d in diagnostics]}"

    error = verdict["error"] or {}
    if error.get("type") == "invalid_prompt" and "does not exist" in error.get("message", ""):
        missing_class = error["message"].split("node ", 1)[1].rsplit(" does not exist", 1)[0]
        unknown = {diag.class_type for diag in diagnostics if diag.code == "WFC201"}
        assert missing_class in unknown

    if verdict["valid"] and not verdict["node_errors"]:
        errors = [diag for diag in diagnostics
                  if diag.severity == Severity.ERROR and diag.extra.get("feeds_output", True) is not False]
        assert errors == [], f"ComfyUI accepts this file; wfc reports {[(d.code, d.node, d.message) for d in errors]}"


def test_every_unknown_class_reported(shared: Path, conformance_catalog):
    """ComfyUI stops at the first unknown class; wfc names every one."""
    checked = 0
    for verdict in VERDICTS:
        if not verdict["file"].startswith("api/"):
            continue
        data = json.loads((CONFORMANCE / verdict["file"]).read_text(encoding="utf-8"))
        expected = {entry["class_type"] for entry in data.values()
                    if isinstance(entry, dict) and isinstance(entry.get("class_type"), str)
                    and entry["class_type"] not in conformance_catalog}
        if not expected:
            continue
        diagnostics = _lint(shared, conformance_catalog, verdict["file"])
        reported = {diag.class_type for diag in diagnostics if diag.code == "WFC201"}
        assert reported == expected, verdict["file"]
        checked += 1
    rejected_for_class = sum(1 for verdict in VERDICTS if verdict["file"].startswith("api/")
                             and "does not exist" in ((verdict["error"] or {}).get("message") or ""))
    assert checked == rejected_for_class
