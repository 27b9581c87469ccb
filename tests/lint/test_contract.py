"""The worker contract: image inputs found by id, title or order, output nodes, manifests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from wfc.config import Config, ConfigError

IMAGES = {
    "load_image": {"titles": ["load_image", "이미지 로드"]},
    "background_load_image": {"titles": ["background_load_image", "background"]},
}

GRAPH: dict[str, Any] = {
    "10": {"class_type": "LoadImage", "inputs": {"image": "hero.png"}, "_meta": {"title": "이미지 로드"}},
    "11": {"class_type": "LoadImage", "inputs": {"image": "bg.png"}, "_meta": {"title": "Background"}},
    "12": {"class_type": "ImageBlend", "inputs": {"image1": ["10", 0], "image2": ["11", 0], "blend_factor": 0.5,
                                                  "blend_mode": "normal"}},
    "13": {"class_type": "SaveImage", "inputs": {"images": ["12", 0], "filename_prefix": "out"}},
}


def _config(**contract: Any) -> Config:
    section = {"images": copy.deepcopy(IMAGES), **contract}
    return Config(root=Path.cwd(), data={"contract": section})


def _contract_codes(diagnostics) -> list[tuple[str, str | None]]:
    return [(diag.code, diag.node) for diag in diagnostics if diag.code.startswith("WFC4")]


def test_titles_match_both_images(lint_dict):
    diagnostics = lint_dict(GRAPH, _config())
    assert diagnostics == []  # hero.png and bg.png are supplied by the worker, so not WFC209


def test_uncontracted_file_inputs_checked(lint_dict):
    assert {(diag.code, diag.node) for diag in lint_dict(GRAPH)} == {("WFC209", "10"), ("WFC209", "11")}


def test_missing_background_named(lint_dict):
    data = copy.deepcopy(GRAPH)
    del data["11"]
    data["12"]["inputs"]["image2"] = ["10", 0]
    diagnostics = lint_dict(data, _config())
    [missing] = [diag for diag in diagnostics if diag.code == "WFC401"]
    assert "'background_load_image'" in missing.message
    assert "10 \"이미지 로드\" (used for 'load_image')" in missing.message
    assert missing.extra["image"] == "background_load_image"


def test_order_assigns_untitled_nodes(lint_dict):
    data = copy.deepcopy(GRAPH)
    data["10"]["_meta"]["title"] = "Load Image"
    data["11"]["_meta"]["title"] = "Load Image"
    assert _contract_codes(lint_dict(data, _config())) == []
    assert _contract_codes(lint_dict(data, _config(assign_by_order=False))) == [("WFC401", None), ("WFC401", None)]


def test_explicit_node_id(lint_dict):
    config = _config()
    config.data["contract"]["images"]["background_load_image"]["node"] = "11"
    config.data["contract"]["images"]["load_image"]["node"] = "12"
    assert _contract_codes(lint_dict(GRAPH, config)) == [("WFC402", "12")]
    config.data["contract"]["images"]["load_image"]["node"] = "99"
    [wrong] = [diag for diag in lint_dict(GRAPH, config) if diag.code == "WFC402"]
    assert "node '99', which is not in the workflow" in wrong.message


def test_ambiguous_titles(lint_dict):
    data = copy.deepcopy(GRAPH)
    data["11"]["_meta"]["title"] = "load_image"
    codes = _contract_codes(lint_dict(data, _config()))
    assert ("WFC404", "10") in codes
    assert ("WFC401", None) in codes


def test_output_required(lint_dict):
    data = copy.deepcopy(GRAPH)
    data["13"]["class_type"] = "PreviewImage"
    del data["13"]["inputs"]["filename_prefix"]
    assert _contract_codes(lint_dict(data, _config())) == [("WFC403", None)]


def test_forbidden_class(lint_dict):
    assert _contract_codes(lint_dict(GRAPH, _config(forbidden_classes=["ImageBlend"]))) == [("WFC405", "12")]


@pytest.mark.parametrize("section, message", [
    ({"images": []}, "images must be a table"),
    ({"images": {"load_image": "x"}}, "must be a table"),
    ({"images": {"load_image": {"titles": [1]}}}, "titles must be a string or a list of strings"),
    ({"min_outputs": "one"}, "min_outputs must be a non-negative integer"),
    ({"assign_by_order": "yes"}, "assign_by_order must be true or false"),
])
def test_invalid_contract_settings(section, message):
    from wfc.lint.contract import load_contract

    with pytest.raises(ConfigError, match=message):
        load_contract(Config(root=Path.cwd(), data={"contract": section}))


def _manifest(parameters: Any) -> dict[str, Any]:
    return {"parameters": parameters}


MANIFEST_SHAPES = [
    {"load_image": {"kind": "image", "bindings": [["10", "image"]]},
     "background_load_image": {"kind": "image", "bindings": [{"node": "11", "input": "image"}]}},
    [{"name": "load_image", "kind": "image", "bindings": [["10", "image"]]},
     {"name": "background_load_image", "kind": "image", "bindings": [["11", "image"]]}],
]


@pytest.mark.parametrize("parameters", MANIFEST_SHAPES, ids=["object", "list"])
def test_manifest_parameters_satisfy_contract(lint_dict, parameters):
    data = copy.deepcopy(GRAPH)
    for node in data.values():
        node.pop("_meta", None)  # titles do not matter for an artifact
    assert lint_dict(data, _config(), manifest=_manifest(parameters)) == []


def test_manifest_missing_parameter(lint_dict):
    parameters = {"load_image": {"kind": "image", "bindings": [["10", "image"]]},
                  "background_load_image": {"kind": "value", "bindings": [["11", "image"]]}}
    diagnostics = lint_dict(GRAPH, _config(), manifest=_manifest(parameters))
    [missing] = [diag for diag in diagnostics if diag.code == "WFC401"]
    assert "background_load_image" in missing.message
    assert "no image parameter of that name" in missing.message


def test_manifest_wrong_binding(lint_dict):
    parameters = {"load_image": {"kind": "image", "bindings": [["10", "image"]]},
                  "background_load_image": {"kind": "image", "bindings": [["12", "image1"]]}}
    [missing] = [diag for diag in lint_dict(GRAPH, _config(), manifest=_manifest(parameters)) if diag.code == "WFC401"]
    assert "are not LoadImage.image inputs" in missing.message


def test_artifact_file_uses_manifest(tmp_path: Path, worker_catalog):
    from wfc.lint.runner import lint_file

    data = copy.deepcopy(GRAPH)
    for node in data.values():
        node["_meta"] = {"title": "Load Image"}
    (tmp_path / "flow.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "flow.manifest.json").write_text(json.dumps(_manifest(MANIFEST_SHAPES[0])), encoding="utf-8")
    result = lint_file(tmp_path / "flow.json", worker_catalog, _config(assign_by_order=False))
    assert result.format == "artifact"
    assert [diag.code for diag in result.diagnostics if diag.code.startswith("WFC4")] == []
