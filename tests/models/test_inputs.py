"""Which inputs name model files: the built-in table and [tool.wfc.model_inputs]."""

from __future__ import annotations

import json

import pytest

from wfc.config import Config, ConfigError
from wfc.models.inputs import DATA_FILE, model_folders, model_inputs


def config_with(table):
    return Config(root=DATA_FILE.parent, data={"model_inputs": table})


def test_builtin_loaders():
    assert model_folders("CheckpointLoaderSimple", "ckpt_name", None) == ["checkpoints"]
    assert model_folders("UNETLoader", "unet_name", None) == ["diffusion_models"]
    assert model_folders("CLIPLoader", "clip_name", None) == ["text_encoders"]
    assert model_folders("NunchakuQwenImageDiTLoader", "model_name", None) == ["diffusion_models"]
    assert model_folders("NunchakuQwenImageLoraLoader", "lora_name", None) == ["loras"]


def test_non_model_inputs():
    assert model_folders("KSampler", "seed", None) is None
    assert model_folders("LoadImage", "image", None) is None
    assert model_folders("NoSuchClass", "ckpt_name", None) is None


def test_table_matches_shared_facts(shared):
    facts = json.loads((shared / "catalog" / "model-inputs.json").read_text())
    for class_type, inputs in facts.items():
        for name, folders in inputs.items():
            assert model_folders(class_type, name, None) == folders


def test_config_adds_and_maps_legacy():
    config = config_with({"MyLoader": {"ckpt": "unet", "pair": ["clip", "loras"]}})
    assert model_folders("MyLoader", "ckpt", config) == ["diffusion_models"]
    assert model_folders("MyLoader", "pair", config) == ["text_encoders", "loras"]
    assert model_folders("CheckpointLoaderSimple", "ckpt_name", config) == ["checkpoints"]


def test_config_overrides_one_input():
    config = config_with({"CheckpointLoaderSimple": {"ckpt_name": "my_checkpoints"}})
    assert model_folders("CheckpointLoaderSimple", "ckpt_name", config) == ["my_checkpoints"]
    assert model_inputs(config)["DualCLIPLoader"]["clip_name1"] == ["text_encoders"]


@pytest.mark.parametrize("table, words", [
    ({"MyLoader": "checkpoints"}, "must be a table"),
    ({"MyLoader": {"ckpt": 3}}, "folder name or a list"),
    ({"MyLoader": {"ckpt": []}}, "folder name or a list"),
    ({"MyLoader": {"ckpt": [""]}}, "folder name or a list"),
])
def test_config_shape_errors(table, words):
    with pytest.raises(ConfigError, match=words):
        model_folders("MyLoader", "ckpt", config_with(table))
