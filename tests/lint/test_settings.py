"""Settings files: unreadable files and unknown [tool.wfc] keys are configuration errors (exit 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from wfc.cli import main
from wfc.config import KNOWN_KEYS, ConfigError, load_config

# Any existing file: every run here stops at the settings, before the target is read.
LINT_TARGET = ROOT / "pyproject.toml"

COMMANDS = {
    "lint": ["lint", str(LINT_TARGET)],
    "compile": ["compile", "--check"],
    "models check": ["models", "check"],
}


def _invoke(args: list[str]) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stderr, result.exception


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_non_utf8_settings_file(tmp_path: Path, command: str):
    settings = tmp_path / "garbage.bin"
    settings.write_bytes(b"\xff\xfe\x00[tool.wfc]\n\x80\x81")
    exit_code, stderr, exception = _invoke([*COMMANDS[command], "--config", str(settings)])
    assert exit_code == 2, stderr
    assert isinstance(exception, SystemExit)
    assert f"{settings}: the settings file is not UTF-8 text" in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_unknown_key_suggests_known(tmp_path: Path, command: str):
    settings = tmp_path / "pyproject.toml"
    settings.write_text('[tool.wfc]\ncatalog = "catalog.json"\nmodel_path = "extra_model_paths.yaml"\n', encoding="utf-8")
    exit_code, stderr, exception = _invoke([*COMMANDS[command], "--config", str(settings)])
    assert exit_code == 2, stderr
    assert isinstance(exception, SystemExit)
    assert "unknown key in [tool.wfc]: 'model_path' (did you mean 'model_paths'?)" in stderr
    assert str(settings) in stderr


def test_unknown_keys_all_named(tmp_path: Path):
    settings = tmp_path / "wfc.toml"
    settings.write_text('Catalog = "a.json"\nzzz = 1\n[contract]\nmin_outputs = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(settings)
    message = str(raised.value)
    assert "unknown keys in [tool.wfc]: 'Catalog' (did you mean 'catalog'?), 'zzz';" in message
    assert "known keys: catalog, specs, workflows" in message


def test_found_pyproject_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "pyproject.toml").write_text('[tool.wfc]\nworkflow = "flows"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    exit_code, stderr, _ = _invoke(["lint", str(LINT_TARGET)])
    assert exit_code == 2
    assert "'workflow' (did you mean 'workflows'?)" in stderr


def test_repository_settings_load():
    config = load_config(ROOT / "pyproject.toml")
    assert set(config.data) <= set(KNOWN_KEYS)
    assert config.get("profile") == "runpod_workspace"


# Reads of a top-level setting in wfc/: config.get("key"), config.path("key"), config.section("key")
# and the models area's _string_setting(config, "key", ...). spec.config.get(...) is an input's
# options, not a setting, hence the lookbehind.
_CODE_READ = re.compile(r'(?<![\w.])config\.(?:get|path|section)\(\s*"(\w+)"|_string_setting\(config,\s*"(\w+)"')


def test_known_keys_cover_code():
    read = {}
    for source in (ROOT / "wfc").rglob("*.py"):
        for match in _CODE_READ.finditer(source.read_text(encoding="utf-8")):
            read[match.group(1) or match.group(2)] = source.relative_to(ROOT)
    assert {"catalog", "workflows", "contract", "model_inputs", "comfyui_root"} <= set(read)
    missing = {key: str(path) for key, path in read.items() if key not in KNOWN_KEYS}
    assert missing == {}


def test_known_keys_cover_docs():
    documented = set()
    for doc in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]:
        text = doc.read_text(encoding="utf-8")
        documented |= {a or b for a, b in re.findall(r"`\[tool\.wfc\] (\w+)`|\[?tool\.wfc\.(\w+)", text)}
        settings = re.search(r"^## Settings\n(.*?)(?=^## )", text, re.S | re.M)
        if settings:
            documented |= set(re.findall(r"^\| `\[?(?:tool\.wfc\.)?(\w+)\]?` \|", settings.group(1), re.M))
    assert {"catalog", "profile", "models_environment", "model_paths_location"} <= documented
    assert documented - set(KNOWN_KEYS) == set()
