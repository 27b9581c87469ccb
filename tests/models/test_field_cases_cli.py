"""The model-path field cases through `wfc models check`, with their file trees built on disk.

Cases without an extra_model_paths.yaml (``extra_model_paths_yaml: null``) are checked against
ComfyUI's own folders under the case's ComfyUI root; the others through their YAML's section.
"""

from __future__ import annotations

import json
import posixpath

import pytest
from click.testing import CliRunner

from wfc.cli.models import models
from wfc.models.paths import parse_model_paths

CASES = [
    "004-windows-backslash-subfolder.json",
    "006-a111-flux-needs-diffusion-models-key.json",
    "008-diffusion-model-requested-as-checkpoint.json",
    "010-absolute-path-as-model-name.json",
]


def invoke(*args):
    return CliRunner().invoke(models, [str(arg) for arg in args], catch_exceptions=False)


def load_case(shared, name):
    return json.loads((shared / "cases" / name).read_text(encoding="utf-8"))


def case_setup(case, tmp_path):
    """Write the case's settings, YAML and workflow; return (check arguments, volume path)."""
    data = case["input"]
    comfyui_root = data["comfyui_root"]
    lines = [f"comfyui_root = {json.dumps(comfyui_root)}"]
    volume = comfyui_root
    text = data.get("extra_model_paths_yaml")
    if text is not None:
        location = posixpath.dirname(data.get("yaml_location") or posixpath.join(comfyui_root, "x.yaml"))
        section = parse_model_paths(text, location=location, environ={}).sections[0]
        (tmp_path / "extra_model_paths.yaml").write_text(text, encoding="utf-8")
        lines += ['model_paths = "extra_model_paths.yaml"', f"model_paths_location = {json.dumps(location)}",
                  f"profile = {json.dumps(section.name)}", "models_environment = {}"]
        volume = section.base_path
    config = tmp_path / "wfc.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    workflow = tmp_path / "workflow.json"
    workflow.write_text(json.dumps(data["workflow"], indent=2, ensure_ascii=False), encoding="utf-8")
    return [workflow, "--config", config], volume


def build_tree(case, tmp_path, volume):
    """Create the case's files under tmp_path/tree, which replaces ``volume``."""
    tree = tmp_path / "tree"
    for path in case["input"]["files"]:
        relative = posixpath.relpath(path, volume)
        assert not relative.startswith(".."), f"{path} is outside {volume}"
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        (tree / relative).write_bytes(b"weights")
    return tree


def diagnostics_by_input(output):
    data = json.loads(output)
    found = {}
    for entry in data["files"]:
        for diagnostic in entry["diagnostics"]:
            found.setdefault((diagnostic["node"], diagnostic["input"]), []).append(diagnostic)
    return data, found


def hint_pieces(error):
    """Split a case's hint at its bracket, without quotes: the case quotes folder names unevenly."""
    return [piece.replace("'", "") for piece in error.get("hint", "").split(" (") if piece]


def expected_suggestion(error):
    """Return the suggestion a diagnostic carries: for an absolute path, the name alone."""
    if error["value"].startswith("/"):
        return error["suggestion"].split(" ", 1)[0]
    return error["suggestion"]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("source", ["root", "listing"])
def test_case_through_cli(shared, tmp_path, name, source):
    case = load_case(shared, name)
    args, volume = case_setup(case, tmp_path)
    if source == "root":
        args += ["--root", build_tree(case, tmp_path, volume)]
    else:
        listing = tmp_path / "find.txt"
        listing.write_text("\n".join(case["input"]["files"]) + "\n", encoding="utf-8")
        args += ["--listing", listing]

    result = invoke("check", *args, "--format", "json")
    assert result.exit_code == 1, result.output
    data, found = diagnostics_by_input(result.output)
    expected = case["expected"]["errors"]
    assert data["summary"]["errors"] == len(expected)
    for error in expected:
        (diagnostic,) = found[(error["node"], error["input"])]
        assert diagnostic["comfy_type"] == error["class"]
        assert repr(error["value"]) in diagnostic["message"]
        assert diagnostic["extra"]["suggestion"] == expected_suggestion(error)
        for piece in hint_pieces(error):
            assert piece in diagnostic["message"].replace("'", "")


@pytest.mark.parametrize("name", [CASES[0], CASES[2]])
def test_case_without_yaml_header(shared, tmp_path, name):
    case = load_case(shared, name)
    args, volume = case_setup(case, tmp_path)
    result = invoke("check", *args, "--root", build_tree(case, tmp_path, volume))
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"no extra_model_paths.yaml: ComfyUI's own folders under {volume}, ")
    assert "hint:" in result.output


