"""A small builder of editor (UI-format) documents and a catalog for the conversion unit tests."""

from __future__ import annotations

from typing import Any

from wfc.catalog import Catalog, catalog_from_json

OBJECT_INFO: dict[str, Any] = {
    "CheckpointLoaderSimple": {
        "input": {"required": {"ckpt_name": [["a.safetensors", "b.safetensors"], {}]}},
        "output": ["MODEL", "CLIP", "VAE"], "output_name": ["MODEL", "CLIP", "VAE"],
        "display_name": "Load Checkpoint",
    },
    "LoraLoader": {
        "input": {"required": {"model": ["MODEL", {}], "clip": ["CLIP", {}],
                               "lora_name": [["l.safetensors"], {}],
                               "strength_model": ["FLOAT", {"default": 1.0}],
                               "strength_clip": ["FLOAT", {"default": 1.0}]}},
        "input_order": {"required": ["model", "clip", "lora_name", "strength_model", "strength_clip"]},
        "output": ["MODEL", "CLIP"], "output_name": ["MODEL", "CLIP"], "display_name": "Load LoRA",
    },
    "KSampler": {
        "input": {"required": {"model": ["MODEL", {}],
                               "seed": ["INT", {"default": 0, "control_after_generate": True}],
                               "steps": ["INT", {"default": 20}], "positive": ["CONDITIONING", {}],
                               "latent_image": ["LATENT", {}]}},
        "input_order": {"required": ["model", "seed", "steps", "positive", "latent_image"]},
        "output": ["LATENT"], "output_name": ["LATENT"], "display_name": "KSampler",
    },
    "CLIPTextEncode": {
        "input": {"required": {"text": ["STRING", {"multiline": True, "dynamicPrompts": True}], "clip": ["CLIP", {}]}},
        "output": ["CONDITIONING"], "output_name": ["CONDITIONING"], "display_name": "CLIP Text Encode (Prompt)",
    },
    "VAEDecode": {
        "input": {"required": {"samples": ["LATENT", {}], "vae": ["VAE", {}]}},
        "output": ["IMAGE"], "output_name": ["IMAGE"], "display_name": "VAE Decode",
    },
    "SaveImage": {
        "input": {"required": {"images": ["IMAGE", {}], "filename_prefix": ["STRING", {"default": "ComfyUI"}]}},
        "output": [], "output_node": True, "display_name": "Save Image",
    },
    "LoadImage": {
        "input": {"required": {"image": [["example.png"], {"image_upload": True}]}},
        "output": ["IMAGE", "MASK"], "output_name": ["IMAGE", "MASK"], "display_name": "Load Image",
    },
    "ImageBatch": {
        "input": {"required": {"image1": ["IMAGE", {}], "image2": ["IMAGE", {}]}},
        "output": ["IMAGE"], "output_name": ["IMAGE"], "display_name": "Batch Images",
    },
    "SigmasList": {
        "input": {"required": {"sigmas": ["FLOATS", {"forceInput": True}], "values": ["STRING", {}]}},
        "output": ["SIGMAS"], "output_name": ["SIGMAS"], "display_name": "Sigmas",
    },
}


def catalog() -> Catalog:
    return catalog_from_json(OBJECT_INFO)


class UIBuilder:
    """Builds an editor document node by node; links are written in the array encoding by default."""

    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.links: list[Any] = []
        self.subgraphs: list[dict[str, Any]] = []

    def node(self, node_id: int, node_type: str, inputs: list[tuple[str, str]] = (), outputs: list[str] = (),
             values: Any = None, mode: int = 0, title: str | None = None, **extra: Any) -> dict[str, Any]:
        node: dict[str, Any] = {
            "id": node_id, "type": node_type, "mode": mode,
            "inputs": [{"name": name, "type": slot_type, "link": None} for name, slot_type in inputs],
            "outputs": [{"name": slot_type, "type": slot_type, "links": []} for slot_type in outputs],
            "properties": {},
        }
        if values is not None:
            node["widgets_values"] = values
        if title is not None:
            node["title"] = title
        node.update(extra)
        self.nodes.append(node)
        return node

    def link(self, link_id: int, origin: int, origin_slot: int, target: int, target_slot: int, link_type: str,
             widget: str | None = None) -> None:
        self.links.append([link_id, origin, origin_slot, target, target_slot, link_type])
        for node in self.nodes:
            if node["id"] == origin:
                node["outputs"][origin_slot]["links"].append(link_id)
            if node["id"] == target:
                slot = node["inputs"][target_slot]
                slot["link"] = link_id
                if widget is not None:
                    slot["widget"] = {"name": widget}

    def document(self) -> dict[str, Any]:
        data: dict[str, Any] = {"last_node_id": 0, "last_link_id": 0, "nodes": self.nodes, "links": self.links,
                                "groups": [], "config": {}, "extra": {}, "version": 0.4}
        if self.subgraphs:
            data["definitions"] = {"subgraphs": self.subgraphs}
        return data


def checkpoint_to_save(builder: UIBuilder) -> None:
    """Add checkpoint (1) -> KSampler (3) <- prompt (2); KSampler -> decode (4) -> save (5)."""
    builder.node(1, "CheckpointLoaderSimple", outputs=["MODEL", "CLIP", "VAE"], values=["a.safetensors"])
    builder.node(2, "CLIPTextEncode", inputs=[("clip", "CLIP")], outputs=["CONDITIONING"], values=["a cat"])
    builder.node(3, "KSampler", inputs=[("model", "MODEL"), ("positive", "CONDITIONING"), ("latent_image", "LATENT")],
                 outputs=["LATENT"], values=[7, "fixed", 30])
    builder.node(4, "VAEDecode", inputs=[("samples", "LATENT"), ("vae", "VAE")], outputs=["IMAGE"], values=[])
    builder.node(5, "SaveImage", inputs=[("images", "IMAGE")], values=["out"])
    builder.link(1, 1, 1, 2, 0, "CLIP")
    builder.link(2, 1, 0, 3, 0, "MODEL")
    builder.link(3, 2, 0, 3, 1, "CONDITIONING")
    builder.link(4, 3, 0, 4, 0, "LATENT")
    builder.link(5, 1, 2, 4, 1, "VAE")
    builder.link(6, 4, 0, 5, 0, "IMAGE")
