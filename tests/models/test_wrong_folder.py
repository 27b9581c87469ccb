"""WFC502 advice: register or move where that helps, split loaders for a diffusion-only file.

A diffusion-only file must never be suggested as a checkpoint or a LoRA, and no loader is
suggested unless it is known to load the file.
"""

from __future__ import annotations

import importlib.resources
import json

import pytest

from wfc.graph import graph_from_json
from wfc.models.deployment import deployment_from_files
from wfc.models.families import FAMILIES, family_of, split_loaders
from wfc.models.files import VirtualFiles
from wfc.models.paths import parse_model_paths
from wfc.models.rules import resolve_graph

LOADERS = {
    "checkpoints": ("CheckpointLoaderSimple", "ckpt_name"),
    "diffusion_models": ("UNETLoader", "unet_name"),
    "loras": ("LoraLoaderModelOnly", "lora_name"),
    "vae": ("VAELoader", "vae_name"),
}
ROOT = "/comfyui"
FOLDER_PATHS = {"checkpoints": "models/checkpoints", "diffusion_models": "models/unet", "loras": "models/loras",
                "vae": "models/vae"}


def diagnose(requested, value, files, yaml_text=None, worker_catalog=None):
    """Resolve one loader input against ``files``; return its single diagnostic."""
    model_paths = parse_model_paths(yaml_text, location=ROOT, environ={}) if yaml_text else None
    deployment = deployment_from_files(model_paths, None, ROOT, VirtualFiles(files, "test files"))
    class_type, name = LOADERS[requested]
    graph = graph_from_json({"1": {"class_type": class_type, "inputs": {name: value}}})
    (result,) = resolve_graph(graph, deployment, None, path="w.json", catalog=worker_catalog)
    (diagnostic,) = result.diagnostics
    return diagnostic


@pytest.mark.parametrize("requested", ["checkpoints", "loras"])
def test_diffusion_file_never_registered_as(requested):
    diagnostic = diagnose(requested, "flux1-dev.safetensors", [f"{ROOT}/models/unet/flux1-dev.safetensors"])
    assert diagnostic.code == "WFC502"
    for words in ("add '", "add the line", "move the file", "LoraLoader (", "LoraLoaderModelOnly (",
                  "CheckpointLoaderSimple (", "loader of"):
        assert words not in diagnostic.hint


@pytest.mark.parametrize("requested", ["checkpoints", "loras"])
def test_diffusion_file_in_yaml_never_registered_as(requested):
    yaml_text = "webui:\n  base_path: /srv/webui\n  unet: models/Unet\n"
    diagnostic = diagnose(requested, "flux1-dev.safetensors", ["/srv/webui/models/Unet/flux1-dev.safetensors"],
                          yaml_text)
    assert diagnostic.code == "WFC502"
    assert f"add '{requested}:" not in diagnostic.hint
    assert "move the file" not in diagnostic.hint


def test_lora_asked_of_diffusion_loader():
    diagnostic = diagnose("diffusion_models", "anime.safetensors", [f"{ROOT}/models/loras/anime.safetensors"])
    assert diagnostic.extra["suggestion"] == "name a diffusion model file from the 'diffusion_models' listing"
    assert "a file registered for 'loras' is a LoRA" in diagnostic.hint
    assert "Lora" not in diagnostic.hint


def test_diffusion_model_asked_of_lora_loader():
    diagnostic = diagnose("loras", "flux1-dev.safetensors", [f"{ROOT}/models/diffusion_models/flux1-dev.safetensors"])
    assert diagnostic.extra["suggestion"] == "name a LoRA file from the 'loras' listing"
    assert "UNETLoader" not in diagnostic.hint


def test_checkpoint_folder_file_asked_of_unet_loader():
    diagnostic = diagnose("diffusion_models", "flux1-dev.safetensors",
                          [f"{ROOT}/models/checkpoints/flux1-dev.safetensors"])
    assert diagnostic.extra["suggestion"] == f"move the file to {ROOT}/models/diffusion_models"
    assert "CheckpointLoader" not in diagnostic.hint


def test_yaml_folder_without_key_is_registered():
    yaml_text = "shared:\n  base_path: /data\n  checkpoints: sd\n"
    diagnostic = diagnose("vae", "ae.safetensors", ["/data/sd/ae.safetensors"], yaml_text)
    assert diagnostic.extra["suggestion"] == "add 'vae: sd' to section shared"
    assert diagnostic.hint == f"add 'vae: sd' to section shared, or move the file to {ROOT}/models/vae"


def test_yaml_folder_with_key_is_moved():
    yaml_text = "shared:\n  base_path: /data\n  checkpoints: sd\n  vae: vae\n"
    diagnostic = diagnose("vae", "ae.safetensors", ["/data/sd/ae.safetensors"], yaml_text)
    assert diagnostic.extra["suggestion"] == "move the file to /data/vae"
    assert "add the line 'sd' to the 'vae' paths of section shared (write 'vae: |'" in diagnostic.hint


