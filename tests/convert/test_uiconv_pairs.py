"""Every editor file of the uiconv set lowers to the prompt ComfyUI's frontend 1.27.10 made from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SHARED
from wfc.catalog import Catalog
from wfc.convert import convert_ui

PAIR_NAMES = sorted(path.stem for path in (SHARED / "uiconv" / "ui").glob("*.json")) if SHARED.is_dir() else []


def differences(got: dict, expected: dict) -> list[str]:
    """List node-level differences between two prompts, one line each, for a readable failure."""
    lines = []
    for node_id in sorted(set(got) | set(expected)):
        if node_id not in got:
            lines.append(f"{node_id}: missing ({expected[node_id]['class_type']})")
            continue
        if node_id not in expected:
            lines.append(f"{node_id}: unexpected ({got[node_id]['class_type']})")
            continue
        mine, theirs = got[node_id], expected[node_id]
        if mine["class_type"] != theirs["class_type"]:
            lines.append(f"{node_id}: class_type {mine['class_type']!r} != {theirs['class_type']!r}")
        for name in sorted(set(mine["inputs"]) | set(theirs["inputs"])):
            left = mine["inputs"].get(name, "<absent>")
            right = theirs["inputs"].get(name, "<absent>")
            if left != right:
                lines.append(f"{node_id}.{name}: {left!r} != {right!r}")
        if "_meta" in theirs and mine.get("_meta") != theirs["_meta"]:
            lines.append(f"{node_id}: _meta {mine.get('_meta')!r} != {theirs['_meta']!r}")
    return lines


@pytest.mark.shared
@pytest.mark.parametrize("name", PAIR_NAMES)
def test_pair_matches_frontend(name: str, shared: Path, blackwell_catalog: Catalog) -> None:
    ui = json.loads((shared / "uiconv" / "ui" / f"{name}.json").read_text(encoding="utf-8"))
    expected = json.loads((shared / "uiconv" / "api" / f"{name}.json").read_text(encoding="utf-8"))

    conversion = convert_ui(ui, blackwell_catalog)

    assert differences(conversion.prompt, expected) == []
    assert list(conversion.prompt) == list(expected), "node order differs from the frontend's"


def test_pair_set_is_present(shared: Path) -> None:
    assert len(PAIR_NAMES) == 88
