"""The model manifest: parsing, placement in a profile's layout, and locking."""

from __future__ import annotations

import hashlib

import pytest

from wfc.models.manifest import (
    ManifestError,
    ModelFile,
    PlacementError,
    load_manifest,
    parse_manifest,
    placement,
    render_manifest,
    with_lock,
)
from wfc.models.paths import load_model_paths, parse_model_paths

PLAYBOOK = {
    "diffusion_models": "checkpoints/svdq-fp4_r128-qwen-image-edit-2509-lightningv2.0-4steps.safetensors",
    "text_encoders": "checkpoints/clip/qwen_2.5_vl_7b_fp8_scaled.1.safetensors",
    "vae": "vae/qwen_image_vae.1.safetensors",
    "loras": "loras/Qwen-Anime-V1.safetensors",
}


def test_worker_manifest_has_four_unlocked_files(root):
    manifest = load_manifest(root / "worker" / "models.toml")
    assert [model.folder for model in manifest.files] == list(PLAYBOOK)
    for model in manifest.files:
        assert model.url.startswith("https://huggingface.co/")
        assert model.size is None
        assert model.sha256 is None


@pytest.mark.parametrize("profile, base", [("runpod_workspace", "/runpod-volume"),
                                           ("interactive_workspace", "/workspace/data")])
def test_worker_manifest_matches_playbook_layout(root, shared, profile, base):
    manifest = load_manifest(root / "worker" / "models.toml")
    section = load_model_paths(shared / "reference" / "extra_model_paths.yaml").section(profile)
    for model in manifest.files:
        assert placement(model, section) == f"{base}/{PLAYBOOK[model.folder]}"


def test_worker_yaml_matches_reference(root, shared):
    assert (root / "worker" / "extra_model_paths.yaml").read_text() == \
        (shared / "reference" / "extra_model_paths.yaml").read_text()


@pytest.mark.parametrize("text, words", [
    ("[[models]]\nfolder = 'vae'\nname = 'v'\n", "url is missing"),
    ("[[models]]\nfolder = 'vae'\nname = '/abs'\nurl = 'https://x'\n", "must be a path inside"),
    ("[[models]]\nfolder = 'vae'\nname = 'a/../b'\nurl = 'https://x'\n", "'..'"),
    ("[[models]]\nfolder = 'vae'\nname = 'a\\\\b'\nurl = 'https://x'\n", "'/' separators"),
    ("[[models]]\nfolder = 'vae'\nname = 'v'\nurl = 'ftp://x'\n", "https://"),
    ("[[models]]\nfolder = 'vae'\nname = 'v'\nurl = 'https://x'\nsize = -1\n", "whole number"),
    ("[[models]]\nfolder = 'vae'\nname = 'v'\nurl = 'https://x'\nsha256 = 'abc'\n", "64 lowercase hex"),
    ("[[models]]\nfolder = 'vae'\nname = 'v'\nurl = 'https://x'\nmd5 = 'a'\n", "unknown keys md5"),
    ("[[models]]\nfolder = 'vae'\nname = 'v'\nurl = 'https://x'\n[[models]]\nfolder = 'vae'\nname = 'v'\nurl = 'https://y'\n", "listed twice"),
    ("models = 3\n", "array of tables"),
    ("model = []\n", "unknown top-level keys model"),
    ("[[models]\n", "invalid TOML"),
])
def test_invalid_manifest(text, words):
    with pytest.raises(ManifestError, match=words.replace("(", r"\(")):
        parse_manifest(text, "m.toml")


def test_placement_without_folder_key():
    section = parse_model_paths("s:\n  base_path: /v\n  vae: vae\n").section("s")
    with pytest.raises(PlacementError, match="registers no path for folder 'loras'"):
        placement(ModelFile("loras", "l.safetensors", "https://x"), section)


def test_lock_round_trip(root):
    manifest = load_manifest(root / "worker" / "models.toml")
    digest = hashlib.sha256(b"vae").hexdigest()
    locked = with_lock(manifest, manifest.files[2], 3, digest)
    text = render_manifest(locked)
    again = parse_manifest(text)
    assert again.files[2].size == 3
    assert again.files[2].sha256 == digest
    assert again.files[0].size is None
    assert again.header == manifest.header
    assert text.startswith("# Model files of the Qwen-Image-Edit-2509 deployment")
