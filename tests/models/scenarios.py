"""Build the file trees of the ComfyUI listing scenarios (``data/comfyui_listings.json``).

Shared by the resolution tests and by ``make_comfyui_listings.py``, which produced the expected
listings from a real ComfyUI, so both see byte-identical trees.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "comfyui_listings.json"


def load_scenarios() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def fill(text: str, tmp: Path) -> str:
    return text.replace("{tmp}", str(tmp))


def build(scenario: dict[str, Any], tmp: Path) -> tuple[Path, dict[str, str]]:
    """Create the scenario's files, links and YAML under ``tmp``; return the YAML path and environment."""
    comfyui = tmp / "comfyui"
    comfyui.mkdir(parents=True, exist_ok=True)
    for relative in scenario["files"]:
        path = tmp / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(relative.encode("utf-8"))
    for relative, target in scenario.get("links", {}).items():
        path = tmp / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
    yaml_path = comfyui / "extra_model_paths.yaml"
    yaml_path.write_text(fill(scenario["yaml"], tmp), encoding="utf-8")
    environment = {name: fill(value, tmp) for name, value in scenario.get("env", {}).items()}
    return yaml_path, environment
