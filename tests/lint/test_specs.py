"""Specs: the compiled graph is linted and findings point at spec lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from wfc.cli import main

pytest.importorskip("wfc.compiler", reason="the spec compiler (wfc.compiler) is not installed")

SPEC = '''\
from specs.nodes import ImageScale, LoadImage, SaveImage
from wfc.spec import Workflow

with Workflow("lint_probe") as wf:
    plate = LoadImage(id=1, title="load_image", image="example.png")
    scaled = ImageScale(id=2, image=plate.IMAGE, upscale_method="area", width=20000, height=64, crop="disabled"){marker}
    wf.output("image", SaveImage(id=3, images=scaled, filename_prefix="probe"))
'''


def _lint_spec(tmp_path: Path, marker: str = "") -> tuple[int, dict]:
    spec = tmp_path / "probe.py"
    spec.write_text(SPEC.format(marker=marker), encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--config", str(ROOT / "pyproject.toml"), "--no-contract",
                                       "--format", "json", str(spec)])
    return result.exit_code, json.loads(result.output)


def test_spec_finding_on_spec_line(tmp_path: Path):
    exit_code, report = _lint_spec(tmp_path)
    assert exit_code == 1
    [entry] = report["files"]
    assert entry["format"] == "spec"
    [above] = [diag for diag in entry["diagnostics"] if diag["code"] == "WFC206"]
    assert above["node"] == "2"
    assert above["line"] == 6


def test_spec_ignore_comment(tmp_path: Path):
    exit_code, report = _lint_spec(tmp_path, "  # wfc: ignore[WFC206]")
    assert exit_code == 0
    assert [diag["code"] for diag in report["files"][0]["diagnostics"]] == []


def test_spec_ignore_other_code_keeps_finding(tmp_path: Path):
    exit_code, report = _lint_spec(tmp_path, "  # wfc: ignore[WFC208]")
    assert exit_code == 1


def test_spec_build_failure(tmp_path: Path):
    spec = tmp_path / "broken.py"
    spec.write_text("from wfc.spec import Workflow\n\nwith Workflow('broken') as wf:\n    raise RuntimeError('no')\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--config", str(ROOT / "pyproject.toml"), "--format", "json", str(spec)])
    assert result.exit_code == 1
    [diagnostic] = json.loads(result.output)["files"][0]["diagnostics"]
    assert diagnostic["code"] == "WFC701"
    assert diagnostic["line"] == 4
    assert "Traceback" not in result.output


def test_repository_specs_and_workflows_lint_clean(root: Path, monkeypatch):
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["lint", "--strict", "workflows", "specs"])
    assert result.exit_code == 0, result.output
