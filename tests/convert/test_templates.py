"""Every official template of comfyui-workflow-templates converts or gets diagnostics, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wfc.catalog import Catalog
from wfc.convert import convert_ui
from wfc.convert.templates import template_files, templates_folder
from wfc.graph import is_ui_format

FOLDER = templates_folder()
TEMPLATES = template_files(FOLDER) if FOLDER is not None else []


def test_templates_installed() -> None:
    assert FOLDER is not None, "comfyui-workflow-templates is not installed (pip install -e '.[dev]')"
    assert len(TEMPLATES) >= 150


@pytest.mark.shared
@pytest.mark.parametrize("path", TEMPLATES, ids=[path.stem for path in TEMPLATES])
def test_template_converts(path: Path, blackwell_catalog: Catalog) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert is_ui_format(data)

    conversion = convert_ui(data, blackwell_catalog)

    assert conversion.prompt or conversion.diagnostics
    for node_id, node in conversion.prompt.items():
        assert node["class_type"] in blackwell_catalog, node_id
        assert conversion.origins[node_id][1] == node["_meta"]["title"]
        for value in node["inputs"].values():
            if isinstance(value, list):
                assert value[0] in conversion.prompt, f"{node_id} links to a node the prompt lacks"
    for diagnostic in conversion.diagnostics:
        assert diagnostic.code.startswith("WFC6")
        assert diagnostic.message
