"""The fast YAML path reads exactly what PyYAML reads, or declines.

``compose_simple`` spares ``wfc lint`` the PyYAML import for plain files. Whenever it accepts a
text, the sections, paths and problems must equal those that PyYAML's tree gives.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wfc.models.sections as sections
from wfc.models.paths import parse_model_paths
from wfc.models.yaml_nodes import compose_simple, compose_yaml

SAFE_WORDS = ["checkpoints", "vae", "clip", "unet", "loras", "base_path", "Checkpoints", "my_models", "y"]
RISKY_WORDS = ["yes", "No", "on", "null", "true", "OFF", "~", "is_default"]
SAFE_VALUES = ["models/checkpoints", "/runpod-volume", "~/models", "$VOL/x", "a.b-c_d", "/", "checkpoints/clip"]
RISKY_VALUES = ["yes", "No", "null", "~", "true", "1.5", "12", "0x1f", "2024-01-01", "-a", ".inf", "a b", "a#b",
                "a: b", "'q'", "\"q\"", "[a]", "{a: b}", "|", "C:/x", "${VOL}/x"]
COMMENTS = ["", " # note", "  #x"]


@st.composite
def mostly_safe(draw, safe, risky):
    """Draw from ``safe`` nine times in ten, so many documents stay inside the fast path."""
    return draw(st.sampled_from(safe if draw(st.integers(0, 9)) else risky))


def normalise(node):
    if node is None:
        return None
    if node.kind == "mapping":
        return ("mapping", [(normalise(key), normalise(value)) for key, value in node.items])
    if node.kind == "scalar" and node.value is None:
        return ("null",)
    return (node.kind, node.line, node.value, type(node.value).__name__)


@st.composite
def documents(draw):
    lines = []
    for _section in range(draw(st.integers(1, 3))):
        lines.append(draw(mostly_safe(["runpod_workspace", "a111", "comfyui"], RISKY_WORDS)) + ":"
                     + draw(st.sampled_from(COMMENTS)))
        indent = " " * draw(st.sampled_from([2, 4]))
        for _entry in range(draw(st.integers(0, 4))):
            if draw(st.booleans()) and lines:
                lines.append(draw(st.sampled_from(["", "# comment", "   "])))
            key = draw(mostly_safe(SAFE_WORDS, RISKY_WORDS))
            value = draw(mostly_safe(SAFE_VALUES, RISKY_VALUES))
            lines.append(f"{indent}{key}: {value}{draw(st.sampled_from(COMMENTS))}")
    return "\n".join(lines) + draw(st.sampled_from(["", "\n"]))


@settings(max_examples=300, deadline=None)
@given(documents())
def test_fast_path_tree_equals_pyyaml(text):
    simple = compose_simple(text)
    if simple is None:
        return
    assert normalise(simple) == normalise(compose_yaml(text))


@settings(max_examples=150, deadline=None)
@given(documents())
def test_fast_path_result_equals_pyyaml(text):
    if compose_simple(text) is None:
        return
    fast = parse_model_paths(text, location="/opt/ComfyUI", environ={"VOL": "/v", "HOME": "/h"})
    original = sections.compose
    sections.compose = compose_yaml
    try:
        slow = parse_model_paths(text, location="/opt/ComfyUI", environ={"VOL": "/v", "HOME": "/h"})
    finally:
        sections.compose = original
    assert fast.sections == slow.sections
    assert fast.problems == slow.problems


def test_fast_path_reads_reference(shared):
    text = (shared / "reference" / "extra_model_paths.yaml").read_text()
    assert compose_simple(text) is not None
    assert normalise(compose_simple(text)) == normalise(compose_yaml(text))


@pytest.mark.parametrize("text", [
    "s:\n  vae: yes\n",
    "s:\n  vae: 12\n",
    "s:\n  is_default: true\n",
    "s:\n  loras: |\n    a\n",
    "s:\n  loras: a\n    b\n",
    "s:\n  vae: 'quoted'\n",
    "s:\n\tvae: v\n",
    "base_path: /x\n",
    "s:\n  vae: v\n   loras: l\n",
    "",
    "# only a comment\n",
    "on:\n  vae: v\n",
])
def test_fast_path_declines(text):
    assert compose_simple(text) is None
