"""``wfc convert`` through click's runner: output, files written whole, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.convert.uibuild import OBJECT_INFO, UIBuilder, checkpoint_to_save
from wfc.cli import main


def write_inputs(folder: Path, document: dict) -> tuple[Path, Path]:
    workflow = folder / "workflow.json"
    workflow.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    catalog = folder / "object_info.json"
    catalog.write_text(json.dumps(OBJECT_INFO), encoding="utf-8")
    return workflow, catalog


def test_convert_writes_prompt(tmp_path: Path) -> None:
    builder = UIBuilder()
    checkpoint_to_save(builder)
    builder.nodes[0]["title"] = "체크포인트"
    workflow, catalog = write_inputs(tmp_path, builder.document())
    output = tmp_path / "out" / "api.json"
    output.parent.mkdir()

    result = CliRunner().invoke(main, ["convert", str(workflow), "-o", str(output), "--catalog", str(catalog)])

    assert result.exit_code == 0, result.output
    prompt = json.loads(output.read_text(encoding="utf-8"))
    assert prompt["3"]["inputs"]["seed"] == 7
    assert prompt["1"]["_meta"]["title"] == "체크포인트"
    assert "체크포인트" in output.read_text(encoding="utf-8")
    assert [path.name for path in output.parent.iterdir()] == ["api.json"]


def test_convert_to_stdout(tmp_path: Path) -> None:
    builder = UIBuilder()
    checkpoint_to_save(builder)
    workflow, catalog = write_inputs(tmp_path, builder.document())

    result = CliRunner().invoke(main, ["convert", str(workflow), "--catalog", str(catalog)])

    assert result.exit_code == 0
    assert json.loads(result.stdout)["5"]["inputs"]["filename_prefix"] == "out"


def test_convert_errors_exit_one(tmp_path: Path) -> None:
    builder = UIBuilder()
    builder.node(1, "MadeUpNode", outputs=["IMAGE"])
    workflow, catalog = write_inputs(tmp_path, builder.document())

    result = CliRunner().invoke(main, ["convert", str(workflow), "--catalog", str(catalog)])

    assert result.exit_code == 1
    assert "WFC602" in result.stderr
    assert "MadeUpNode" in result.stderr


def test_convert_api_file_is_finding(tmp_path: Path) -> None:
    workflow, catalog = write_inputs(tmp_path, {"1": {"class_type": "SaveImage", "inputs": {}}})
    output = tmp_path / "api.json"

    result = CliRunner().invoke(main, ["convert", str(workflow), "--catalog", str(catalog), "-o", str(output)])

    assert result.exit_code == 1
    assert f"{workflow}: WFC600 error: not an editor (UI-format) workflow: an API-format prompt" in result.stderr
    assert not output.exists()


@pytest.mark.parametrize(("content", "code", "message"), [
    (b'{"nodes": [', "WFC101", ":1:12: WFC101 error: invalid JSON: Expecting value (the file looks truncated)"),
    (b"", "WFC101", ":1:1: WFC101 error: the file is empty"),
    (b'{"nodes": [\xff]}', "WFC101", ": WFC101 error: the file is not UTF-8 text"),
    (b'{"nodes": [], "links": [], "x": NaN}', "WFC104", ": WFC104 error: invalid JSON number: NaN is not valid JSON"),
    (b'{"nodes": ' + b"[" * 5000 + b"]" * 5000 + b"}", "WFC103", ": WFC103 error: the JSON nests deeper than"),
])
def test_convert_unparsable_is_finding(tmp_path: Path, content: bytes, code: str, message: str) -> None:
    workflow = tmp_path / "broken.json"
    workflow.write_bytes(content)
    output = tmp_path / "api.json"

    result = CliRunner().invoke(main, ["convert", str(workflow), "-o", str(output)])

    assert result.exit_code == 1
    assert f"{workflow}{message}" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert not output.exists()


def test_convert_escapes_control_characters(tmp_path: Path) -> None:
    builder = UIBuilder()
    builder.node(1, "MadeUpNode", outputs=["IMAGE"], title="이름\n::error::injected\x1b[0m")
    workflow, catalog = write_inputs(tmp_path, builder.document())

    result = CliRunner().invoke(main, ["convert", str(workflow), "--catalog", str(catalog)])

    [line] = [line for line in result.stderr.splitlines() if "WFC602" in line]
    assert "(이름\\n::error::injected\\x1b[0m)" in line
    assert "\x1b" not in result.stderr
    assert not any(text.startswith("::") for text in result.stderr.splitlines())


def test_convert_missing_catalog_is_usage_error(tmp_path: Path) -> None:
    builder = UIBuilder()
    checkpoint_to_save(builder)
    workflow, _ = write_inputs(tmp_path, builder.document())

    result = CliRunner().invoke(main, ["convert", str(workflow), "--catalog", str(tmp_path / "none.json")])

    assert result.exit_code == 2
    assert "catalog file not found" in result.stderr


def test_convert_missing_file_is_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["convert", str(tmp_path / "absent.json")])

    assert result.exit_code == 2
    assert "absent.json" in result.stderr
