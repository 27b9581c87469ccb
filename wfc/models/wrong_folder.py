"""What to change when a model file is listed only under another folder (WFC502).

The usual fix is to make the requested folder list the file. When the section that registers
the file's folder has no path for the requested folder, the advice is to register it there (an
A1111 ``models/Stable-diffusion`` folder contains Flux diffusion-only files next to checkpoints,
so UNETLoader needs a ``diffusion_models`` key for it). When the section has one, the file is
misplaced and the advice is to move it. Both are wrong where the file cannot be what the
loader loads:

- a diffusion-only file asked of a checkpoint loader: registered under ``checkpoints`` it
  passes validation and then fails at load time, so the advice is the family's separate
  loaders (``wfc.models.families``) or an all-in-one checkpoint;
- a LoRA asked of a checkpoint or diffusion-model loader, or a checkpoint or diffusion model
  asked of a LoRA loader: no folder change makes that load, so the advice is to name a file
  of the requested kind.

No advice suggests loading a file with the loaders of the folder it was found in, except the
separate loaders of a known diffusion-model family.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from wfc.models.families import split_loaders

if TYPE_CHECKING:
    from wfc.models.deployment import Deployment
    from wfc.models.paths import SearchPath

# The kind of file in each folder whose files the other folders' loaders cannot load.
KINDS = {"checkpoints": "an all-in-one checkpoint", "diffusion_models": "a diffusion model", "loras": "a LoRA"}

# (requested folder, folder the file is listed under) where moving or registering cannot help.
INCOMPATIBLE = frozenset({
    ("loras", "checkpoints"), ("loras", "diffusion_models"),
    ("checkpoints", "loras"), ("diffusion_models", "loras"),
})


@dataclass(frozen=True)
class Advice:
    """The fix WFC502 suggests: ``suggestion`` is the main action, ``hint`` adds alternatives and reasons."""

    suggestion: str
    hint: str


def relative_to_base(deployment: Deployment, search: SearchPath) -> str:
    """Return a YAML search path as written under its section's base_path, else the full path."""
    model_paths = deployment.model_paths
    section = model_paths.section(search.section) if model_paths is not None and search.section else None
    base = section.base_path.rstrip("/") if section is not None and section.base_path else None
    if base and search.path.startswith(base + "/"):
        return search.path[len(base) + 1:]
    return search.path


def folder_keys(deployment: Deployment, section_name: str, folder: str) -> list[str]:
    """Return the keys of a section that register paths for ``folder`` (``clip`` for text_encoders)."""
    section = deployment.model_paths.section(section_name) if deployment.model_paths is not None else None
    return list(dict.fromkeys(entry.key for entry in section.entries if entry.folder == folder)) if section else []


def register_advice(deployment: Deployment, folder: str, search: SearchPath) -> str:
    """Return how to register a YAML search path under ``folder`` in the section that has it."""
    relative = relative_to_base(deployment, search)
    keys = folder_keys(deployment, search.section or "", folder)
    if keys:
        # A second key of the same name would replace the first, so the path joins its value.
        return (f"add the line '{relative}' to the '{keys[0]}' paths of section {search.section} "
                f"(write '{keys[0]}: |' and one path per line)")
    return f"add '{folder}: {relative}' to section {search.section}"


def shown(deployment: Deployment, path: str) -> str:
    """Return a path relative to the ComfyUI root when it is inside it (``models/checkpoints``)."""
    root = deployment.comfyui_root.rstrip("/")
    return path[len(root) + 1:] if path.startswith(root + "/") else path


def wrong_folder_advice(
    deployment: Deployment,
    class_type: str,
    value: str,
    folder: str,
    other: str,
    search: SearchPath,
    where: Callable[[str], str],
    diffusion_loaders: list[str],
) -> Advice:
    """Return the fix for ``value``, requested from ``folder`` but listed under ``other`` by ``search``.

    ``where`` returns the path where the deployment puts files of a folder, and
    ``diffusion_loaders`` names the loaders of ``diffusion_models`` for an unknown family.
    """
    resolver = deployment.resolver

    if folder == "checkpoints" and other == "diffusion_models":
        recipe = split_loaders(value, resolver.listing("text_encoders"), resolver.listing("vae"))
        if recipe is None:
            recipe = (f"load it with a diffusion-model loader ({', '.join(diffusion_loaders)}) plus separate "
                      "text-encoder and VAE loaders for its model family")
        suggestion = f"{recipe}, or supply an all-in-one checkpoint under {shown(deployment, where('checkpoints'))}"
        return Advice(suggestion, f"{suggestion}; do not register the file for 'checkpoints': a diffusion-only "
                                  f"file passes validation there but {class_type} fails to load it")

    if (folder, other) in INCOMPATIBLE:
        suggestion = f"name {KINDS[folder]} file from the {folder!r} listing"
        return Advice(suggestion, f"{suggestion}, or put the one you meant in {where(folder)}; {class_type} loads "
                                  f"{KINDS[folder]}, and a file registered for {other!r} is {KINDS[other]}")

    if search.origin != "yaml" or not search.section:
        move = f"move the file to {where(folder)}"
        return Advice(move, move)
    register = register_advice(deployment, folder, search)
    section = deployment.model_paths.section(search.section) if deployment.model_paths is not None else None
    own_paths = section.folder_paths(folder) if section is not None else []
    if own_paths:
        # The section already has a folder for this kind of file, so the file is misplaced.
        move = f"move the file to {own_paths[0]}"
        return Advice(move, f"{move}, or {register}")
    move = f"move the file to {where(folder)}"
    return Advice(register, f"{register}, or {move}")
