"""The extra_model_paths.yaml parser: ComfyUI's semantics and a clear diagnostic for every fault."""

from __future__ import annotations

import pytest

from wfc.models.paths import (
    ModelPathsError,
    expand_user,
    expand_variables,
    load_model_paths,
    parse_model_paths,
    search_paths,
)


def problems(text):
    return [(problem.severity, problem.line) for problem in parse_model_paths(text, location="/opt/ComfyUI").problems]


def only_problem(text):
    found = parse_model_paths(text, location="/opt/ComfyUI").problems
    assert len(found) == 1, found
    return found[0]


def test_reference_yaml_is_clean(shared):
    model_paths = load_model_paths(shared / "reference" / "extra_model_paths.yaml", location="/opt/ComfyUI")
    assert model_paths.problems == []
    assert model_paths.section_names() == ["runpod_workspace", "interactive_workspace"]


def test_clip_key_maps_to_text_encoders(shared):
    model_paths = load_model_paths(shared / "reference" / "extra_model_paths.yaml", location="/opt/ComfyUI")
    section = model_paths.section("runpod_workspace")
    assert section.folder_paths("text_encoders") == ["/runpod-volume/checkpoints/clip", "/runpod-volume/checkpoints"]
    assert section.folder_paths("clip") == section.folder_paths("text_encoders")


def test_search_order_of_text_encoders(shared):
    model_paths = load_model_paths(shared / "reference" / "extra_model_paths.yaml", location="/opt/ComfyUI")
    folders = search_paths(model_paths, "/opt/ComfyUI")
    assert [entry.path for entry in folders["text_encoders"].paths] == [
        "/opt/ComfyUI/models/text_encoders", "/opt/ComfyUI/models/clip",
        "/runpod-volume/checkpoints/clip", "/runpod-volume/checkpoints",
        "/workspace/data/checkpoints/clip", "/workspace/data/checkpoints",
        "/opt/ComfyUI/output/clip",
    ]


def test_unet_lists_both_default_folders():
    folders = search_paths(None, "/comfyui", output_folders=False)
    assert [entry.path for entry in folders["diffusion_models"].paths] == [
        "/comfyui/models/unet", "/comfyui/models/diffusion_models"]


def test_relative_base_path_anchored_to_yaml_folder():
    model_paths = parse_model_paths("s:\n  base_path: ../vol\n  vae: v\n", location="/opt/ComfyUI")
    assert model_paths.section("s").folder_paths("vae") == ["/opt/vol/v"]


def test_absolute_path_ignores_base_path():
    model_paths = parse_model_paths("s:\n  base_path: /vol\n  vae: /elsewhere/v/\n")
    assert model_paths.section("s").folder_paths("vae") == ["/elsewhere/v"]


def test_literal_block_gives_several_paths():
    model_paths = parse_model_paths("s:\n  base_path: /vol\n  loras: |\n    a\n\n    b/c\n")
    assert model_paths.section("s").folder_paths("loras") == ["/vol/a", "/vol/b/c"]
    assert model_paths.problems == []


def test_expand_user_and_variables():
    environ = {"HOME": "/home/me", "VOL": "/mnt/v"}
    assert expand_user("~/models", environ) == "/home/me/models"
    assert expand_user("~", environ) == "/home/me"
    assert expand_variables("${VOL}/a/$VOL", environ) == ("/mnt/v/a//mnt/v", [])
    assert expand_variables("$NOPE/x", environ) == ("$NOPE/x", ["NOPE"])


def test_unset_variable_warns():
    problem = only_problem("s:\n  base_path: $WFC_NOT_SET/x\n  vae: v\n")
    assert problem.severity == "warning"
    assert "WFC_NOT_SET" in problem.message
    assert problem.line == 2


@pytest.mark.parametrize("text, line, words", [
    ("base_path: /x\n", 1, "sits at the top level"),
    ("checkpoints: models/checkpoints\n", 1, "sits at the top level"),
    ("comfyui: /opt/ComfyUI\n", 1, "holds the scalar"),
    ("comfyui:\n  - checkpoints\n", 2, "holds a list"),
    ("s:\n  checkpoints: [a, b]\n", 2, "holds a list"),
    ("s:\n  checkpoints:\n", 2, "nothing (null)"),
    ("s:\n  checkpoints: 5\n", 2, "the int 5"),
    ("s:\n  checkpoints:\n    a: b\n", 2, "holds a mapping"),
    ("s:\n  base_path: [a]\n  vae: v\n", 2, "base_path of section 's' must be a path string"),
    ("s:\n\tvae: v\n", 2, "tab"),
    ("s:\n  vae: v\n   bad: [\n", None, "invalid YAML"),
    ("", None, "no sections"),
    ("- a\n- b\n", 1, "top level must be a mapping"),
])
def test_malformed_yaml_is_an_error(text, line, words):
    found = [problem for problem in parse_model_paths(text).problems if problem.severity == "error"]
    assert found, f"no error for {text!r}"
    assert words in found[0].message
    if line is not None:
        assert found[0].line == line


@pytest.mark.parametrize("text, line, words, hint", [
    ("s:\n  Checkpoints: a\n", 2, "differs only in case", "'checkpoints'"),
    ("s:\n  LoRAs: a\n", 2, "differs only in case", "'loras'"),
    ("s:\n  Base_Path: /x\n  vae: v\n", 2, "differs only in case", "'base_path'"),
    ("s:\n  chekpoints: a\n", 2, "not a known folder", "did you mean 'checkpoints'?"),
    ("s:\n  is_default: \"false\"\n  vae: v\n", 2, "treats as true", "without quotes"),
    ("s:\n  loras: a\n    b\n", 2, "folds it into the single path 'a b'", "'loras: |'"),
    ("s:\n  loras: models\\loras\n", 2, "backslash", "'models/loras'"),
    ("s:\n  loras: ~/loras\n", 2, "not expanded", "base_path"),
    ("s:\n  vae: 'v '\n", 2, "trailing spaces", "remove"),
    ("s:\n  vae: a\n  vae: b\n", 3, "appears again", None),
    ("s:\n  vae: a\ns:\n  vae: b\n", 3, "loads only the last", None),
    ("s:\n", 1, "is empty", None),
])
def test_suspicious_yaml_is_a_warning(text, line, words, hint):
    problem = only_problem(text)
    assert problem.severity == "warning"
    assert words in problem.message
    assert problem.line == line
    if hint is not None:
        assert hint in problem.hint


def test_case_key_creates_separate_folder():
    model_paths = parse_model_paths("s:\n  base_path: /v\n  Checkpoints: c\n")
    folders = search_paths(model_paths, "/c", output_folders=False)
    assert [entry.path for entry in folders["Checkpoints"].paths] == ["/v/c"]
    assert folders["Checkpoints"].extensions == frozenset()
    assert [entry.path for entry in folders["checkpoints"].paths] == ["/c/models/checkpoints"]


def test_repeated_key_keeps_last_value():
    model_paths = parse_model_paths("s:\n  base_path: /v\n  vae: a\n  vae: b\n")
    assert model_paths.section("s").folder_paths("vae") == ["/v/b"]


def test_require_valid_names_file_and_line():
    model_paths = parse_model_paths("s:\n  vae: [a]\n", source="paths.yaml")
    with pytest.raises(ModelPathsError) as raised:
        model_paths.require_valid()
    assert "paths.yaml:2:" in str(raised.value)


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(ModelPathsError, match="not found"):
        load_model_paths(tmp_path / "absent.yaml")


def test_non_utf8_file_is_an_error(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("s:\n  vae: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ModelPathsError, match="not UTF-8"):
        load_model_paths(path)
