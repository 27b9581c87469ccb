"""Small compiled artifacts for the worker tests, written in the wfc-artifact/1 layout.

The shipped artifacts come from ``wfc compile``; these builders write artifacts of the same
layout (graph file, manifest with sha256 digest, parameters, JSON Schema, outputs) so the worker
tests do not depend on the compiler.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any

from PIL import Image

IMAGE_SCHEMA = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
         "properties": {"base64": {"type": "string"}, "url": {"type": "string"}, "s3_key": {"type": "string"}}},
    ]
}
JSON_TYPES = {"INT": "integer", "FLOAT": "number", "STRING": "string", "BOOLEAN": "boolean"}


def value(node: str, input_name: str, type_name: str, default: Any, **extra: Any) -> dict[str, Any]:
    return {"kind": "value", "type": type_name, "default": default, "bindings": [{"node": node, "input": input_name}], **extra}


def image(*bindings: tuple[str, str], aliases: list[str] | None = None) -> dict[str, Any]:
    return {"kind": "image", "type": "IMAGE_FILE", "aliases": aliases or [], "required": True,
            "bindings": [{"node": node, "input": name} for node, name in bindings]}


def input_schema(parameters: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "workflow": {"type": "string"},
        "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600},
    }
    for name, param in parameters.items():
        if param["kind"] == "image":
            schema = IMAGE_SCHEMA
        else:
            schema = {"type": JSON_TYPES[param["type"]]}
            for key in ("minimum", "maximum", "enum"):
                if key in param:
                    schema[key] = param[key]
        for key in (name, *param.get("aliases", [])):
            properties[key] = schema
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
            "properties": properties, "additionalProperties": False}


def write_artifact(folder: Path, name: str, graph: dict[str, Any], parameters: dict[str, Any],
                   outputs: dict[str, Any], models: list[dict[str, Any]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    graph_bytes = (json.dumps(graph, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    (folder / f"{name}.json").write_bytes(graph_bytes)
    manifest = {
        "format": "wfc-artifact/1",
        "name": name,
        "wfc_version": "test",
        "graph": f"{name}.json",
        "graph_digest": "sha256:" + hashlib.sha256(graph_bytes).hexdigest(),
        "catalog_digest": "sha256:test",
        "source": {"spec": "tests/worker/worker_builders.py"},
        "parameters": parameters,
        "input_schema": input_schema(parameters),
        "outputs": outputs,
        "models": models or [],
    }
    path = folder / f"{name}.manifest.json"
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def qwen_graph() -> dict[str, Any]:
    """A Qwen-Image-Edit-2509 graph with Nunchaku nodes and two LoadImage nodes."""
    return {
        "3": {"class_type": "KSampler", "inputs": {
            "seed": 1, "steps": 4, "cfg": 1.0, "sampler_name": "euler", "scheduler": "simple", "denoise": 1.0,
            "model": ["75", 0], "positive": ["111", 0], "negative": ["110", 0], "latent_image": ["112", 0]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["39", 0]}},
        "38": {"class_type": "CLIPLoader", "inputs": {
            "clip_name": "qwen_2.5_vl_7b_fp8_scaled.1.safetensors", "type": "qwen_image", "device": "default"}},
        "39": {"class_type": "VAELoader", "inputs": {"vae_name": "qwen_image_vae.1.safetensors"}},
        "60": {"class_type": "SaveImage", "inputs": {"filename_prefix": "qwen_edit", "images": ["8", 0]},
               "_meta": {"title": "결과 저장"}},
        "66": {"class_type": "ModelSamplingAuraFlow", "inputs": {"shift": 3.0, "model": ["117", 0]}},
        "75": {"class_type": "CFGNorm", "inputs": {"strength": 1.0, "model": ["66", 0]}},
        "78": {"class_type": "LoadImage", "inputs": {"image": "placeholder.png"}, "_meta": {"title": "캐릭터"}},
        "118": {"class_type": "LoadImage", "inputs": {"image": "placeholder.png"}, "_meta": {"title": "배경"}},
        "110": {"class_type": "TextEncodeQwenImageEditPlus", "inputs": {
            "prompt": "", "clip": ["38", 0], "vae": ["39", 0], "image1": ["78", 0], "image2": ["118", 0]}},
        "111": {"class_type": "TextEncodeQwenImageEditPlus", "inputs": {
            "prompt": "a cat", "clip": ["38", 0], "vae": ["39", 0], "image1": ["78", 0], "image2": ["118", 0]}},
        "112": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
        "115": {"class_type": "NunchakuQwenImageDiTLoader", "inputs": {
            "model_name": "svdq-fp4_r128-qwen-image-edit-2509-lightningv2.0-4steps.safetensors",
            "cpu_offload": "auto", "num_blocks_on_gpu": 20, "use_pin_memory": "disable"}},
        "117": {"class_type": "NunchakuQwenImageLoraLoader", "inputs": {
            "lora_name": "Qwen-Anime-V1.safetensors", "lora_strength": 1.0, "cpu_offload": "disable", "model": ["115", 0]}},
    }


def write_qwen(folder: Path) -> Path:
    parameters = {
        "load_image": image(("78", "image"), aliases=["image_name"]),
        "background_load_image": image(("118", "image")),
        "prompt": value("111", "prompt", "STRING", "a cat"),
        "seed": value("3", "seed", "INT", 1, minimum=0, maximum=2**64 - 1),
        "steps": value("3", "steps", "INT", 4, minimum=1, maximum=10000),
    }
    models = [
        {"folder": "diffusion_models", "name": "svdq-fp4_r128-qwen-image-edit-2509-lightningv2.0-4steps.safetensors",
         "node": "115", "input": "model_name"},
        {"folder": "loras", "name": "Qwen-Anime-V1.safetensors", "node": "117", "input": "lora_name"},
        {"folder": "text_encoders", "name": "qwen_2.5_vl_7b_fp8_scaled.1.safetensors", "node": "38", "input": "clip_name"},
        {"folder": "vae", "name": "qwen_image_vae.1.safetensors", "node": "39", "input": "vae_name"},
    ]
    return write_artifact(folder, "qwen_image_edit_2509", qwen_graph(), parameters,
                          {"image": {"node": "60", "class_type": "SaveImage"}}, models)


def plate_graph() -> dict[str, Any]:
    """Two LoadImage, a scale and a composite, then SaveImage: runs on ComfyUI without weights."""
    return {
        "1": {"class_type": "LoadImage", "inputs": {"image": "placeholder.png"}},
        "2": {"class_type": "LoadImage", "inputs": {"image": "placeholder.png"}},
        "3": {"class_type": "ImageScale", "inputs": {
            "image": ["2", 0], "upscale_method": "nearest-exact", "width": 32, "height": 32, "crop": "disabled"}},
        "4": {"class_type": "ImageCompositeMasked", "inputs": {
            "destination": ["1", 0], "source": ["3", 0], "x": 8, "y": 8, "resize_source": False}},
        "5": {"class_type": "SaveImage", "inputs": {"images": ["4", 0], "filename_prefix": "plate"}},
    }


def write_plate(folder: Path) -> Path:
    parameters = {
        "load_image": image(("1", "image"), aliases=["image_name"]),
        "background_load_image": image(("2", "image")),
        "x": value("4", "x", "INT", 8, minimum=0, maximum=16384),
        "y": value("4", "y", "INT", 8, minimum=0, maximum=16384),
    }
    return write_artifact(folder, "plate_composite", plate_graph(), parameters,
                          {"plate": {"node": "5", "class_type": "SaveImage"}})


def png_bytes(colour: tuple[int, int, int], size: tuple[int, int] = (64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def png_base64(colour: tuple[int, int, int], size: tuple[int, int] = (64, 64)) -> str:
    return base64.b64encode(png_bytes(colour, size)).decode("ascii")
