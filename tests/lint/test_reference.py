"""The reference workflow of the deployment, linted with this repository's settings.

It has one LoadImage where the worker needs two, inputs no node accepts, an unused VAEEncode and,
against LoRA loader 1.63, a missing required input.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wfc.cli import main


@pytest.fixture
def reference(shared: Path) -> Path:
    return shared / "reference" / "nunchaku-qwen-image-edit-2509-workflow.json"


def _run_json(root: Path, reference: Path, monkeypatch) -> tuple[int, dict]:
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["lint", "--format", "json", str(reference)])
    return result.exit_code, json.loads(result.output)


def _find(report: dict, code: str, node: str | None = None, input_name: str | None = None) -> list[dict]:
    return [diag for diag in report["files"][0]["diagnostics"]
            if diag["code"] == code and (node is None or diag["node"] == node)
            and (input_name is None or diag["input"] == input_name)]


def test_reference_exit_code(root: Path, reference: Path, monkeypatch):
    exit_code, _ = _run_json(root, reference, monkeypatch)
    assert exit_code == 1


def test_reference_required_input(root: Path, reference: Path, monkeypatch):
    _, report = _run_json(root, reference, monkeypatch)
    [missing] = _find(report, "WFC202", "117", "cpu_offload")
    assert missing["severity"] == "error"
    assert missing["comfy_type"] == "required_input_missing"
    assert missing["pointer"] == "/117/inputs/cpu_offload"
    assert missing["line"] == 15
    assert missing["class_type"] == "NunchakuQwenImageLoraLoader"


def test_reference_unknown_inputs(root: Path, reference: Path, monkeypatch):
    _, report = _run_json(root, reference, monkeypatch)
    unknown = {(diag["node"], diag["input"]): diag for diag in _find(report, "WFC208")}
    assert set(unknown) == {("88", "device"), ("110", "vae_device"), ("111", "vae_device")}
    assert {diag["severity"] for diag in unknown.values()} == {"warning"}
    assert unknown[("88", "device")]["line"] == 10
    assert unknown[("110", "vae_device")]["line"] == 11
    assert unknown[("111", "vae_device")]["line"] == 12


def test_reference_unused_output(root: Path, reference: Path, monkeypatch):
    _, report = _run_json(root, reference, monkeypatch)
    [unused] = _find(report, "WFC301", "88")
    assert unused["severity"] == "warning"
    assert unused["line"] == 10
    assert unused["extra"]["feeds_output"] is False


def test_reference_background_plate_missing(root: Path, reference: Path, monkeypatch):
    _, report = _run_json(root, reference, monkeypatch)
    [contract] = _find(report, "WFC401")
    assert "background_load_image" in contract["message"]
    assert contract["line"] == 1
    assert _find(report, "WFC209") == []  # node 78 is the worker-supplied character plate


def test_reference_korean_titles(root: Path, reference: Path, monkeypatch):
    _, report = _run_json(root, reference, monkeypatch)
    titles = {diag["node"]: diag["title"] for diag in report["files"][0]["diagnostics"] if diag["node"]}
    assert titles["88"] == "VAE 인코드"
    monkeypatch.chdir(root)
    text = CliRunner().invoke(main, ["lint", str(reference)]).output
    assert '"VAE 인코드"' in text
    assert '"이미지 로드"' in text


def test_reference_subprocess(root: Path, reference: Path):
    environment = dict(os.environ, PYTHONIOENCODING="utf-8")
    completed = subprocess.run([sys.executable, "-m", "wfc", "lint", str(reference)], cwd=root,
                               capture_output=True, text=True, encoding="utf-8", timeout=60, env=environment)
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    lines = completed.stdout.splitlines()
    assert any(":15:" in line and "WFC202" in line and "cpu_offload" in line for line in lines)
    assert lines[-1].startswith("1 file checked: 2 errors, 4 warnings")
