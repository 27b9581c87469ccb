"""Catalog files given with --catalog: anything that is not a catalog is a usage error (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from wfc.catalog import MAX_CATALOG_BYTES, CatalogError, catalog_from_json, load_catalog
from wfc.cli import main

WORKFLOW = {
    "1": {"class_type": "LoadImage", "inputs": {"image": "example.png"}},
    "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "out"}},
}
CLASS = {"input": {"required": {"image": ["IMAGE"]}}, "output": ["IMAGE"], "output_name": ["IMAGE"]}


def _lint_with(tmp_path: Path, catalog: Path) -> tuple[int, str]:
    workflow = tmp_path / "workflow.json"
    workflow.write_text(json.dumps(WORKFLOW), encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--no-contract", "--catalog", str(catalog), str(workflow)])
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def _write_json(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


NOT_CATALOGS: dict[str, tuple[Any, str]] = {
    "api-workflow": (WORKFLOW, "this is an API-format workflow (node '1' has a class_type), not a catalog"),
    "ui-workflow": ({"nodes": [], "links": [], "version": 0.4}, "this is an editor (UI-format) workflow, not a catalog"),
    "empty-object": ({}, "the object_info has no node classes"),
    "array": ([CLASS], "object_info must be a JSON object of node classes, not an array"),
    "number-values": ({"A": 1}, "class 'A' is a number, not an object with 'input' and 'output'"),
    "no-input": ({"A": {"output": []}}, "class 'A' has no 'input'"),
    "input-list": ({"A": {"input": [], "output": []}}, "class 'A' has an 'input' that is an array"),
    "section-list": ({"A": {"input": {"required": []}, "output": []}}, "input section 'required' that is an array"),
    "no-output": ({"A": {"input": {}}}, "class 'A' has no 'output'"),
    "output-string": ({"A": {"input": {}, "output": "IMAGE"}}, "class 'A' has an 'output' that is a string"),
    "output-name-string": ({"A": {**CLASS, "output_name": "IMAGE"}}, "'output_name' that is a string, not a list"),
    "one-bad-class": ({"A": CLASS, "B": {"inputs": {}}}, "class 'B' has no 'input'"),
}


@pytest.mark.parametrize("name", sorted(NOT_CATALOGS))
def test_not_a_catalog_is_usage_error(tmp_path: Path, name: str):
    data, message = NOT_CATALOGS[name]
    path = _write_json(tmp_path, data)
    exit_code, stderr = _lint_with(tmp_path, path)
    assert exit_code == 2
    assert stderr.startswith(f"error: {path}: ")
    assert message in stderr


NOT_NORMALISED: dict[str, tuple[dict[str, Any], str]] = {
    "classes-missing": ({}, "field 'classes' is missing"),
    "classes-empty": ({"classes": {}}, "field 'classes' is empty"),
    "classes-list": ({"classes": []}, "field 'classes' is an array"),
    "entry-string": ({"classes": {"A": "x"}}, "class 'A' is a string, not a class entry object"),
    "inputs-missing": ({"classes": {"A": {"outputs": []}}}, "class 'A' has no 'inputs'; it must be a list"),
    "outputs-object": ({"classes": {"A": {"inputs": [], "outputs": {}}}}, "class 'A' has an object as 'outputs'"),
    "unknown-entry-field": ({"classes": {"A": {"inputs": [], "outputs": [], "input": {}}}}, "unknown field 'input'"),
    "unknown-top-field": ({"classes": {"A": {"inputs": [], "outputs": []}}, "nodes": []}, "unknown field 'nodes'"),
    "bad-digest": ({"digest": 5, "classes": {"A": {"inputs": [], "outputs": []}}}, "field 'digest' must be"),
    "bad-source": ({"source": [], "classes": {"A": {"inputs": [], "outputs": []}}}, "field 'source' must be an object"),
}


@pytest.mark.parametrize("name", sorted(NOT_NORMALISED))
def test_malformed_normalised_is_usage_error(tmp_path: Path, name: str):
    data, message = NOT_NORMALISED[name]
    path = _write_json(tmp_path, {"format": "wfc-catalog/1", **data})
    exit_code, stderr = _lint_with(tmp_path, path)
    assert exit_code == 2
    assert message in stderr


def test_nan_in_catalog_rejected(tmp_path: Path):
    path = tmp_path / "nan.json"
    path.write_text('{"A": {"input": {"required": {"x": ["FLOAT", {"default": NaN}]}}, "output": []}}', encoding="utf-8")
    exit_code, stderr = _lint_with(tmp_path, path)
    assert exit_code == 2
    assert f"{path}: invalid JSON number: NaN is not valid JSON" in stderr


def test_oversized_catalog_rejected_unread(tmp_path: Path):
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.write(b'{"A": "')
        handle.truncate(100 * 1024 * 1024)  # sparse: a 100 MB file without writing 100 MB
    exit_code, stderr = _lint_with(tmp_path, path)
    assert exit_code == 2
    assert f"the catalog file is over the limit of {MAX_CATALOG_BYTES:,} bytes" in stderr


@pytest.mark.parametrize(("content", "message"), [
    (b"", ": the file is empty"),
    (b" \n", ": the file contains only whitespace"),
    (b'{"A": ' + b"[" * 5000 + b"]" * 5000 + b"}", ": the JSON nests too deeply to parse"),
    (b'{"A": {"input": {}, "output": [], "x":\n ' + b"7" * 5000 + b"}}",
     ":2:2: an integer has 5,000 digits, more than the 4,300 digits JSON numbers in a catalog can have"),
    (b"\xff\xfe{}", ": the catalog is not UTF-8 text (byte 0 is invalid)"),
    (b'{"A": ', ":1:7: invalid JSON: Expecting value (the file looks truncated)"),
])
def test_unreadable_catalog_wording(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "catalog.json"
    path.write_bytes(content)
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    assert str(raised.value).startswith(f"{path}{message}")
    assert "recursion" not in str(raised.value)
    assert "set_int_max_str_digits" not in str(raised.value)


def test_catalog_import_rejects_workflow(tmp_path: Path):
    source = _write_json(tmp_path, WORKFLOW)
    output = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["catalog", "import", str(source), "-o", str(output)])
    assert result.exit_code == 2
    assert "this is an API-format workflow" in result.stderr
    assert not output.exists()


def test_catalog_import_deep_nesting_worded(tmp_path: Path):
    source = tmp_path / "object_info.json"
    source.write_bytes(b'{"A": ' + b"[" * 5000 + b"]" * 5000 + b"}")
    result = CliRunner().invoke(main, ["catalog", "import", str(source), "-o", str(tmp_path / "out.json")])
    assert result.exit_code == 2
    assert f"{source}: the JSON nests too deeply to parse; expected the JSON of ComfyUI's GET /object_info" in result.stderr


def test_real_catalogs_still_load(shared: Path):
    worker = load_catalog(ROOT / "worker" / "catalog.json")
    assert len(worker) == 513
    assert worker.get("KSampler") is not None
    raw = load_catalog(shared / "catalog" / "comfyui-0.3.64-blackwell.object_info.json")
    assert sorted(raw.classes) == sorted(worker.classes)


def test_minimal_object_info_accepted():
    catalog = catalog_from_json({"Hidden": {"input": {"hidden": {"prompt": "PROMPT"}}, "output": []}, "A": CLASS})
    assert [node_class.name for node_class in catalog] == ["Hidden", "A"]
    assert catalog.get("A").outputs[0].type == "IMAGE"
