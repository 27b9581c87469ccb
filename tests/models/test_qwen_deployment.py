"""The Qwen-Image-Edit-2509 deployment: the reference workflow's model inputs against the
reference ``extra_model_paths.yaml``, for both profiles, with the four files in the playbook's
layout, then with one file moved, renamed or misplaced at a time.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from wfc.config import Config
from wfc.graph import graph_from_json, parse_document
from wfc.models.deployment import load_deployment
from wfc.models.rules import check_models, resolve_graph

PROFILES = {"runpod_workspace": "/runpod-volume", "interactive_workspace": "/workspace/data"}

PLAYBOOK_FILES = [
    "checkpoints/svdq-fp4_r128-qwen-image-edit-2509-lightningv2.0-4steps.safetensors",
    "checkpoints/clip/qwen_2.5_vl_7b_fp8_scaled.1.safetensors",
    "vae/qwen_image_vae.1.safetensors",
    "loras/Qwen-Anime-V1.safetensors",
]
TEXT_ENCODER = "qwen_2.5_vl_7b_fp8_scaled.1.safetensors"


@pytest.fixture
def workflow(shared):
    document = parse_document((shared / "reference" / "nunchaku-qwen-image-edit-2509-workflow.json").read_bytes())
    return document, graph_from_json(document.data)


@pytest.fixture
def project(shared, root, tmp_path):
    """A project whose settings use the reference YAML and the committed manifest."""
    return Config(root=tmp_path, data={
        "model_paths": str(shared / "reference" / "extra_model_paths.yaml"),
        "models_manifest": str(root / "worker" / "models.toml"),
        "comfyui_root": "/opt/ComfyUI",
    })


def make_volume(tmp_path: Path, files=PLAYBOOK_FILES) -> Path:
    volume = tmp_path / "volume"
    for relative in files:
        path = volume / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"weights")
    return volume


def with_text_encoder(graph, value):
    graph.nodes["38"].inputs["clip_name"] = value
    return graph


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("encoder, through", [
    (TEXT_ENCODER, "checkpoints/clip"),
    (f"clip/{TEXT_ENCODER}", "checkpoints"),
])
def test_playbook_layout_resolves(project, workflow, tmp_path, profile, encoder, through):
    document, graph = workflow
    volume = make_volume(tmp_path)
    deployment = load_deployment(project, profile, root=volume)
    results = resolve_graph(with_text_encoder(graph, encoder), deployment, project, document=document)

    assert {(item.node, item.input) for item in results} == {
        ("38", "clip_name"), ("39", "vae_name"), ("115", "model_name"), ("117", "lora_name")}
    for item in results:
        assert item.diagnostics == [], item.diagnostics
        assert item.location is not None
        assert item.location.search.section == profile

    encoder_item = next(item for item in results if item.node == "38")
    base = PROFILES[profile]
    assert encoder_item.folder == "text_encoders"
    assert encoder_item.location.search.path == f"{base}/{through}"
    assert encoder_item.location.full_path == f"{base}/checkpoints/clip/{TEXT_ENCODER}"


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_manifest_layout_resolves(project, workflow, profile):
    document, graph = workflow
    deployment = load_deployment(project, profile)
    assert deployment.source == "manifest"
    for encoder in (TEXT_ENCODER, f"clip/{TEXT_ENCODER}"):
        diagnostics = check_models(with_text_encoder(graph, encoder), None, project, path="w.json",
                                   document=document, profile=profile)
        assert diagnostics == []


def test_listing_layout_resolves(project, workflow, tmp_path):
    document, graph = workflow
    listing = tmp_path / "find.txt"
    listing.write_text("".join(f"/runpod-volume/{relative}\n" for relative in PLAYBOOK_FILES))
    diagnostics = check_models(graph, None, project, path="w.json", document=document,
                               profile="runpod_workspace", listing=str(listing))
    assert diagnostics == []


def diagnose(project, workflow, volume, profile="runpod_workspace", encoder=None):
    document, graph = workflow
    if encoder is not None:
        with_text_encoder(graph, encoder)
    deployment = load_deployment(project, profile, root=volume)
    return [diag for item in resolve_graph(graph, deployment, project, path="w.json", document=document)
            for diag in item.diagnostics]


def test_vae_one_level_up(project, workflow, tmp_path):
    volume = make_volume(tmp_path)
    shutil.move(volume / "vae" / "qwen_image_vae.1.safetensors", volume / "qwen_image_vae.1.safetensors")
    (diagnostic,) = diagnose(project, workflow, volume)
    assert diagnostic.code == "WFC503"
    assert diagnostic.node == "39"
    assert diagnostic.line == 5
    assert "/runpod-volume/qwen_image_vae.1.safetensors" in diagnostic.message
    assert "one level above" in diagnostic.message
    assert diagnostic.extra["suggestion"] == "/runpod-volume/vae/qwen_image_vae.1.safetensors"
    assert "/runpod-volume/vae" in diagnostic.hint


def test_text_encoder_one_level_up(project, workflow, tmp_path):
    volume = make_volume(tmp_path)
    shutil.move(volume / "checkpoints" / "clip" / TEXT_ENCODER, volume / "checkpoints" / TEXT_ENCODER)
    (diagnostic,) = diagnose(project, workflow, volume, encoder=f"clip/{TEXT_ENCODER}")
    assert diagnostic.code == "WFC510"
    assert diagnostic.extra["suggestion"] == TEXT_ENCODER
    assert "/runpod-volume/checkpoints/clip" in diagnostic.hint


def test_lora_case_renamed(project, workflow, tmp_path):
    volume = make_volume(tmp_path)
    (volume / "loras" / "Qwen-Anime-V1.safetensors").rename(volume / "loras" / "qwen-anime-v1.safetensors")
    (diagnostic,) = diagnose(project, workflow, volume)
    assert diagnostic.code == "WFC505"
    assert diagnostic.node == "117"
    assert diagnostic.extra["suggestion"] == "qwen-anime-v1.safetensors"
    assert diagnostic.comfy_type == "value_not_in_list"


def test_vae_in_wrong_folder(project, workflow, tmp_path):
    volume = make_volume(tmp_path)
    shutil.move(volume / "vae" / "qwen_image_vae.1.safetensors", volume / "loras" / "qwen_image_vae.1.safetensors")
    (diagnostic,) = diagnose(project, workflow, volume)
    assert diagnostic.code == "WFC502"
    assert diagnostic.extra["folder"] == "loras"
    assert diagnostic.extra["found"] == "/runpod-volume/loras/qwen_image_vae.1.safetensors"
    # The profile has a vae folder, so the file is misplaced: move it. A second 'vae:' key would
    # replace the first, so the alternative adds a line to the existing key instead.
    assert diagnostic.extra["suggestion"] == "move the file to /runpod-volume/vae"
    assert "add the line 'loras' to the 'vae' paths of section runpod_workspace" in diagnostic.hint
    assert "add 'vae: loras'" not in diagnostic.hint


def test_interrupted_download(project, workflow, tmp_path):
    volume = make_volume(tmp_path)
    lora = volume / "loras" / "Qwen-Anime-V1.safetensors"
    lora.rename(lora.with_name(lora.name + ".part"))
    document, graph = workflow
    graph.nodes["117"].inputs["lora_name"] = "Qwen-Anime-V1.safetensors.part"
    deployment = load_deployment(project, "runpod_workspace", root=volume)
    (diagnostic,) = [diag for item in resolve_graph(graph, deployment, project) for diag in item.diagnostics]
    assert diagnostic.code == "WFC511"
    assert ".safetensors" in diagnostic.message


def test_missing_file_did_you_mean(project, workflow, tmp_path):
    volume = make_volume(tmp_path)
    document, graph = workflow
    graph.nodes["39"].inputs["vae_name"] = "qwen_image_vae.safetensors"
    deployment = load_deployment(project, "runpod_workspace", root=volume)
    (diagnostic,) = [diag for item in resolve_graph(graph, deployment, project) for diag in item.diagnostics]
    assert diagnostic.code == "WFC501"
    assert diagnostic.extra["suggestion"] == "qwen_image_vae.1.safetensors"
    assert diagnostic.extra["searched"] == [
        "/opt/ComfyUI/models/vae", "/runpod-volume/vae", "/workspace/data/vae", "/opt/ComfyUI/output/vae"]


def test_shadowed_by_comfyui_folder(project, workflow, tmp_path):
    volume = make_volume(tmp_path)
    comfyui = tmp_path / "comfyui"
    (comfyui / "models" / "vae").mkdir(parents=True)
    (comfyui / "models" / "vae" / "qwen_image_vae.1.safetensors").write_bytes(b"old")
    project.data["comfyui_root"] = str(comfyui)
    # The ComfyUI root is outside the volume, so look at both through a listing.
    listing = tmp_path / "find.txt"
    listing.write_text("\n".join([f"/runpod-volume/{relative}" for relative in PLAYBOOK_FILES]
                                 + [f"{comfyui}/models/vae/qwen_image_vae.1.safetensors"]))
    document, graph = workflow
    diagnostics = check_models(graph, None, project, path="w.json", document=document,
                               profile="runpod_workspace", listing=str(listing))
    (diagnostic,) = diagnostics
    assert diagnostic.code == "WFC506"
    assert f"ComfyUI loads {comfyui}/models/vae/qwen_image_vae.1.safetensors" in diagnostic.message


def test_file_not_in_manifest(project, workflow, tmp_path):
    volume = make_volume(tmp_path, PLAYBOOK_FILES + ["loras/extra.safetensors"])
    document, graph = workflow
    graph.nodes["117"].inputs["lora_name"] = "extra.safetensors"
    deployment = load_deployment(project, "runpod_workspace", root=volume)
    (diagnostic,) = [diag for item in resolve_graph(graph, deployment, project) for diag in item.diagnostics]
    assert diagnostic.code == "WFC507"
    assert diagnostic.severity.name == "WARNING"
