"""The model-path field cases (kind ``model-paths`` in ../shared/cases), with their expected values."""

from __future__ import annotations

import json
import posixpath

import pytest

from wfc.graph import graph_from_json
from wfc.models.deployment import deployment_from_files
from wfc.models.files import VirtualFiles
from wfc.models.paths import parse_model_paths
from wfc.models.rules import resolve_graph


def load_case(shared, name):
    return json.loads((shared / "cases" / name).read_text(encoding="utf-8"))


def deployment_of(case_input, extra_yaml=""):
    text = case_input.get("extra_model_paths_yaml")
    root = case_input["comfyui_root"]
    model_paths = None
    if text is not None:
        location = posixpath.dirname(case_input.get("yaml_location") or posixpath.join(root, "x.yaml"))
        model_paths = parse_model_paths(text + extra_yaml, location=location, environ={})
        assert model_paths.errors == []
    files = VirtualFiles(case_input["files"], "case files")
    return deployment_from_files(model_paths, None, root, files)


def resolve_case(case, worker_catalog=None, extra_yaml=""):
    deployment = deployment_of(case["input"], extra_yaml)
    graph = graph_from_json(case["input"]["workflow"])
    return deployment, resolve_graph(graph, deployment, None, path="workflow.json", catalog=worker_catalog)


def diagnostics_of(results):
    return {(item.node, item.input): item.diagnostics for item in results}


def test_case_004_kind(shared):
    assert load_case(shared, "004-windows-backslash-subfolder.json")["kind"] == "model-paths"


def test_case_004_linux_listing(shared):
    case = load_case(shared, "004-windows-backslash-subfolder.json")
    deployment, _results = resolve_case(case)
    for folder, names in case["expected"]["catalog_on_linux"].items():
        assert deployment.resolver.listing(folder) == names


def test_case_004_backslash_errors(shared):
    case = load_case(shared, "004-windows-backslash-subfolder.json")
    _deployment, results = resolve_case(case)
    found = diagnostics_of(results)
    for error in case["expected"]["errors"]:
        diagnostics = found[(error["node"], error["input"])]
        assert len(diagnostics) == 1
        diagnostic = diagnostics[0]
        assert diagnostic.comfy_type == error["class"]
        assert diagnostic.rule == "model-windows-separator"
        assert repr(error["value"]) in diagnostic.message
        assert "separator" in diagnostic.message
        assert diagnostic.extra["suggestion"] == error["suggestion"]
        assert diagnostic.hint == f"write {error['suggestion']!r}"
        assert diagnostic.extra["fix"] == {"value": error["suggestion"]}


def test_case_006_search_paths(shared):
    case = load_case(shared, "006-a111-flux-needs-diffusion-models-key.json")
    deployment, _results = resolve_case(case)
    for folder, expected in case["expected"]["resolved_search_paths"].items():
        paths = deployment.folders[folder].paths
        from_yaml = [entry.path for entry in paths if entry.origin != "output"]
        assert from_yaml == expected
        # main.py's output folders come only after every path of the YAML.
        origins = [entry.origin for entry in paths]
        assert origins == sorted(origins, key=lambda origin: origin == "output")


def test_case_006_wrong_folder(shared):
    case = load_case(shared, "006-a111-flux-needs-diffusion-models-key.json")
    _deployment, results = resolve_case(case)
    error = case["expected"]["errors"][0]
    diagnostics = diagnostics_of(results)[(error["node"], error["input"])]
    assert len(diagnostics) == 1
    diagnostic = diagnostics[0]
    assert diagnostic.comfy_type == error["class"]
    assert diagnostic.rule == "model-wrong-folder"
    assert error["hint"] in diagnostic.message
    assert diagnostic.extra["suggestion"] == error["suggestion"]
    assert diagnostic.hint.startswith(error["suggestion"])
    assert "move the file to /opt/ComfyUI/models/diffusion_models" in diagnostic.hint


def test_case_006_never_suggests_checkpoint_loader(shared, worker_catalog):
    case = load_case(shared, "006-a111-flux-needs-diffusion-models-key.json")
    _deployment, results = resolve_case(case, worker_catalog)
    (diagnostic,) = results[0].diagnostics
    for word in ("CheckpointLoader", "loader of", "LoraLoader"):
        assert word not in diagnostic.hint


def test_case_006_after_fix(shared):
    case = load_case(shared, "006-a111-flux-needs-diffusion-models-key.json")
    _deployment, results = resolve_case(case, extra_yaml="    diffusion_models: models/Stable-diffusion\n")
    for key, expected in case["expected"]["after_fix"].items():
        node, name = key.split(".")
        item = next(result for result in results if (result.node, result.input) == (node, name))
        assert item.diagnostics == []
        assert item.location.full_path == expected


def test_case_008_checkpoint_in_unet(shared, worker_catalog):
    case = load_case(shared, "008-diffusion-model-requested-as-checkpoint.json")
    deployment, results = resolve_case(case, worker_catalog)
    error = case["expected"]["errors"][0]
    diagnostics = diagnostics_of(results)[(error["node"], error["input"])]
    assert len(diagnostics) == 1
    diagnostic = diagnostics[0]
    assert diagnostic.comfy_type == error["class"]
    assert diagnostic.rule == "model-wrong-folder"
    assert deployment.resolver.listing("checkpoints") == []
    assert "'checkpoints' listing is empty" in diagnostic.message
    # The case writes folder names without quotes; the message quotes them.
    listed_under, legacy = error["hint"].replace("'", "").split(" (")
    assert listed_under in diagnostic.message.replace("'", "")
    assert f"({legacy}" in diagnostic.message.replace("'", "")
    assert "registered only for 'diffusion_models'" in diagnostic.message
    assert diagnostic.extra["suggestion"] == error["suggestion"]
    assert diagnostic.hint.startswith(error["suggestion"])
    assert diagnostic.extra["folder"] == "diffusion_models"


def test_case_008_no_autofix(shared):
    case = load_case(shared, "008-diffusion-model-requested-as-checkpoint.json")
    _deployment, results = resolve_case(case)
    (diagnostic,) = results[0].diagnostics
    assert "fix" not in diagnostic.extra


def test_case_010_absolute_path(shared):
    case = load_case(shared, "010-absolute-path-as-model-name.json")
    _deployment, results = resolve_case(case)
    error = case["expected"]["errors"][0]
    (diagnostic,) = diagnostics_of(results)[(error["node"], error["input"])]
    assert diagnostic.comfy_type == error["class"]
    assert diagnostic.rule == "model-absolute-path"
    assert "absolute path" in diagnostic.message
    suggestion, explanation = error["suggestion"].split(" ", 1)
    assert diagnostic.extra["suggestion"] == suggestion
    assert diagnostic.hint == f"write {suggestion!r} {explanation}"


@pytest.mark.parametrize("value, rule, suggested", [
    ("/runpod-volume/custom_model_v1.safetensors", "model-absolute-path", False),
    ("../checkpoints/custom_model_v1.safetensors", "model-parent-reference", False),
    ("sub/../custom_model_v1.safetensors", "model-parent-reference", False),
])
def test_case_010_also(shared, value, rule, suggested):
    case = load_case(shared, "010-absolute-path-as-model-name.json")
    case["input"]["workflow"]["4"]["inputs"]["ckpt_name"] = value
    _deployment, results = resolve_case(case)
    (diagnostic,) = results[0].diagnostics
    assert diagnostic.rule == rule
    assert diagnostic.comfy_type == "value_not_in_list"
    assert ("suggestion" in diagnostic.extra) is suggested
