"""The lint command: inputs, output formats, flags and the rule registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from wfc.cli import main

CATALOG = str(ROOT / "worker" / "catalog.json")

CLEAN = {
    "1": {"class_type": "LoadImage", "inputs": {"image": "example.png"}},
    "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "out"}},
}
FAULTY = {
    "1": {"class_type": "LoadImage", "inputs": {"image": "example.png"}},
    "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "out", "extra": 1}},
    "3": {"class_type": "ImageScale", "inputs": {"image": ["1", 0], "upscale_method": "area", "width": 8, "height": 8},
          "_meta": {"title": "크기 조정"}},
}


def _write(folder: Path, name: str, data: object) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def _lint(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, "--no-contract", *args])
    return result.exit_code, result.output


def test_clean_file_exit_zero(tmp_path: Path):
    exit_code, output = _lint(str(_write(tmp_path, "clean.json", CLEAN)))
    assert exit_code == 0
    assert output.strip() == "1 file checked: 0 errors, 0 warnings"


def test_warnings_fail_only_when_strict(tmp_path: Path):
    path = _write(tmp_path, "warn.json", {**CLEAN, "2": {**CLEAN["2"], "inputs": {**CLEAN["2"]["inputs"], "x": 1}}})
    assert _lint(str(path))[0] == 0
    assert _lint("--strict", str(path))[0] == 1


def test_text_format(tmp_path: Path):
    path = _write(tmp_path, "faulty.json", FAULTY)
    exit_code, output = _lint(str(path))
    assert exit_code == 1
    lines = output.splitlines()
    assert lines[-1] == "1 file checked: 1 error, 2 warnings"
    assert any(line.startswith(f"{path}:") and " WFC202 error: " in line and "'crop'" in line for line in lines)
    assert any("hint:" in line for line in lines)
    assert "\033[" not in output


def test_color_flag(tmp_path: Path):
    exit_code, output = _lint("--color", str(_write(tmp_path, "faulty.json", FAULTY)))
    assert "\033[31merror\033[0m" in output


def test_json_format_interface(tmp_path: Path):
    path = _write(tmp_path, "faulty.json", FAULTY)
    exit_code, output = _lint("--format", "json", str(path))
    report = json.loads(output)
    assert report["version"] == 1
    assert report["summary"] == {"files": 1, "errors": 1, "warnings": 2}
    [file_entry] = report["files"]
    assert (file_entry["path"], file_entry["format"]) == (str(path), "api")
    [missing] = [diag for diag in file_entry["diagnostics"] if diag["code"] == "WFC202"]
    for key in ("code", "rule", "severity", "comfy_type", "node", "class_type", "input", "pointer", "line", "message", "hint"):
        assert key in missing
    assert missing["comfy_type"] == "required_input_missing"
    assert missing["pointer"] == "/3/inputs/crop"
    assert missing["title"] == "크기 조정"
    assert "크기 조정" in output  # non-ASCII titles are written as is, not escaped


def test_sarif_format(tmp_path: Path):
    path = _write(tmp_path, "faulty.json", FAULTY)
    exit_code, output = _lint("--format", "sarif", str(path))
    sarif = json.loads(output)
    assert sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rule_ids == sorted({result["ruleId"] for result in run["results"]})
    [missing] = [result for result in run["results"] if result["ruleId"] == "WFC202"]
    assert missing["level"] == "error"
    assert rule_ids[missing["ruleIndex"]] == "WFC202"
    location = missing["locations"][0]
    assert location["physicalLocation"]["region"]["startLine"] > 0
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "/3/inputs/crop"
    assert missing["properties"]["comfy_type"] == "required_input_missing"


def _sarif_locations(output: str) -> tuple[dict, list[dict]]:
    [run] = json.loads(output)["runs"]
    return run, [result["locations"][0]["physicalLocation"]["artifactLocation"] for result in run["results"]]


def test_sarif_relative_uri_encoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _write(tmp_path, "my flows/한글 #1.json", FAULTY)
    monkeypatch.chdir(tmp_path)
    run, locations = _sarif_locations(_lint("--format", "sarif", "my flows")[1])
    assert locations[0] == {"uri": "my%20flows/%ED%95%9C%EA%B8%80%20%231.json", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"


def test_sarif_absolute_uri_is_file_uri(tmp_path: Path):
    from urllib.parse import unquote, urlparse

    path = _write(tmp_path, "dir x/f:1.json", FAULTY)
    run, locations = _sarif_locations(_lint("--format", "sarif", str(path))[1])
    uri = locations[0]["uri"]
    assert "uriBaseId" not in locations[0]
    assert uri == path.as_uri()
    assert uri.startswith("file:///")
    assert " " not in uri
    assert unquote(urlparse(uri).path) == str(path)


def test_github_format(tmp_path: Path):
    path = _write(tmp_path, "faulty.json", FAULTY)
    exit_code, output = _lint("--format", "github", str(path))
    lines = output.splitlines()
    [error] = [line for line in lines if line.startswith("::error ")]
    assert "title=WFC202 required-input-missing" in error
    assert ",line=" in error and ",col=" in error
    assert "%0Ahint%3A" not in error and "%0Ahint: " in error
    assert lines[-1] == "wfc lint: 1 file checked: 1 error, 2 warnings"


def test_github_escaping():
    from wfc.lint.reporters.github_format import _escape_data, _escape_property

    assert _escape_data("50%\nnext") == "50%25%0Anext"
    assert _escape_property("a:b,c") == "a%3Ab%2Cc"


def test_folder_recursion_skips_manifests(tmp_path: Path):
    _write(tmp_path, "a/clean.json", CLEAN)
    _write(tmp_path, "a/b/faulty.json", FAULTY)
    _write(tmp_path, "a/b/faulty.manifest.json", {"parameters": {}})
    _write(tmp_path, "a/.hidden/x.json", [1])
    exit_code, output = _lint("--format", "json", str(tmp_path / "a"))
    report = json.loads(output)
    assert [Path(entry["path"]).name for entry in report["files"]] == ["faulty.json", "clean.json"]
    assert report["files"][0]["format"] == "artifact"


def test_empty_folder_is_usage_error(tmp_path: Path):
    (tmp_path / "workflows").mkdir()
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, "--strict", str(tmp_path / "workflows")])
    assert result.exit_code == 2
    assert f"no workflow files in {tmp_path / 'workflows'}" in result.stderr
    assert "files checked" not in result.output


def test_folder_without_workflows_named(tmp_path: Path):
    _write(tmp_path, "clean.json", CLEAN)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("not a workflow", encoding="utf-8")
    _write(tmp_path, "other/x.manifest.json", {"parameters": {}})
    _write(tmp_path, "other/.hidden/y.json", CLEAN)
    result = CliRunner().invoke(main, ["lint", "--catalog", CATALOG, str(tmp_path / "clean.json"), str(tmp_path / "other")])
    assert result.exit_code == 2
    assert str(tmp_path / "other") in result.stderr
    assert str(tmp_path / "clean.json") not in result.stderr


def test_default_folders_empty_is_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "pyproject.toml").write_text(f'[tool.wfc]\ncatalog = "{CATALOG}"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["lint"])
    assert result.exit_code == 2
    assert "nothing to lint" in result.stderr
    (tmp_path / "workflows").mkdir()
    result = CliRunner().invoke(main, ["lint"])
    assert result.exit_code == 2
    assert "no workflow files in workflows" in result.stderr


def test_text_escapes_control_characters(tmp_path: Path):
    title = "크기\n::error file=x.py,line=1::injected\r\n\x1b[2J\u202e"
    data = {**FAULTY, "3": {**FAULTY["3"], "_meta": {"title": title}}}
    path = _write(tmp_path, "title\nname.json", data)
    exit_code, output = _lint(str(path))
    lines = output.splitlines()
    assert exit_code == 1
    assert not any(line.startswith("::") for line in lines)
    assert "\x1b" not in output
    assert "\r" not in output
    assert "\u202e" not in output
    [finding] = [line for line in lines if " WFC202 " in line]
    assert finding.startswith(str(tmp_path / "title\\nname.json") + ":")
    assert '"크기\\n::error file=x.py,line=1::injected\\r\\n\\x1b[2J\\u202e"' in finding
    assert lines[-1] == "1 file checked: 1 error, 2 warnings"


def test_json_keeps_control_characters(tmp_path: Path):
    data = {**FAULTY, "3": {**FAULTY["3"], "_meta": {"title": "a\nb"}}}
    exit_code, output = _lint("--format", "json", str(_write(tmp_path, "t.json", data)))
    [missing] = [diag for diag in json.loads(output)["files"][0]["diagnostics"] if diag["code"] == "WFC202"]
    assert missing["title"] == "a\nb"


def test_select_family_and_ignore_name(tmp_path: Path):
    path = _write(tmp_path, "faulty.json", FAULTY)
    report = json.loads(_lint("--format", "json", "--select", "graph", str(path))[1])
    assert {diag["code"] for diag in report["files"][0]["diagnostics"]} == {"WFC301"}
    report = json.loads(_lint("--format", "json", "--ignore", "unknown-input,WFC3", str(path))[1])
    assert {diag["code"] for diag in report["files"][0]["diagnostics"]} == {"WFC202"}


def test_spec_without_compiler_or_with_it(tmp_path: Path):
    spec = tmp_path / "flow.py"
    spec.write_text("from wfc.spec import Workflow\n", encoding="utf-8")
    exit_code, output = _lint(str(spec))
    try:
        import wfc.compiler  # noqa: F401
    except ImportError:
        assert exit_code == 2
        assert "spec compiler" in output
    else:
        assert exit_code in (0, 1)
        assert "Traceback" not in output


def test_list_rules():
    result = CliRunner().invoke(main, ["lint", "--list-rules"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert any(line.startswith("WFC202  required-input-missing") for line in lines)
    assert any(line.startswith("WFC401") for line in lines)


def test_explain_rule():
    result = CliRunner().invoke(main, ["lint", "--explain", "WFC111"])
    assert result.exit_code == 0
    assert result.output.startswith("WFC111 dangling-link (structure, error)")
    for heading in ("Why:", "Bad:", "Good:"):
        assert heading in result.output
    assert CliRunner().invoke(main, ["lint", "--explain", "dangling-link"]).output == result.output
    assert CliRunner().invoke(main, ["lint", "--explain", "WFC999"]).exit_code == 2


def test_every_rule_documented():
    from wfc.lint.registry import load_all

    rules = load_all()
    own = [rule for code, rule in rules.items() if code[3] in "01234"]
    assert len(own) >= 40
    for rule in own:
        assert rule.summary, rule.code
        assert rule.why, rule.code
        assert rule.bad, rule.code
        assert rule.good, rule.code
        assert rule.code[3] == {"structure": "1", "catalog": "2", "graph": "3", "contract": "4", "internal": "0"}[rule.family]


@pytest.mark.parametrize("selector, expected", [
    ("WFC202", {"WFC202"}),
    ("required-input-missing", {"WFC202"}),
    ("wfc11", {f"WFC11{digit}" for digit in range(8)}),
])
def test_selectors(selector, expected):
    from wfc.lint.registry import resolve_selector

    assert resolve_selector(selector) == expected


def test_ui_file_converted_names_editor_nodes(tmp_path: Path, shared: Path):
    pytest.importorskip("wfc.convert", reason="the editor-format converter (wfc.convert) is not installed")
    case = json.loads((shared / "cases" / "015-ui-format-in-job.json").read_text(encoding="utf-8"))
    workflow = case["input"]["input"]["workflow"]
    workflow["nodes"][1]["widgets_values"] = ["prefix"]
    workflow["nodes"][1]["inputs"] = []
    path = _write(tmp_path, "ui.json", workflow)
    report = json.loads(_lint("--format", "json", str(path))[1])
    [entry] = report["files"]
    assert entry["format"] == "ui"
    codes = [diag["code"] for diag in entry["diagnostics"]]
    assert "WFC106" in codes
    [missing] = [diag for diag in entry["diagnostics"] if diag["code"] == "WFC202"]
    assert "editor node 2" in missing["message"]
