"""check_manifest and load_artifact: clean on the shipped artifacts, specific findings on tampered ones."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from wfc.artifact import ArtifactError, check_manifest, load_artifact
from wfc.catalog import Catalog

SHIPPED = ["qwen_image_edit_2509", "plate_composite"]


@pytest.fixture
def artifact_copy(root, tmp_path):
    """Copy the Qwen artifact into tmp_path; return (graph path, manifest path)."""
    for suffix in (".json", ".manifest.json"):
        shutil.copy(root / "workflows" / f"qwen_image_edit_2509{suffix}", tmp_path)
    return tmp_path / "qwen_image_edit_2509.json", tmp_path / "qwen_image_edit_2509.manifest.json"


def edit_manifest(path, change):
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def codes(diagnostics):
    return [diagnostic.code for diagnostic in diagnostics]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_manifest_clean(root, worker_catalog, project_config, name):
    diagnostics = check_manifest(root / "workflows" / f"{name}.manifest.json", worker_catalog, project_config)

    assert diagnostics == []


@pytest.mark.parametrize("name", SHIPPED)
def test_load_artifact_reads_graph(root, name):
    artifact = load_artifact(root / "workflows" / f"{name}.manifest.json")

    assert artifact.name == name
    assert artifact.graph == json.loads((root / "workflows" / f"{name}.json").read_text(encoding="utf-8"))


def test_edited_graph_detected(artifact_copy, worker_catalog, project_config):
    graph, manifest = artifact_copy
    graph.write_text(graph.read_text(encoding="utf-8").replace('"steps": 2', '"steps": 3'), encoding="utf-8")

    diagnostics = check_manifest(manifest, worker_catalog, project_config)

    assert codes(diagnostics) == ["WFC801"]
    assert diagnostics[0].line is not None
    with pytest.raises(ArtifactError, match="edited after compiling"):
        load_artifact(manifest)


def test_other_catalog_warned(artifact_copy, project_config):
    _, manifest = artifact_copy

    diagnostics = check_manifest(manifest, Catalog(classes={}), project_config)

    assert codes(diagnostics) == ["WFC802"]


def test_binding_to_missing_node(artifact_copy, worker_catalog, project_config):
    _, manifest = artifact_copy
    edit_manifest(manifest, lambda data: data["parameters"]["steps"]["bindings"].append({"node": "999", "input": "steps"}))

    diagnostics = check_manifest(manifest, worker_catalog, project_config)

    assert codes(diagnostics) == ["WFC803"]
    assert "'999'" in diagnostics[0].message


def test_binding_to_missing_input(artifact_copy, worker_catalog, project_config):
    _, manifest = artifact_copy
    edit_manifest(manifest, lambda data: data["parameters"]["steps"]["bindings"].__setitem__(0, {"node": "3", "input": "stepz"}))

    diagnostics = check_manifest(manifest, worker_catalog, project_config)

    assert codes(diagnostics) == ["WFC803"]
    assert "'stepz'" in diagnostics[0].message


def test_binding_to_link_input(artifact_copy, worker_catalog, project_config):
    _, manifest = artifact_copy
    edit_manifest(manifest, lambda data: data["parameters"]["steps"]["bindings"].__setitem__(0, {"node": "3", "input": "model"}))

    diagnostics = check_manifest(manifest, worker_catalog, project_config)

    assert codes(diagnostics) == ["WFC803"]
    assert "is a link" in diagnostics[0].message


def test_schema_missing_property(artifact_copy, worker_catalog, project_config):
    _, manifest = artifact_copy
    edit_manifest(manifest, lambda data: data["input_schema"]["properties"].pop("image_name"))

    diagnostics = check_manifest(manifest, worker_catalog, project_config)

    assert codes(diagnostics) == ["WFC804"]
    assert "'image_name'" in diagnostics[0].message


def test_schema_open_to_unknown_fields(artifact_copy, worker_catalog, project_config):
    _, manifest = artifact_copy
    edit_manifest(manifest, lambda data: data["input_schema"].__setitem__("additionalProperties", True))

    diagnostics = check_manifest(manifest, worker_catalog, project_config)

    assert codes(diagnostics) == ["WFC804"]


def test_output_class_mismatch(artifact_copy, worker_catalog, project_config):
    _, manifest = artifact_copy
    edit_manifest(manifest, lambda data: data["outputs"]["image"].__setitem__("class_type", "PreviewImage"))

    diagnostics = check_manifest(manifest, worker_catalog, project_config)

    assert codes(diagnostics) == ["WFC806"]


def test_models_entry_mismatch(artifact_copy, worker_catalog, project_config):
    _, manifest = artifact_copy
    edit_manifest(manifest, lambda data: data["models"][0].__setitem__("name", "other.safetensors"))

    diagnostics = check_manifest(manifest, worker_catalog, project_config)

    assert codes(diagnostics) == ["WFC806"]


def test_not_a_manifest(tmp_path, worker_catalog, project_config):
    path = tmp_path / "x.manifest.json"
    path.write_text('{"format": "something-else"}', encoding="utf-8")

    diagnostics = check_manifest(path, worker_catalog, project_config)

    assert codes(diagnostics) == ["WFC800"]
    assert "wfc-artifact/1" in diagnostics[0].message


def test_truncated_manifest(tmp_path, worker_catalog, project_config, root):
    path = tmp_path / "x.manifest.json"
    path.write_bytes((root / "workflows" / "plate_composite.manifest.json").read_bytes()[:200])

    diagnostics = check_manifest(path, worker_catalog, project_config)

    assert codes(diagnostics) == ["WFC800"]


def test_stale_source_warned(artifact_copy, worker_catalog, project_config):
    _, manifest = artifact_copy
    edit_manifest(manifest, lambda data: data["source"].__setitem__("digest", "sha256:" + "0" * 64))

    diagnostics = check_manifest(manifest, worker_catalog, project_config)

    assert codes(diagnostics) == ["WFC805"]


# --- parameters against a changed catalog --------------------------------------------------------


def changed_catalog(root, tmp_path, change):
    """Write worker/catalog.json with one KSampler input changed; return (catalog path, Catalog)."""
    from wfc.catalog import load_catalog

    data = json.loads((root / "worker" / "catalog.json").read_text(encoding="utf-8"))
    data.pop("digest", None)
    inputs = {entry["name"]: entry for entry in data["classes"]["KSampler"]["inputs"]}
    change(inputs)
    path = tmp_path / "changed_catalog.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path, load_catalog(path)


def catalog_findings(diagnostics):
    return [diagnostic for diagnostic in diagnostics if diagnostic.code == "WFC807"]


def test_lowered_maximum_reported(root, tmp_path, project_config):
    _, catalog = changed_catalog(root, tmp_path, lambda inputs: inputs["steps"]["config"].update(max=3))

    diagnostics = check_manifest(root / "workflows" / "qwen_image_edit_2509.manifest.json", catalog, project_config)
    findings = catalog_findings(diagnostics)

    assert [(finding.node, finding.input) for finding in findings] == [("3", "steps")]
    assert findings[0].message == ("parameter 'steps' allows up to 10000, but KSampler input 'steps' (node 3) "
                                   "accepts at most 3 in this catalog; recompile")
    assert findings[0].line is not None
    assert "--catalog" in str(findings[0].hint)


def test_raised_minimum_reported(root, tmp_path, project_config):
    _, catalog = changed_catalog(root, tmp_path, lambda inputs: inputs["cfg"]["config"].update(min=2.0))

    findings = catalog_findings(check_manifest(root / "workflows" / "qwen_image_edit_2509.manifest.json",
                                               catalog, project_config))

    assert [(finding.node, finding.input) for finding in findings] == [("3", "cfg")]
    assert "allows down to 0.0" in findings[0].message
    assert "accepts at least 2.0" in findings[0].message


def test_removed_option_reported(root, tmp_path, project_config):
    _, catalog = changed_catalog(root, tmp_path, lambda inputs: inputs["scheduler"]["options"].remove("karras"))

    findings = catalog_findings(check_manifest(root / "workflows" / "qwen_image_edit_2509.manifest.json",
                                               catalog, project_config))

    assert [(finding.node, finding.input) for finding in findings] == [("3", "scheduler")]
    assert "parameter 'scheduler' allows 'karras'" in findings[0].message
    assert "does not accept it" in findings[0].message


def test_changed_input_type_reported(root, tmp_path, project_config):
    def to_string(inputs):
        inputs["steps"]["type"] = "STRING"

    _, catalog = changed_catalog(root, tmp_path, to_string)

    findings = catalog_findings(check_manifest(root / "workflows" / "qwen_image_edit_2509.manifest.json",
                                               catalog, project_config))

    assert [(finding.node, finding.input) for finding in findings] == [("3", "steps")]
    assert "parameter 'steps' has JSON type integer, but KSampler input 'steps' (node 3) is STRING" in findings[0].message


def test_model_and_image_options_unchecked(root, tmp_path, project_config):
    manifest = json.loads((root / "workflows" / "qwen_image_edit_2509.manifest.json").read_text(encoding="utf-8"))
    kinds = {entry["kind"] for entry in manifest["parameters"].values()}
    from wfc.catalog import load_catalog

    data = json.loads((root / "worker" / "catalog.json").read_text(encoding="utf-8"))
    data.pop("digest", None)
    for entry in data["classes"].values():
        for spec in entry["inputs"]:
            if spec.get("options") and spec["name"] in ("image", "vae_name", "clip_name", "model_name", "lora_name"):
                spec["options"] = ["only_this_file"]
    path = tmp_path / "narrow_files.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    diagnostics = check_manifest(root / "workflows" / "qwen_image_edit_2509.manifest.json", load_catalog(path),
                                 project_config)

    assert {"image", "model"} <= kinds
    assert catalog_findings(diagnostics) == []


def test_cli_lint_changed_catalog_fails(root, tmp_path):
    path, _ = changed_catalog(root, tmp_path, lambda inputs: inputs["steps"]["config"].update(max=3))

    result = subprocess.run([sys.executable, "-m", "wfc", "lint", "--catalog", str(path), "workflows"],
                            cwd=root, capture_output=True, text=True, timeout=60)

    assert result.returncode == 1
    assert "WFC807" in result.stdout
    assert "accepts at most 3" in result.stdout
