"""Orphan artifacts: compiled files in the output folder whose spec is gone or builds another name."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wfc.artifact_orphans import find_orphans

# A spec that needs no generated node module, so the project below is self-contained.
SPEC = """
from wfc.spec import Workflow, node

with Workflow({name!r}) as wf:
    plate = node("LoadImage", image=wf.image("load_image"))
    wf.output("image", node("SaveImage", images=plate[0], filename_prefix={name!r}))
"""


@pytest.fixture
def project(root, tmp_path) -> Path:
    """A project with specs `keep` and `gone` compiled into workflows/, plus files that are not artifacts."""
    catalog = (root / "worker" / "catalog.json").as_posix()
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(f"""
        [tool.wfc]
        catalog = "{catalog}"
        specs = "specs"
        workflows = "workflows"
    """), encoding="utf-8")
    (tmp_path / "specs").mkdir()
    for name in ("keep", "gone"):
        write(tmp_path, name, name)
    compiled = run_cli(tmp_path, "compile")
    assert compiled.returncode == 0, compiled.stderr
    (tmp_path / "workflows" / "hand_written.json").write_text('{"1": {"class_type": "SaveImage"}}\n', encoding="utf-8")
    (tmp_path / "workflows" / "other.manifest.json").write_text('{"format": "other/1", "graph": "hand_written.json"}\n',
                                                                encoding="utf-8")
    return tmp_path


def write(project: Path, file_name: str, workflow_name: str) -> Path:
    path = project / "specs" / f"{file_name}.py"
    path.write_text(SPEC.format(name=workflow_name), encoding="utf-8")
    return path


def run_cli(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wfc", *arguments, "--config", str(project / "pyproject.toml")],
                          cwd=project, capture_output=True, text=True, timeout=120)


def listing(project: Path) -> list[str]:
    return sorted(path.name for path in (project / "workflows").iterdir())


ALL_FILES = ["gone.json", "gone.manifest.json", "hand_written.json", "keep.json", "keep.manifest.json",
             "other.manifest.json"]


def test_check_reports_deleted_spec(project):
    (project / "specs" / "gone.py").unlink()

    result = run_cli(project, "compile", "--check")

    assert result.returncode == 1
    assert ("workflows/gone.json and workflows/gone.manifest.json: orphan artifact: its source spec "
            "specs/gone.py no longer exists") in result.stderr
    assert "hand_written" not in result.stderr
    assert "other.manifest.json" not in result.stderr
    assert listing(project) == ALL_FILES


def test_compile_removes_deleted_spec(project):
    (project / "specs" / "gone.py").unlink()

    result = run_cli(project, "compile")
    again = run_cli(project, "compile", "--check")

    assert result.returncode == 0, result.stderr
    assert "workflows/gone.json: removed (orphan artifact: its source spec specs/gone.py no longer exists)" in result.stdout
    assert "workflows/gone.manifest.json: removed" in result.stdout
    assert listing(project) == ["hand_written.json", "keep.json", "keep.manifest.json", "other.manifest.json"]
    assert again.returncode == 0, again.stderr


def test_check_explicit_specs_ignores_orphans(project):
    (project / "specs" / "gone.py").unlink()

    checked = run_cli(project, "compile", "--check", "specs/keep.py")
    compiled = run_cli(project, "compile", "specs/keep.py")

    assert checked.returncode == 0, checked.stderr
    assert compiled.returncode == 0, compiled.stderr
    assert "orphan" not in checked.stderr + compiled.stderr + compiled.stdout
    assert listing(project) == ALL_FILES


def test_renamed_workflow_leaves_orphan(project):
    write(project, "gone", "renamed")

    checked = run_cli(project, "compile", "--check")
    compiled = run_cli(project, "compile")

    assert checked.returncode == 1
    assert "its source spec specs/gone.py now builds workflow 'renamed'" in checked.stderr
    assert compiled.returncode == 0, compiled.stderr
    assert "gone.json" not in listing(project)
    assert "renamed.manifest.json" in listing(project)


def test_broken_spec_keeps_its_artifact(project):
    (project / "specs" / "gone.py").write_text("raise RuntimeError('half edited')\n", encoding="utf-8")

    result = run_cli(project, "compile")

    assert result.returncode == 1
    assert "WFC701" in result.stderr
    assert "orphan" not in result.stderr + result.stdout
    assert listing(project) == ALL_FILES


def test_broken_spec_blocks_orphan_removal(project):
    (project / "specs" / "gone.py").unlink()
    (project / "specs" / "keep.py").write_text("raise RuntimeError('half edited')\n", encoding="utf-8")

    result = run_cli(project, "compile")

    assert result.returncode == 1
    assert "gone.manifest.json: orphan artifact" in result.stderr
    assert "not removed because 1 spec(s) failed to build" in result.stderr
    assert listing(project) == ALL_FILES


def test_find_orphans_names_unbuilt_source(tmp_path):
    out = tmp_path / "workflows"
    out.mkdir()
    spec = tmp_path / "specs" / "a.py"
    spec.parent.mkdir()
    spec.write_text("", encoding="utf-8")
    manifest = {"format": "wfc-artifact/1", "name": "a", "graph": "a.json", "source": {"path": "specs/a.py"}}
    (out / "a.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (out / "a.json").write_text("{}", encoding="utf-8")
    stray = {"format": "wfc-artifact/1", "name": "b", "graph": "../escape.json"}
    (out / "b.manifest.json").write_text(json.dumps(stray), encoding="utf-8")

    kept = find_orphans(out, {}, {spec.resolve()}, tmp_path)
    orphans = find_orphans(out, {}, set(), tmp_path)

    assert [orphan.name for orphan in kept] == ["b"]
    assert [orphan.name for orphan in orphans] == ["a", "b"]
    assert orphans[0].files == [out / "a.json", out / "a.manifest.json"]
    assert "is not among the compiled specs" in orphans[0].reason
    # A graph name that leaves the folder is never removed; only the manifest is.
    assert orphans[1].files == [out / "b.manifest.json"]
    assert "names no source spec" in orphans[1].reason
