"""Malformed input: one clear diagnostic each, exit code 1 or 2, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from wfc.cli import main

CATALOG = str(ROOT / "worker" / "catalog.json")

MALFORMED = {
    "not-json": (b"this is not json", "WFC101"),
    "truncated": (b'{"1": {"class_type": "SaveImage", "inputs": {"images": ["2", 0]', "WFC101"),
    "empty-file": (b"", "WFC101"),
    "not-utf8": (b'{"1": "\xff\xfe"}', "WFC101"),
    "top-level-array": (b'[{"class_type": "SaveImage"}]', "WFC105"),
    "top-level-string": (b'"SaveImage"', "WFC105"),
    "top-level-number": (b"42", "WFC105"),
    "deeply-nested": (b'{"1": {"class_type": "X", "inputs": {"a": ' + b"[" * 5000 + b"]" * 5000 + b"}}}", "WFC103"),
    "nan": (b'{"1": {"class_type": "KSampler", "inputs": {"cfg": NaN}}}', "WFC104"),
    "infinity": (b'{"1": {"class_type": "KSampler", "inputs": {"cfg": -Infinity}}}', "WFC104"),
    "huge-integer": (b'{"1": {"class_type": "KSampler", "inputs": {"seed": ' + b"9" * 5000 + b"}}}", "WFC104"),
}


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_one_diagnostic(tmp_path: Path, name: str):
    content, code = MALFORMED[name]
    path = _write(tmp_path, name, content)
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, "--format", "json", str(path)])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    diagnostics = report["files"][0]["diagnostics"]
    assert [diag["code"] for diag in diagnostics] == [code]
    assert diagnostics[0]["message"]
    assert diagnostics[0]["hint"]


def test_truncated_file_named(tmp_path: Path):
    path = _write(tmp_path, "cut", MALFORMED["truncated"][0])
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, str(path)])
    assert "looks truncated" in result.output
    assert f"{path}:1:" in result.output


@pytest.mark.parametrize(("content", "expected"), [
    (b"", ":1:1: WFC101 error: the file is empty [invalid-json]"),
    (b"\n  \n", ":3:1: WFC101 error: the file contains only whitespace [invalid-json]"),
])
def test_empty_file_named_empty(tmp_path: Path, content: bytes, expected: str):
    path = _write(tmp_path, "blank", content)
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, str(path)])
    assert result.exit_code == 1
    assert f"{path}{expected}" in result.output
    assert "truncated" not in result.output


def test_huge_integer_counts_digits(tmp_path: Path):
    path = _write(tmp_path, "digits", b'{"1": {"class_type": "KSampler",\n "inputs": {"seed": ' + b"9" * 5000 + b"}}}")
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, str(path)])
    assert result.exit_code == 1
    assert (f"{path}:2:21: WFC104 error: an integer has 5,000 digits, more than the 4,300 digits JSON numbers "
            "in a workflow can have") in result.output
    assert "sys.set_int_max_str_digits" not in result.output


def test_overflowing_float_in_input(tmp_path: Path):
    path = _write(tmp_path, "overflow", b'{"1": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], '
                  b'"filename_prefix": "x"}}, "2": {"class_type": "ImageScale", "inputs": {"image": ["3", 0], '
                  b'"upscale_method": "area", "width": 1e400, "height": 8, "crop": "center"}}}')
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, "--no-contract", "--format", "json", str(path)])
    codes = [(diag["code"], diag["input"]) for diag in json.loads(result.output)["files"][0]["diagnostics"]]
    assert ("WFC104", "width") in codes


def test_file_too_large(tmp_path: Path):
    path = tmp_path / "big.json"
    with path.open("wb") as handle:
        handle.write(b'{"1": {"class_type": "SaveImage", "inputs": {"filename_prefix": "')
        handle.write(b"x" * (100 * 1024 * 1024))
        handle.write(b'"}}}')
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, "--format", "json", str(path)])
    assert result.exit_code == 1
    diagnostics = json.loads(result.output)["files"][0]["diagnostics"]
    assert [diag["code"] for diag in diagnostics] == ["WFC102"]
    assert "104,857,6" in diagnostics[0]["message"]


def test_duplicate_node_id(tmp_path: Path):
    path = _write(tmp_path, "dup", b'{"1": {"class_type": "SaveImage", "inputs": {}},\n'
                                   b' "1": {"class_type": "SaveImage", "inputs": {}}}')
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, "--no-contract", "--format", "json", str(path)])
    diagnostics = json.loads(result.output)["files"][0]["diagnostics"]
    [duplicate] = [diag for diag in diagnostics if diag["code"] == "WFC115"]
    assert duplicate["line"] == 2
    assert duplicate["node"] == "1"


def test_duplicate_input_key_warns(tmp_path: Path):
    path = _write(tmp_path, "dupkey", b'{"1": {"class_type": "SaveImage", "inputs": {"filename_prefix": "a",\n'
                                      b' "filename_prefix": "b", "images": ["1", 0]}}}')
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, "--no-contract", "--format", "json", str(path)])
    diagnostics = json.loads(result.output)["files"][0]["diagnostics"]
    [duplicate] = [diag for diag in diagnostics if diag["code"] == "WFC116"]
    assert (duplicate["severity"], duplicate["line"]) == ("warning", 2)


def test_unreadable_path_is_usage_error(tmp_path: Path):
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, str(tmp_path / "absent.json")])
    assert result.exit_code == 2
    assert "path not found" in result.output


def test_bad_catalog_is_usage_error(tmp_path: Path):
    bad = _write(tmp_path, "catalog", b"[1, 2]")
    workflow = _write(tmp_path, "w", b"{}")
    result = CliRunner().invoke(main, ["lint", "--catalog", str(bad), str(workflow)])
    assert result.exit_code == 2
    assert "object_info must be a JSON object" in result.output


def test_missing_catalog_is_usage_error(tmp_path: Path):
    workflow = _write(tmp_path, "w", b"{}")
    result = CliRunner().invoke(main, ["lint", "--catalog", str(tmp_path / "none.json"), str(workflow)])
    assert result.exit_code == 2
    assert "catalog file not found" in result.output


def test_bad_settings_is_usage_error(tmp_path: Path):
    settings_file = tmp_path / "wfc.toml"
    settings_file.write_text("[contract]\nmin_outputs = -1\n", encoding="utf-8")
    workflow = _write(tmp_path, "w", b'{"1": {"class_type": "SaveImage", "inputs": {}}}')
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, "--config", str(settings_file), str(workflow)])
    assert result.exit_code == 2
    assert "min_outputs must be a non-negative integer" in result.output


def test_unknown_selector_is_usage_error(tmp_path: Path):
    workflow = _write(tmp_path, "w", b"{}")
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, "--select", "WFC999", str(workflow)])
    assert result.exit_code == 2


@pytest.mark.parametrize("name", ["not-json", "top-level-array", "nan", "deeply-nested"])
def test_malformed_subprocess_exit_code(tmp_path: Path, name: str):
    content, code = MALFORMED[name]
    path = _write(tmp_path, name, content)
    completed = subprocess.run([sys.executable, "-m", "wfc", "lint", "--catalog", CATALOG, str(path)],
                               capture_output=True, text=True, timeout=60, cwd=tmp_path,
                               env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert code in completed.stdout


def test_usage_error_subprocess_exit_code(tmp_path: Path):
    completed = subprocess.run([sys.executable, "-m", "wfc", "lint", "--catalog", CATALOG, str(tmp_path / "x.json")],
                               capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert completed.stderr.startswith("error: path not found")


# --- property tests ----------------------------------------------------------------------------

_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                       st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
_json_value = st.recursive(_json_leaf, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)), max_leaves=12)

_ids = st.sampled_from(["1", "2", "3", "4", "x"])
_class_names = st.sampled_from(["SaveImage", "LoadImage", "ImageScale", "VAEDecode", "KSampler", "LatentConcat",
                                "NunchakuQwenImageLoraLoader", "NoSuchNode", "GrowMask"])
_input_names = st.sampled_from(["images", "image", "width", "height", "upscale_method", "crop", "samples", "vae",
                                "seed", "dim", "mask", "expand", "tapered_corners", "filename_prefix", "bogus"])
_link = st.tuples(st.one_of(_ids, st.integers(0, 5), st.none()), st.one_of(st.integers(-3, 5), st.text(max_size=2))).map(list)
_input_value = st.one_of(_json_value, _link, st.lists(_ids, min_size=1, max_size=3))
_node = st.one_of(
    st.fixed_dictionaries({"class_type": _class_names, "inputs": st.dictionaries(_input_names, _input_value, max_size=6)},
                          optional={"_meta": st.fixed_dictionaries({"title": st.text(max_size=10)})}),
    _json_value,
)
_graph = st.one_of(st.dictionaries(_ids, _node, max_size=6), _json_value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_graph)
def test_generated_graphs_never_crash(worker_catalog, data):
    from wfc.config import Config
    from wfc.lint.runner import lint_graph

    diagnostics = lint_graph(data, worker_catalog, Config(root=ROOT, data={"contract": {
        "images": {"load_image": {"titles": ["a"]}, "background_load_image": {}}}}))
    assert all(diag.code != "WFC000" for diag in diagnostics), [diag.message for diag in diagnostics]
    for diagnostic in diagnostics:
        assert diagnostic.message
        json.dumps(diagnostic.to_json(), ensure_ascii=False)


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=200))
def test_generated_text_never_crashes(worker_catalog, text):
    from wfc.config import Config
    from wfc.lint.runner import lint_bytes

    result = lint_bytes(text.encode("utf-8", "surrogatepass"), "<generated>", worker_catalog, Config(root=ROOT))
    assert all(diag.code != "WFC000" for diag in result.diagnostics)
