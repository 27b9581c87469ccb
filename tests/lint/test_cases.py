"""Field cases of kind api-validation (and the editor-format job), with their expected values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from wfc.cli import main

CATALOG = str(ROOT / "worker" / "catalog.json")


def _case(shared: Path, name: str) -> dict:
    return json.loads((shared / "cases" / name).read_text(encoding="utf-8"))


def _lint_case(tmp_path: Path, data: object, *extra: str) -> tuple[int, list[dict]]:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, "--no-contract", "--format", "json", *extra, str(path)])
    return result.exit_code, json.loads(result.output)["files"][0]["diagnostics"]


def test_api_validation_cases_covered(shared: Path):
    kinds = {path.name: json.loads(path.read_text(encoding="utf-8"))["kind"] for path in (shared / "cases").glob("*.json")}
    assert sorted(name for name, kind in kinds.items() if kind == "api-validation") == [
        "001-dangling-link-deleted-node.json", "003-renamed-input-old-key.json"]


def test_case_001_dangling_links(shared: Path, tmp_path: Path):
    case = _case(shared, "001-dangling-link-deleted-node.json")
    exit_code, diagnostics = _lint_case(tmp_path, case["input"])
    assert exit_code == 1
    dangling = [diag for diag in diagnostics if diag["code"] == "WFC111"]
    expected = [(error["node"], error["input"], error["detail"]) for error in case["expected"]["errors"]]
    assert len(dangling) == len(expected)
    for node, input_name, detail in expected:
        [match] = [diag for diag in dangling if diag["node"] == node and diag["input"] == input_name]
        assert match["rule"] == "dangling-link"
        assert detail in match["message"]
        assert match["line"] is not None
    assert [diag for diag in diagnostics if diag["code"] == "WFC000"] == []


def test_case_003_renamed_input(shared: Path, tmp_path: Path):
    case = _case(shared, "003-renamed-input-old-key.json")
    exit_code, diagnostics = _lint_case(tmp_path, case["input"])
    assert exit_code == 1
    [error] = case["expected"]["errors"]
    [warning] = case["expected"]["warnings"]

    errors = [diag for diag in diagnostics if diag["severity"] == "error"]
    assert [(diag["comfy_type"], diag["node"], diag["input"]) for diag in errors] == [
        (error["class"], error["node"], error["input"])]

    warnings = [diag for diag in diagnostics if diag["severity"] == "warning"]
    assert [(diag["rule"].replace("-", "_"), diag["node"], diag["input"]) for diag in warnings] == [
        (warning["class"], warning["node"], warning["input"])]
    assert warning["detail"] in warnings[0]["message"]
    assert warnings[0]["hint"] == warning["suggestion"]


def test_case_015_ui_format_rejected(shared: Path, tmp_path: Path):
    case = _case(shared, "015-ui-format-in-job.json")
    workflow = case["input"]["input"]["workflow"]
    exit_code, diagnostics = _lint_case(tmp_path, workflow, "--no-convert")
    assert exit_code == 1
    [rejection] = diagnostics
    assert rejection["code"] == "WFC106"
    for key in ("nodes", "links", "version", "last_node_id"):
        assert key in rejection["message"]
    assert "Export (API)" in rejection["hint"]


def test_case_015_ui_format_converted(shared: Path, tmp_path: Path):
    pytest.importorskip("wfc.convert", reason="the editor-format converter (wfc.convert) is not installed")
    case = _case(shared, "015-ui-format-in-job.json")
    exit_code, diagnostics = _lint_case(tmp_path, case["input"]["input"]["workflow"])
    assert [diag["code"] for diag in diagnostics if diag["code"] == "WFC106"] == ["WFC106"]
    assert diagnostics, "an editor file is never reported without a diagnostic"
    exit_code, diagnostics = _lint_case(tmp_path, case["input"]["input"]["workflow"], "--strict")
    assert exit_code == 1
