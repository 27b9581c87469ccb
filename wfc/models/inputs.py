"""Which node inputs name model files, and which model folder lists their options.

``object_info`` does not say which folder a COMBO input lists, so wfc keeps a table:
``wfc/data/model-inputs.json`` contains the facts for ComfyUI 0.3.64 and the worker's node packs, and
a project adds its own loaders in ``[tool.wfc.model_inputs]``::

    [tool.wfc.model_inputs]
    MyLoader = { ckpt = "checkpoints", extra = ["loras", "unet"] }

Folder names go through ComfyUI's legacy mapping (``clip`` is ``text_encoders``, ``unet`` is
``diffusion_models``), so both spellings work in the table and in the settings.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wfc.config import ConfigError

if TYPE_CHECKING:
    from wfc.config import Config

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "model-inputs.json"

# ComfyUI's folder_paths.map_legacy: old folder names that now mean another folder.
LEGACY_FOLDERS = {"clip": "text_encoders", "unet": "diffusion_models"}

ModelInputTable = dict[str, dict[str, list[str]]]


def map_legacy(folder: str) -> str:
    """Return the current name of a model folder (``clip`` becomes ``text_encoders``)."""
    return LEGACY_FOLDERS.get(folder, folder)


@lru_cache(maxsize=1)
def builtin_model_inputs() -> ModelInputTable:
    """Return the committed table ``{class type: {input: [folder, ...]}}``."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        data = json.load(handle)
    return {
        class_type: {name: [map_legacy(folder) for folder in folders] for name, folders in inputs.items()}
        for class_type, inputs in data.items()
    }


def _folders_of(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
        raise ConfigError(
            f"{where} must be a folder name or a list of folder names "
            f"(for example \"checkpoints\" or [\"loras\"]), not {value!r}"
        )
    return [map_legacy(item) for item in value]


def configured_model_inputs(config: Config | None) -> ModelInputTable:
    """Return the entries of ``[tool.wfc.model_inputs]``; raise ConfigError on a bad shape."""
    if config is None:
        return {}
    section = config.section("model_inputs")
    source = config.source or "[tool.wfc]"
    table: ModelInputTable = {}
    for class_type, inputs in section.items():
        where = f"{source}: [tool.wfc.model_inputs] {class_type}"
        if not isinstance(inputs, dict):
            raise ConfigError(
                f"{where} must be a table of input name to folder, "
                f"for example {class_type} = {{ ckpt_name = \"checkpoints\" }}"
            )
        table[class_type] = {name: _folders_of(value, f"{where}.{name}") for name, value in inputs.items()}
    return table


def model_inputs(config: Config | None) -> ModelInputTable:
    """Return the built-in table with the project's entries merged over it, input by input."""
    merged = {class_type: dict(inputs) for class_type, inputs in builtin_model_inputs().items()}
    for class_type, inputs in configured_model_inputs(config).items():
        merged.setdefault(class_type, {}).update(inputs)
    return merged


def model_folders(class_type: str, input_name: str, config: Config | None) -> list[str] | None:
    """Return the folders whose files input ``input_name`` of ``class_type`` lists, or None.

    None means the input does not name a model file. Folder names are current names
    (``text_encoders``, never ``clip``). The project's ``[tool.wfc.model_inputs]`` entry for an
    input replaces the built-in one.
    """
    configured = configured_model_inputs(config).get(class_type, {})
    if input_name in configured:
        return list(configured[input_name])
    folders = builtin_model_inputs().get(class_type, {}).get(input_name)
    return list(folders) if folders is not None else None
