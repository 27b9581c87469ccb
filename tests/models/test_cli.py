"""``wfc models`` through click's runner: output, exit codes, and sync/lock against 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from click.testing import CliRunner

from wfc.cli.models import models
from wfc.models.manifest import load_manifest

from .http_server import FaultyServer

ARTIFACT = "workflows/qwen_image_edit_2509.manifest.json"
TEXT_ENCODER = "qwen_2.5_vl_7b_fp8_scaled.1.safetensors"


def invoke(*args):
    return CliRunner().invoke(models, [str(arg) for arg in args], catch_exceptions=False)


@pytest.fixture
def artifact(root):
    path = root / ARTIFACT
    if not path.is_file():
        pytest.skip(f"{ARTIFACT} is not compiled yet")
    return path


def settings(tmp_path, yaml_text=None, manifest_text=None, **extra):
    """Write a wfc.toml (and its YAML and manifest) under tmp_path; return its path."""
    lines = []
    if yaml_text is not None:
        (tmp_path / "paths.yaml").write_text(yaml_text)
        lines.append('model_paths = "paths.yaml"')
    if manifest_text is not None:
        (tmp_path / "models.toml").write_text(manifest_text)
        lines.append('models_manifest = "models.toml"')
    lines += [f"{key} = {json.dumps(value)}" for key, value in extra.items()]
    path = tmp_path / "wfc.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def encoder_input(root, artifact):
    """Return the compiled graph, and the node and input of its text encoder."""
    graph = json.loads((root / "workflows" / "qwen_image_edit_2509.json").read_text(encoding="utf-8"))
    manifest = json.loads(artifact.read_text(encoding="utf-8"))
    model = next(item for item in manifest["models"] if item["folder"] == "text_encoders")
    return graph, manifest, model["node"], model["input"]


def through(base, value):
    """The search path a text-encoder value resolves through in the playbook layout."""
    return f"{base}/checkpoints" if value.startswith("clip/") else f"{base}/checkpoints/clip"


@pytest.mark.parametrize("profile, base", [("runpod_workspace", "/runpod-volume"),
                                           ("interactive_workspace", "/workspace/data")])
def test_check_compiled_artifact(root, artifact, profile, base, monkeypatch):
    graph, _manifest, node, name = encoder_input(root, artifact)
    value = graph[node]["inputs"][name]
    assert value in (TEXT_ENCODER, f"clip/{TEXT_ENCODER}")
    monkeypatch.chdir(root)
    result = invoke("check", ARTIFACT, "--profile", profile)
    assert result.exit_code == 0, result.output
    assert f"-> {base}/checkpoints/clip/{TEXT_ENCODER} via text_encoders path {through(base, value)} " in result.output
    assert "4 model inputs: 0 errors, 0 warnings" in result.output


@pytest.mark.parametrize("profile, base", [("runpod_workspace", "/runpod-volume"),
                                           ("interactive_workspace", "/workspace/data")])
def test_check_compiled_artifact_other_spelling(root, artifact, tmp_path, monkeypatch, profile, base):
    graph, manifest, node, name = encoder_input(root, artifact)
    value = graph[node]["inputs"][name]
    other = TEXT_ENCODER if value.startswith("clip/") else f"clip/{TEXT_ENCODER}"
    graph[node]["inputs"][name] = other
    (tmp_path / "w.json").write_text(json.dumps(graph))
    (tmp_path / "w.manifest.json").write_text(json.dumps({**manifest, "graph": "w.json"}))
    monkeypatch.chdir(root)
    result = invoke("check", tmp_path / "w.manifest.json", "--profile", profile)
    assert result.exit_code == 0, result.output
    assert f"{other!r} -> {base}/checkpoints/clip/{TEXT_ENCODER} via text_encoders path {through(base, other)} " in result.output


def test_check_root_with_missing_file(root, artifact, tmp_path, monkeypatch):
    volume = tmp_path / "volume"
    for relative in ("checkpoints/svdq-fp4_r128-qwen-image-edit-2509-lightningv2.0-4steps.safetensors",
                     f"checkpoints/clip/{TEXT_ENCODER}", "loras/Qwen-Anime-V1.safetensors"):
        (volume / relative).parent.mkdir(parents=True, exist_ok=True)
        (volume / relative).write_bytes(b"w")
    monkeypatch.chdir(root)
    result = invoke("check", ARTIFACT, "--root", volume)
    assert result.exit_code == 1
    assert "WFC501" in result.output
    assert "qwen_image_vae.1.safetensors" in result.output
    assert "1 error" in result.output


def test_check_json_output(root, artifact, monkeypatch):
    monkeypatch.chdir(root)
    result = invoke("check", ARTIFACT, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["version"] == 1
    assert data["profile"] == "runpod_workspace"
    (entry,) = data["files"]
    resolved = {item["input"]: item for item in entry["resolved"]}
    encoder = resolved["clip_name"]
    assert encoder["full_path"] == f"/runpod-volume/checkpoints/clip/{TEXT_ENCODER}"
    assert encoder["search_path"] == through("/runpod-volume", encoder["value"])
    assert encoder["key"] == ("text_encoders" if encoder["value"].startswith("clip/") else "clip")


def test_check_raw_api_file_finding(shared, root, tmp_path):
    config = settings(tmp_path, (shared / "reference" / "extra_model_paths.yaml").read_text(),
                      (root / "worker" / "models.toml").read_text(), profile="runpod_workspace")
    workflow = json.loads((shared / "reference" / "nunchaku-qwen-image-edit-2509-workflow.json").read_text())
    workflow["117"]["inputs"]["lora_name"] = "anime\\Qwen-Anime-V1.safetensors"
    (tmp_path / "api.json").write_text(json.dumps(workflow, indent=1, ensure_ascii=False))
    listing = tmp_path / "find.txt"
    listing.write_text("\n".join([
        "/runpod-volume/checkpoints/svdq-fp4_r128-qwen-image-edit-2509-lightningv2.0-4steps.safetensors",
        f"/runpod-volume/checkpoints/clip/{TEXT_ENCODER}",
        "/runpod-volume/vae/qwen_image_vae.1.safetensors",
        "/runpod-volume/loras/sub/x.safetensors",
        "/runpod-volume/loras/anime/Qwen-Anime-V1.safetensors",
    ]))
    lines = (tmp_path / "api.json").read_text().splitlines()
    line = next(number for number, text in enumerate(lines, start=1) if '"lora_name"' in text)
    result = invoke("check", tmp_path / "api.json", "--config", config, "--listing", listing, "-q")
    assert result.exit_code == 1
    assert f"api.json:{line}:" in result.output
    assert "1 error," in result.output
    assert "WFC504" in result.output
    assert "write 'anime/Qwen-Anime-V1.safetensors'" in result.output


@pytest.mark.parametrize("yaml_text, words", [
    ("s:\n  vae: [a]\n", "paths.yaml:2: folder key 'vae'"),
    ("base_path: /x\n", "paths.yaml:1: 'base_path' sits at the top level"),
    ("s:\n\tvae: x\n", "paths.yaml:2: a tab in the indentation"),
])
def test_check_bad_yaml_exit_2(tmp_path, yaml_text, words):
    config = settings(tmp_path, yaml_text, profile="s")
    (tmp_path / "api.json").write_text("{}")
    result = invoke("check", tmp_path / "api.json", "--config", config, "--listing", tmp_path / "api.json")
    assert result.exit_code == 2
    assert words in result.output


def test_check_yaml_warning_reported(tmp_path):
    config = settings(tmp_path, "s:\n  base_path: /v\n  Checkpoints: c\n  vae: vae\n", profile="s")
    (tmp_path / "api.json").write_text(json.dumps(
        {"1": {"class_type": "VAELoader", "inputs": {"vae_name": "v.safetensors"}}}))
    listing = tmp_path / "find.txt"
    listing.write_text("/v/vae/v.safetensors\n")
    result = invoke("check", tmp_path / "api.json", "--config", config, "--listing", listing)
    assert result.exit_code == 0, result.output
    assert "paths.yaml:3:1: WFC521 key 'Checkpoints'" in result.output
    strict = invoke("check", tmp_path / "api.json", "--config", config, "--listing", listing, "--strict")
    assert strict.exit_code == 1


@pytest.mark.parametrize("args, words", [
    (["--profile", "nope"], "profile 'nope' not found"),
    (["--root", "/", "--listing", "x"], "not both"),
])
def test_check_usage_errors(root, artifact, monkeypatch, args, words):
    monkeypatch.chdir(root)
    result = invoke("check", ARTIFACT, *args)
    assert result.exit_code == 2
    assert words in result.output


def test_check_ui_format_rejected(root, tmp_path, monkeypatch):
    (tmp_path / "ui.json").write_text(json.dumps({"nodes": [], "links": []}))
    monkeypatch.chdir(root)
    result = invoke("check", tmp_path / "ui.json")
    assert result.exit_code == 2
    assert "editor-format" in result.output


def test_plan_prints_layout(root, tmp_path, monkeypatch):
    monkeypatch.chdir(root)
    result = invoke("plan", "--profile", "interactive_workspace", "--root", tmp_path)
    assert result.exit_code == 0
    assert f"mkdir -p {tmp_path}/checkpoints/clip" in result.output
    assert f"{tmp_path}/checkpoints/clip/{TEXT_ENCODER}" in result.output
    assert "size not locked, missing" in result.output


@pytest.fixture
def server():
    running = FaultyServer().start()
    yield running
    running.close()


def test_sync_then_lock(server, tmp_path):
    data = b"vae weights" * 5000
    url = server.add("/vae", data, ("drop", 20_000))
    config = settings(tmp_path, "s:\n  base_path: /runpod-volume\n  vae: vae\n",
                      f'[[models]]\nfolder = "vae"\nname = "v.safetensors"\nurl = "{url}"\n', profile="s")
    volume = tmp_path / "volume"

    first = invoke("sync", "--config", config, "--root", volume, "--retries", "2")
    assert first.exit_code == 0, first.output
    assert "1 downloaded, 0 already present, 0 failed" in first.output
    assert (volume / "vae" / "v.safetensors").read_bytes() == data

    second = invoke("sync", "--config", config, "--root", volume)
    assert "0 downloaded, 1 already present, 0 failed" in second.output

    locked = invoke("lock", "--config", config, "--root", volume)
    assert locked.exit_code == 0, locked.output
    (model,) = load_manifest(tmp_path / "models.toml").files
    assert model.size == len(data)
    assert model.sha256 == hashlib.sha256(data).hexdigest()

    (volume / "vae" / "v.safetensors").write_bytes(b"changed")
    differs = invoke("lock", "--config", config, "--root", volume)
    assert differs.exit_code == 1
    assert "differs" in differs.output
    assert load_manifest(tmp_path / "models.toml").files[0].size == len(data)


def test_sync_failure_exit_1(server, tmp_path):
    config = settings(tmp_path, "s:\n  base_path: /runpod-volume\n  vae: vae\n",
                      f'[[models]]\nfolder = "vae"\nname = "v.safetensors"\nurl = "{server.url("/absent")}"\n',
                      profile="s")
    result = invoke("sync", "--config", config, "--root", tmp_path / "volume")
    assert result.exit_code == 1
    assert "HTTP 404" in result.output
    assert not (tmp_path / "volume" / "vae" / "v.safetensors").exists()


def test_lock_missing_file(tmp_path):
    config = settings(tmp_path, "s:\n  base_path: /runpod-volume\n  vae: vae\n",
                      '[[models]]\nfolder = "vae"\nname = "v.safetensors"\nurl = "https://example.invalid/v"\n',
                      profile="s")
    before = (tmp_path / "models.toml").read_text()
    result = invoke("lock", "--config", config, "--root", tmp_path / "volume")
    assert result.exit_code == 1
    assert "missing" in result.output
    assert (tmp_path / "models.toml").read_text() == before


def test_check_fix_rewrites_backslashes(shared, tmp_path):
    case = json.loads((shared / "cases" / "004-windows-backslash-subfolder.json").read_text(encoding="utf-8"))
    # The case has no extra YAML: a section with only base_path adds no search path.
    root = case["input"]["comfyui_root"]
    config = settings(tmp_path, f"local:\n  base_path: {root}\n", None, profile="local", comfyui_root=root)
    workflow = tmp_path / "api.json"
    original = json.dumps(case["input"]["workflow"], indent=2, ensure_ascii=False)
    workflow.write_text(original)
    listing = tmp_path / "find.txt"
    listing.write_text("\n".join(case["input"]["files"]))

    result = invoke("check", workflow, "--config", config, "--listing", listing, "--fix")
    assert result.exit_code == 0, result.output
    assert "fixed 2 model names" in result.output
    fixed = json.loads(workflow.read_text())
    for error in case["expected"]["errors"]:
        assert fixed[error["node"]]["inputs"][error["input"]] == error["suggestion"]
    # Only the two values changed: the rest of the file keeps its bytes.
    assert len(workflow.read_text()) == len(original) - 2