def test_path_registered_for_two_folders():
    yaml_text = "shared:\n  base_path: /data\n  checkpoints: mixed\n  upscale_models: mixed\n"
    diagnostic = diagnose("vae", "ae.safetensors", ["/data/mixed/ae.safetensors"], yaml_text)
    assert "which is registered for 'checkpoints' and 'upscale_models'" in diagnostic.message


def test_unknown_family_names_no_text_encoder(worker_catalog):
    diagnostic = diagnose("checkpoints", "hidream_i1_dev_fp8.safetensors",
                          [f"{ROOT}/models/diffusion_models/hidream_i1_dev_fp8.safetensors"],
                          worker_catalog=worker_catalog)
    suggestion = diagnostic.extra["suggestion"]
    assert suggestion.startswith("load it with a diffusion-model loader (UNETLoader, ")
    assert "plus separate text-encoder and VAE loaders for its model family" in suggestion
    assert suggestion.endswith(f"or supply an all-in-one checkpoint under models/checkpoints")


def test_family_with_missing_companion():
    diagnostic = diagnose("checkpoints", "flux1-schnell.safetensors",
                          [f"{ROOT}/models/unet/flux1-schnell.safetensors", f"{ROOT}/models/clip/clip_l.safetensors"])
    assert diagnostic.extra["suggestion"] == (
        "load it with UNETLoader (unet_name 'flux1-schnell.safetensors') plus DualCLIPLoader (clip_l.safetensors, "
        "a t5xxl file, which the text_encoders listing lacks, type 'flux') and VAELoader (an ae file, which the "
        "vae listing lacks), or supply an all-in-one checkpoint under models/checkpoints")


def test_nunchaku_file_uses_its_loader():
    name = "svdq-fp4_r128-qwen-image-edit-2509-lightningv2.0-4steps.safetensors"
    diagnostic = diagnose("checkpoints", name, [
        f"{ROOT}/models/diffusion_models/{name}",
        f"{ROOT}/models/text_encoders/qwen_2.5_vl_7b_fp8_scaled.1.safetensors",
        f"{ROOT}/models/vae/qwen_image_vae.1.safetensors",
    ])
    assert diagnostic.extra["suggestion"].startswith(
        f"load it with NunchakuQwenImageDiTLoader (model_name {name!r}) plus CLIPLoader "
        "(qwen_2.5_vl_7b_fp8_scaled.1.safetensors, type 'qwen_image') and VAELoader (qwen_image_vae.1.safetensors)")


def test_companions_picked_by_base_name():
    text = split_loaders("flux/flux1-dev.safetensors", ["clip_l_hidream.safetensors", "flux/clip_l.safetensors",
                                                        "t5xxl_fp16.safetensors"], ["flux/ae.safetensors"])
    assert text == ("load it with UNETLoader (unet_name 'flux/flux1-dev.safetensors') plus DualCLIPLoader "
                    "(flux/clip_l.safetensors, t5xxl_fp16.safetensors, type 'flux') and VAELoader (flux/ae.safetensors)")


def template_loaders(data):
    """Yield every node of a UI-format template, subgraphs included."""
    if not isinstance(data, dict):
        return
    for node in data.get("nodes") or []:
        if isinstance(node, dict):
            yield node
    for subgraph in (data.get("definitions") or {}).get("subgraphs") or []:
        yield from template_loaders(subgraph)


def test_families_match_comfyui_templates():
    """Every template that loads a known family's file with UNETLoader uses the family's loaders."""
    templates = importlib.resources.files("comfyui_workflow_templates") / "templates"
    checked = {family.name: 0 for family in FAMILIES}
    for template in templates.iterdir():
        if not template.name.endswith(".json"):
            continue
        nodes = list(template_loaders(json.loads(template.read_text(encoding="utf-8"))))
        for node in nodes:
            if node.get("type") != "UNETLoader":
                continue
            family = family_of(node["widgets_values"][0])
            if family is None or family.loader != "UNETLoader":
                continue
            clips = [other["widgets_values"] for other in nodes if other.get("type") == family.clip_loader]
            assert any(family.clip_type in values
                       and all(companion.pick([str(value) for value in values]) for companion in family.text_encoders)
                       for values in clips), f"{template.name}: {clips}"
            vaes = [other["widgets_values"][0] for other in nodes if other.get("type") == "VAELoader"]
            assert family.vae.pick(vaes), f"{template.name}: {vaes}"
            checked[family.name] += 1
    assert checked["Flux"] >= 5
    assert checked["Qwen-Image"] >= 3
