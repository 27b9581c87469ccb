"""How a diffusion-only model file is loaded: its loader and companion files, per model family.

A file of the ``diffusion_models`` folder (``flux1-dev.safetensors``) contains the diffusion
model alone, without text encoder or VAE. Registered under ``checkpoints`` it passes validation, but
CheckpointLoaderSimple then fails at load time because it cannot detect the model type. Such a
file needs a diffusion-model loader plus separate text-encoder and VAE loaders. ``FAMILIES``
lists the families whose recipe is known, as ComfyUI's own workflow templates (package
comfyui-workflow-templates 0.1.95) and the Nunchaku Qwen-Image-Edit workflow load them:

- Flux: UNETLoader, DualCLIPLoader type 'flux' with clip_l and t5xxl, VAELoader with ae;
- Qwen-Image: UNETLoader, CLIPLoader type 'qwen_image' with qwen_2.5_vl_7b, VAELoader with
  qwen_image_vae;
- Nunchaku's quantised Qwen-Image files (``svdq-...``): NunchakuQwenImageDiTLoader instead of
  UNETLoader, with the same text encoder and VAE.

A test in tests/models checks the table against those templates.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Companion:
    """One file a family needs besides the diffusion model, found by its base name."""

    description: str  # how a message names the file when none is listed ("a t5xxl file")
    pattern: re.Pattern[str]

    def pick(self, names: list[str]) -> str | None:
        """Return the first listed name whose base name matches, in listing order."""
        for name in names:
            if self.pattern.search(posixpath.basename(name)):
                return name
        return None


@dataclass(frozen=True)
class Family:
    """The loaders that load one family's diffusion-only file and its companion files."""

    name: str
    model: re.Pattern[str]  # matches the diffusion model's base name
    loader: str
    loader_input: str
    clip_loader: str
    clip_type: str
    text_encoders: tuple[Companion, ...]
    vae: Companion


_QWEN_ENCODER = Companion("a qwen_2.5_vl file", re.compile(r"^qwen_2\.5_vl", re.IGNORECASE))
_QWEN_VAE = Companion("a qwen_image_vae file", re.compile(r"^qwen_image_vae", re.IGNORECASE))

FAMILIES: tuple[Family, ...] = (
    Family("Nunchaku Qwen-Image", re.compile(r"^svdq-.*qwen[-_]image", re.IGNORECASE),
           "NunchakuQwenImageDiTLoader", "model_name", "CLIPLoader", "qwen_image", (_QWEN_ENCODER,), _QWEN_VAE),
    Family("Qwen-Image", re.compile(r"^(?!svdq-).*qwen[-_]image", re.IGNORECASE),
           "UNETLoader", "unet_name", "CLIPLoader", "qwen_image", (_QWEN_ENCODER,), _QWEN_VAE),
    Family("Flux", re.compile(r"^(?!svdq-).*flux", re.IGNORECASE),
           "UNETLoader", "unet_name", "DualCLIPLoader", "flux",
           (Companion("a clip_l file", re.compile(r"^clip_l\b", re.IGNORECASE)),
            Companion("a t5xxl file", re.compile(r"^t5xxl", re.IGNORECASE))),
           Companion("an ae file", re.compile(r"^ae\.", re.IGNORECASE))),
)


def family_of(model_name: str) -> Family | None:
    """Return the family a diffusion model file belongs to by its name, or None when unknown."""
    base = posixpath.basename(model_name)
    for family in FAMILIES:
        if family.model.search(base):
            return family
    return None


def _companion_text(companion: Companion, names: list[str], folder: str) -> str:
    found = companion.pick(names)
    if found is not None:
        return found
    return f"{companion.description}, which the {folder} listing lacks"


def split_loaders(model_name: str, text_encoders: list[str], vaes: list[str]) -> str | None:
    """Return how to load a diffusion-only file with separate loaders, or None for an unknown family.

    ``text_encoders`` and ``vaes`` are the deployment's listings of those folders. The text
    names the listed files the family needs, or states which one is missing.
    """
    family = family_of(model_name)
    if family is None:
        return None
    encoders = [_companion_text(companion, text_encoders, "text_encoders") for companion in family.text_encoders]
    vae = _companion_text(family.vae, vaes, "vae")
    return (f"load it with {family.loader} ({family.loader_input} {model_name!r}) plus {family.clip_loader} "
            f"({', '.join(encoders)}, type {family.clip_type!r}) and VAELoader ({vae})")
