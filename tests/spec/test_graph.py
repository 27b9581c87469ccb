"""wfc graph: DOT from artifacts and raw workflows, SVG through Graphviz when it is installed."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from wfc.cli.graph import graph, to_dot


def test_dot_of_artifact(root):
    result = CliRunner().invoke(graph, [str(root / "workflows" / "plate_composite.json")])

    assert result.exit_code == 0, result.output
    assert result.output.startswith('digraph "plate_composite" {')
    assert '"n3" -> "n4" [label="width -> width"];' in result.output
    assert '"pload_image" -> "n1" [style=dashed, label="image"];' in result.output


def test_dot_keeps_korean_titles(root):
    result = CliRunner().invoke(graph, [str(root / "workflows" / "qwen_image_edit_2509.manifest.json")])

    assert result.exit_code == 0, result.output
    assert '"n78" [label="78: 이미지 로드\\nLoadImage"];' in result.output


def test_dot_escapes_quotes():
    text = to_dot({"1": {"class_type": "A", "inputs": {}, "_meta": {"title": 'say "hi" \\ bye'}}}, "x")

    assert '"n1" [label="1: say \\"hi\\" \\\\ bye\\nA"];' in text


def test_svg_rendered(root, tmp_path):
    if shutil.which("dot") is None:
        import pytest

        pytest.skip("Graphviz's dot is not installed")
    output = tmp_path / "qwen.svg"

    result = CliRunner().invoke(graph, [str(root / "workflows" / "qwen_image_edit_2509.json"), "-o", str(output)])

    assert result.exit_code == 0, result.output
    assert "<svg" in output.read_text(encoding="utf-8")


def test_not_a_workflow(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")

    result = CliRunner().invoke(graph, [str(path)])

    assert result.exit_code == 1
    assert "not an API-format workflow" in result.output


def test_edited_artifact_rejected(root, tmp_path):
    for suffix in (".json", ".manifest.json"):
        shutil.copy(root / "workflows" / f"plate_composite{suffix}", tmp_path)
    edited = tmp_path / "plate_composite.json"
    edited.write_bytes(edited.read_bytes().replace(b'"blend plates"', b'"blend"'))

    result = CliRunner().invoke(graph, [str(edited)])

    assert result.exit_code == 1
    assert "run `wfc compile`" in result.output
