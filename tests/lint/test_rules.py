"""Rule by rule: one fault injected into a clean graph, the diagnostic it must produce.

The graph is checked against the committed worker catalog with no settings, so neither the
contract nor the model profile applies.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.lint.conftest import codes
from wfc.diagnostics import Severity

CLEAN: dict[str, Any] = {
    "1": {"class_type": "LoadImage", "inputs": {"image": "example.png"}, "_meta": {"title": "Load Image"}},
    "2": {"class_type": "ImageScale", "inputs": {"image": ["1", 0], "upscale_method": "nearest-exact",
                                                 "width": 512, "height": 512, "crop": "disabled"}},
    "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "out"}},
    "4": {"class_type": "VAELoader", "inputs": {"vae_name": "qwen_image_vae.1.safetensors"}},
    "5": {"class_type": "VAEEncode", "inputs": {"pixels": ["2", 0], "vae": ["4", 0]}},
    "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["4", 0]}},
    "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "roundtrip"}},
}


def graph_with(**changes: Any) -> dict[str, Any]:
    """Copy CLEAN and apply changes keyed "node__input" (value None deletes the input)."""
    data = copy.deepcopy(CLEAN)
    for key, value in changes.items():
        node, name = key.split("__")
        if value is None:
            del data[node]["inputs"][name]
        else:
            data[node]["inputs"][name] = value
    return data


def test_clean_graph_has_no_findings(lint_dict):
    assert lint_dict(CLEAN) == []


def test_value_wrapper_is_clean(lint_dict):
    assert lint_dict(graph_with(**{"2__width": {"__value__": 512}})) == []


# (changes, expected code, node, input, ComfyUI error type or None)
CATALOG_CASES = [
    ({"2__width": None}, "WFC202", "2", "width", "required_input_missing"),
    ({"3__images": ["4", 0]}, "WFC203", "3", "images", "return_type_mismatch"),
    ({"2__width": "abc"}, "WFC204", "2", "width", "invalid_input_type"),
    ({"2__width": -1}, "WFC205", "2", "width", "value_smaller_than_min"),
    ({"2__width": 20000}, "WFC206", "2", "width", "value_bigger_than_max"),
    ({"2__width": "20000"}, "WFC206", "2", "width", "value_bigger_than_max"),
    ({"2__upscale_method": "lanczos4"}, "WFC207", "2", "upscale_method", "value_not_in_list"),
    ({"4__vae_name": "other_vae.safetensors"}, "WFC207", "4", "vae_name", "value_not_in_list"),
    ({"2__foo": 1}, "WFC208", "2", "foo", None),
    ({"1__image": "missing.png"}, "WFC209", "1", "image", "custom_validation_failed"),
    ({"3__images": "picture.png"}, "WFC210", "3", "images", None),
    ({"2__width": "512"}, "WFC211", "2", "width", None),
    ({"2__width": 512.7}, "WFC211", "2", "width", None),
    ({"3__prompt": "{}"}, "WFC213", "3", "prompt", None),
]


@pytest.mark.parametrize("changes, code, node, input_name, comfy_type", CATALOG_CASES,
                         ids=[f"{case[1]}-{'-'.join(case[0])}" for case in CATALOG_CASES])
def test_catalog_rule(lint_dict, changes, code, node, input_name, comfy_type):
    found = [diag for diag in lint_dict(graph_with(**changes)) if diag.code == code]
    assert [(diag.node, diag.input) for diag in found] == [(node, input_name)]
    assert found[0].comfy_type == comfy_type
    assert found[0].node == node and found[0].class_type == CLEAN[node]["class_type"]


def test_all_missing_inputs_reported(lint_dict):
    diagnostics = lint_dict(graph_with(**{"2__width": None, "2__height": None, "2__crop": None}))
    assert codes(diagnostics) == [("WFC202", "2", "crop"), ("WFC202", "2", "height"), ("WFC202", "2", "width")]
    assert {diag.pointer for diag in diagnostics} == {"/2/inputs/width", "/2/inputs/height", "/2/inputs/crop"}


def test_converted_value_is_warning_only(lint_dict):
    diagnostics = lint_dict(graph_with(**{"2__width": "512"}))
    assert [diag.severity for diag in diagnostics] == [Severity.WARNING]
    assert "converts to 512" in diagnostics[0].message


def test_truncated_float_named(lint_dict):
    [diagnostic] = lint_dict(graph_with(**{"2__width": 512.7}))
    assert "truncates to 512" in diagnostic.message


def test_combo_case_slip_hint(lint_dict):
    [diagnostic] = lint_dict(graph_with(**{"2__upscale_method": "Bilinear"}))
    assert diagnostic.code == "WFC207"
    assert diagnostic.hint.startswith("case differs from the option 'bilinear'")
    assert diagnostic.extra["suggestion"] == "bilinear"


def test_combo_separator_slip_hint(lint_dict):
    [diagnostic] = lint_dict(graph_with(**{"2__upscale_method": "nearest_exact"}))
    assert diagnostic.hint.startswith("separator differs from the option 'nearest-exact'")


def test_model_list_hint_mentions_profile(lint_dict):
    [diagnostic] = lint_dict(graph_with(**{"4__vae_name": "other_vae.safetensors"}))
    assert "--profile" in diagnostic.hint


def test_unknown_input_did_you_mean(lint_dict):
    [diagnostic] = lint_dict(graph_with(**{"2__heigth": 5}))
    assert diagnostic.code == "WFC208"
    assert diagnostic.severity == Severity.WARNING
    assert diagnostic.extra["suggestions"][0] == "height"


def test_renamed_input_suggestion(lint_dict):
    diagnostics = lint_dict(graph_with(**{"2__width": None, "2__widht": 640}))
    assert codes(diagnostics) == [("WFC202", "2", "width"), ("WFC208", "2", "widht")]
    missing, stray = diagnostics
    assert "'widht'" in missing.hint
    assert stray.hint == "rename input 'widht' to 'width'"
    assert stray.extra["rename_to"] == "width"


def test_rename_needs_compatible_type(lint_dict):
    """A string that is not an INT is no rename candidate for an INT input."""
    diagnostics = lint_dict(graph_with(**{"2__width": None, "2__widht": "wide"}))
    stray = [diag for diag in diagnostics if diag.code == "WFC208"]
    assert "rename_to" not in stray[0].extra


def test_hidden_input_is_info(lint_dict):
    [diagnostic] = lint_dict(graph_with(**{"3__prompt": "{}"}))
    assert diagnostic.severity == Severity.INFO


def test_file_input_folder_annotation(lint_dict):
    assert lint_dict(graph_with(**{"1__image": "result.png [output]"})) == []
    assert lint_dict(graph_with(**{"1__image": "example.png [input]"})) == []


def test_unknown_class_did_you_mean(lint_dict):
    data = copy.deepcopy(CLEAN)
    data["2"]["class_type"] = "ImageScal"
    found = [diag for diag in lint_dict(data) if diag.code == "WFC201"]
    assert [(diag.node, diag.comfy_type) for diag in found] == [("2", "invalid_prompt")]
    assert "'ImageScale'" in found[0].hint
    assert found[0].pointer == "/2/class_type"


def test_every_unknown_class_reported(lint_dict):
    data = copy.deepcopy(CLEAN)
    data["2"]["class_type"] = "NoSuchNodeA"
    data["6"]["class_type"] = "NoSuchNodeB"
    assert [diag.node for diag in lint_dict(data) if diag.code == "WFC201"] == ["2", "6"]


def test_v3_combo_unchecked_by_comfyui(lint_dict):
    data = copy.deepcopy(CLEAN)
    data["8"] = {"class_type": "LatentConcat", "inputs": {"samples1": ["5", 0], "samples2": ["5", 0], "dim": "z"}}
    data["6"]["inputs"]["samples"] = ["8", 0]
    [diagnostic] = lint_dict(data)
    assert (diagnostic.code, diagnostic.severity, diagnostic.comfy_type) == ("WFC212", Severity.WARNING, None)


def test_boolean_from_string(lint_dict):
    data = copy.deepcopy(CLEAN)
    data["8"] = {"class_type": "GrowMask", "inputs": {"mask": ["1", 1], "expand": 2, "tapered_corners": "false"}}
    data["9"] = {"class_type": "MaskToImage", "inputs": {"mask": ["8", 0]}}
    data["10"] = {"class_type": "SaveImage", "inputs": {"images": ["9", 0], "filename_prefix": "mask"}}
    [diagnostic] = lint_dict(data)
    assert (diagnostic.code, diagnostic.input) == ("WFC211", "tapered_corners")
    assert "reads as True" in diagnostic.message


# --- structure ---------------------------------------------------------------------------------

STRUCTURE_CASES = [
    ({"3__images": ["2", 0, 1]}, "WFC110", "3", "images", "bad_linked_input", Severity.ERROR),
    ({"3__images": [2, 0]}, "WFC110", "3", "images", "exception_during_inner_validation", Severity.ERROR),
    ({"3__images": ["2", "0"]}, "WFC110", "3", "images", "exception_during_inner_validation", Severity.ERROR),
    ({"3__images": ["99", 0]}, "WFC111", "3", "images", None, Severity.ERROR),
    ({"3__images": ["2", 3]}, "WFC112", "3", "images", None, Severity.ERROR),
    ({"3__images": ["2", -1]}, "WFC112", "3", "images", None, Severity.WARNING),
]


@pytest.mark.parametrize("changes, code, node, input_name, comfy_type, severity", STRUCTURE_CASES,
                         ids=[f"{case[1]}-{case[0]['3__images']}" for case in STRUCTURE_CASES])
def test_link_rule(lint_dict, changes, code, node, input_name, comfy_type, severity):
    found = [diag for diag in lint_dict(graph_with(**changes)) if diag.code == code]
    assert [(diag.node, diag.input, diag.comfy_type, diag.severity) for diag in found] == [
        (node, input_name, comfy_type, severity)]


def test_dangling_link_message(lint_dict):
    [diagnostic] = [diag for diag in lint_dict(graph_with(**{"3__images": ["99", 0]})) if diag.code == "WFC111"]
    assert "links to node '99', which is not in the workflow" in diagnostic.message
    assert diagnostic.pointer == "/3/inputs/images"


def test_numeric_link_id_hint(lint_dict):
    [diagnostic] = [diag for diag in lint_dict(graph_with(**{"3__images": [2, 0]})) if diag.code == "WFC110"]
    assert diagnostic.hint == 'node ids are strings: ["2", 0]'


def test_slot_out_of_range_lists_outputs(lint_dict):
    [diagnostic] = [diag for diag in lint_dict(graph_with(**{"3__images": ["4", 1]})) if diag.code == "WFC112"]
    assert "which has 1 output (0 VAE)" in diagnostic.message


def test_cycle_reported_once(lint_dict):
    diagnostics = lint_dict(graph_with(**{"2__image": ["6", 0]}))
    cycles = [diag for diag in diagnostics if diag.code == "WFC113"]
    assert len(cycles) == 1
    assert cycles[0].extra["cycle"] == ["2", "5", "6"]


def test_self_loop_is_cycle(lint_dict):
    data = copy.deepcopy(CLEAN)
    data["8"] = {"class_type": "ImageInvert", "inputs": {"image": ["8", 0]}}
    data["3"]["inputs"]["images"] = ["8", 0]
    assert [diag.node for diag in lint_dict(data) if diag.code == "WFC113"] == ["8"]


def test_self_link_message(lint_dict):
    data = copy.deepcopy(CLEAN)
    data["8"] = {"class_type": "ImageInvert", "inputs": {"image": ["8", 0]}}
    [diagnostic] = [diag for diag in lint_dict(data) if diag.code == "WFC113"]
    assert diagnostic.message == "node 8 links to itself (input 'image' reads the node's own output); it can never run"
    assert diagnostic.input == "image"
    data["9"] = {"class_type": "ImageBlend", "inputs": {"image1": ["9", 0], "image2": ["9", 0], "blend_factor": 0.5,
                                                          "blend_mode": "normal"}}
    [diagnostic] = [diag for diag in lint_dict(data) if diag.code == "WFC113" and diag.node == "9"]
    assert diagnostic.message.startswith("node 9 links to itself (inputs 'image1', 'image2' read the node's own output)")


def test_two_node_cycle_plural(lint_dict):
    data = copy.deepcopy(CLEAN)
    data["8"] = {"class_type": "ImageInvert", "inputs": {"image": ["9", 0]}}
    data["9"] = {"class_type": "ImageInvert", "inputs": {"image": ["8", 0]}}
    [diagnostic] = [diag for diag in lint_dict(data) if diag.code == "WFC113"]
    assert diagnostic.message == "nodes 8, 9 form a cycle (8 -> 9 -> 8); none of them can run"


def test_no_output_node(lint_dict):
    data = copy.deepcopy(CLEAN)
    del data["3"], data["7"]
    found = [diag for diag in lint_dict(data) if diag.code == "WFC114"]
    assert [diag.comfy_type for diag in found] == ["prompt_no_outputs"]


def test_empty_workflow(lint_dict):
    assert codes(lint_dict({})) == [("WFC114", None, None)]


@pytest.mark.parametrize("entry, code", [
    ("SaveImage", "WFC107"),
    ({"inputs": {}}, "WFC108"),
    ({"class_type": 7, "inputs": {}}, "WFC108"),
    ({"class_type": "ImageInvert"}, "WFC109"),
    ({"class_type": "ImageInvert", "inputs": []}, "WFC109"),
])
def test_malformed_node(lint_dict, entry, code):
    data = copy.deepcopy(CLEAN)
    data["8"] = entry
    assert (code, "8") in [(diag.code, diag.node) for diag in lint_dict(data)]


@pytest.mark.parametrize("data, code", [([1, 2], "WFC105"), ("text", "WFC105"), (None, "WFC105"),
                                        ({"nodes": [], "links": []}, "WFC106")])
def test_top_level(lint_dict, data, code):
    assert codes(lint_dict(data)) == [(code, None, None)]


def test_request_body_named(lint_dict):
    [diagnostic] = lint_dict({"prompt": CLEAN, "client_id": "x"})
    assert diagnostic.code == "WFC105"
    assert "request body" in diagnostic.message


# --- graph -------------------------------------------------------------------------------------


def test_unused_output(lint_dict):
    data = copy.deepcopy(CLEAN)
    data["8"] = {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}}
    [diagnostic] = lint_dict(data)
    assert (diagnostic.code, diagnostic.node, diagnostic.severity) == ("WFC301", "8", Severity.WARNING)
    assert diagnostic.extra["feeds_output"] is False


def test_branch_feeding_no_output(lint_dict):
    data = copy.deepcopy(CLEAN)
    data["8"] = {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}}
    data["9"] = {"class_type": "ImageInvert", "inputs": {"image": ["8", 0]}}
    assert sorted(codes(lint_dict(data))) == [("WFC301", "9", None), ("WFC302", "8", None)]


def test_fault_behind_no_output_is_marked(lint_dict):
    """Every node is checked; a node no output depends on says so in extra."""
    data = copy.deepcopy(CLEAN)
    data["8"] = {"class_type": "ImageScale", "inputs": {"image": ["1", 0], "upscale_method": "nearest-exact",
                                                        "width": -5, "height": 512, "crop": "disabled"}}
    [below] = [diag for diag in lint_dict(data) if diag.code == "WFC205"]
    assert below.node == "8"
    assert below.extra["feeds_output"] is False
    [ok] = [diag for diag in lint_dict(graph_with(**{"2__width": -5})) if diag.code == "WFC205"]
    assert ok.extra["feeds_output"] is True


def test_deprecated_class(lint_dict):
    data = copy.deepcopy(CLEAN)
    data["8"] = {"class_type": "CheckpointLoader", "inputs": {}}
    assert ("WFC303", "8") in [(diag.code, diag.node) for diag in lint_dict(data)]


# --- runner ------------------------------------------------------------------------------------


def test_select_and_ignore(lint_dict):
    from wfc.lint.runner import LintOptions

    data = graph_with(**{"2__width": None, "2__foo": 1})
    assert {diag.code for diag in lint_dict(data)} == {"WFC202", "WFC208"}
    assert {diag.code for diag in lint_dict(data, options=LintOptions(select={"WFC208"}))} == {"WFC208"}
    assert {diag.code for diag in lint_dict(data, options=LintOptions(ignore={"WFC208"}))} == {"WFC202"}


def test_crashing_check_becomes_diagnostic(lint_dict, monkeypatch):
    from wfc.lint import catalog as catalog_rules

    original = catalog_rules.check_node

    def broken(ctx, node, node_class):
        if node.id == "2":
            raise RuntimeError("boom")
        return original(ctx, node, node_class)

    monkeypatch.setattr(catalog_rules, "check_node", broken)
    diagnostics = lint_dict(graph_with(**{"6__foo": 1}))
    assert codes(diagnostics) == [("WFC000", "2", None), ("WFC208", "6", "foo")]
    assert diagnostics[0].severity == Severity.ERROR
    assert "RuntimeError: boom" in diagnostics[0].message