def test_case_008_fixed_workflow_is_clean(shared, tmp_path):
    """The workflow the suggestion describes passes against the same tree."""
    case = load_case(shared, CASES[2])
    args, volume = case_setup(case, tmp_path)
    tree = build_tree(case, tmp_path, volume)
    fixed = {
        "12": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors", "weight_dtype": "default"}},
        "11": {"class_type": "DualCLIPLoader", "inputs": {
            "clip_name1": "clip_l.safetensors", "clip_name2": "t5xxl_fp8_e4m3fn.safetensors", "type": "flux"}},
        "10": {"class_type": "VAELoader", "inputs": {"vae_name": "ae.safetensors"}},
    }
    (tmp_path / "workflow.json").write_text(json.dumps(fixed), encoding="utf-8")
    result = invoke("check", *args, "--root", tree)
    assert result.exit_code == 0, result.output
    assert "-> /comfyui/models/unet/flux1-dev.safetensors via diffusion_models path /comfyui/models/unet" in result.output


def test_case_004_fix_without_yaml(shared, tmp_path):
    case = load_case(shared, CASES[0])
    args, volume = case_setup(case, tmp_path)
    tree = build_tree(case, tmp_path, volume)
    result = invoke("check", *args, "--root", tree, "--fix")
    assert result.exit_code == 0, result.output
    assert "fixed 2 model names" in result.output
    fixed = json.loads((tmp_path / "workflow.json").read_text(encoding="utf-8"))
    for error in case["expected"]["errors"]:
        assert fixed[error["node"]]["inputs"][error["input"]] == error["suggestion"]


def test_comfyui_root_option_overrides_setting(shared, tmp_path):
    case = load_case(shared, CASES[2])
    args, _volume = case_setup(case, tmp_path)
    listing = tmp_path / "find.txt"
    listing.write_text("\n".join(case["input"]["files"]) + "\n", encoding="utf-8")
    codes = {}
    for root in ("/comfyui", "/elsewhere"):
        result = invoke("check", *args, "--listing", listing, "--comfyui-root", root, "--format", "json")
        _data, found = diagnostics_by_input(result.output)
        codes[root] = found[("30", "ckpt_name")][0]["code"]
    # Under /elsewhere no folder lists the file, so it is found only outside every search path.
    assert codes == {"/comfyui": "WFC502", "/elsewhere": "WFC503"}


def test_no_model_paths_ignores_configured_yaml(tmp_path):
    (tmp_path / "broken.yaml").write_text("s:\n  vae: [a]\n", encoding="utf-8")
    config = tmp_path / "wfc.toml"
    config.write_text('model_paths = "broken.yaml"\nprofile = "s"\ncomfyui_root = "/comfyui"\n', encoding="utf-8")
    (tmp_path / "api.json").write_text(json.dumps(
        {"1": {"class_type": "VAELoader", "inputs": {"vae_name": "ae.safetensors"}}}), encoding="utf-8")
    tree = tmp_path / "tree"
    (tree / "models" / "vae").mkdir(parents=True)
    (tree / "models" / "vae" / "ae.safetensors").write_bytes(b"w")

    with_yaml = invoke("check", tmp_path / "api.json", "--config", config, "--root", tree)
    assert with_yaml.exit_code == 2
    without = invoke("check", tmp_path / "api.json", "--config", config, "--root", tree, "--no-model-paths")
    assert without.exit_code == 0, without.output
    assert "-> /comfyui/models/vae/ae.safetensors via vae path /comfyui/models/vae" in without.output


@pytest.mark.parametrize("settings, args, words", [
    ("", ["--no-model-paths", "--profile", "s"], "takes no --model-paths or --profile"),
    ("", ["--no-model-paths", "--model-paths", "x.yaml"], "takes no --model-paths or --profile"),
    ('profile = "s"\n', [], "profile 's' needs a model-path file"),
    ("", ["--profile", "s"], "profile 's' needs a model-path file"),
    ("", ["--comfyui-root", "relative/ComfyUI"], "must be an absolute path"),
])
def test_no_yaml_usage_errors(tmp_path, settings, args, words):
    config = tmp_path / "wfc.toml"
    config.write_text(settings, encoding="utf-8")
    (tmp_path / "api.json").write_text("{}", encoding="utf-8")
    result = invoke("check", tmp_path / "api.json", "--config", config, "--root", tmp_path, *args)
    assert result.exit_code == 2, result.output
    assert words in result.output


def test_plan_without_yaml(tmp_path):
    (tmp_path / "models.toml").write_text(
        '[[models]]\nfolder = "unet"\nname = "flux1-dev.safetensors"\nurl = "https://example.invalid/f"\n',
        encoding="utf-8")
    config = tmp_path / "wfc.toml"
    config.write_text('models_manifest = "models.toml"\ncomfyui_root = "/comfyui"\n', encoding="utf-8")
    result = invoke("plan", "--config", config, "--root", tmp_path / "tree")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ComfyUI's own folders: 1 files under ")
    assert f"{tmp_path}/tree/models/diffusion_models/flux1-dev.safetensors" in result.output
