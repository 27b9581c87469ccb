"""``wfc catalog import``, ``diff`` and ``pull``."""

from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from wfc.cli import main


def test_import_reproduces_worker_catalog(shared: Path, tmp_path: Path):
    output = tmp_path / "catalog.json"
    result = CliRunner().invoke(main, [
        "catalog", "import", str(shared / "catalog" / "comfyui-0.3.64-blackwell.object_info.json"),
        "--packs", str(shared / "catalog" / "pack-classes.json"), "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert output.read_bytes() == (ROOT / "worker" / "catalog.json").read_bytes()
    assert "513 classes" in result.output
    assert list(tmp_path.iterdir()) == [output]  # no temporary file left behind


def test_import_keeps_combo_spelling(shared: Path, tmp_path: Path):
    from wfc.catalog import load_catalog

    catalog = load_catalog(ROOT / "worker" / "catalog.json")
    assert catalog.get("LatentConcat").inputs["dim"].declared_as_combo is True
    assert catalog.get("KSampler").inputs["sampler_name"].declared_as_combo is False


def test_import_rejects_bad_input(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text("[1]", encoding="utf-8")
    result = CliRunner().invoke(main, ["catalog", "import", str(bad), "-o", str(tmp_path / "out.json")])
    assert result.exit_code == 2
    assert "object_info must be a JSON object" in result.output
    assert not (tmp_path / "out.json").exists()
    result = CliRunner().invoke(main, ["catalog", "import", str(tmp_path / "absent.json"), "-o", str(tmp_path / "o.json")])
    assert result.exit_code == 2
    assert "not found" in result.output


# --- diff -------------------------------------------------------------------------------------

OLD: dict[str, Any] = {
    "Loader": {"input": {"required": {"name": [["a.safetensors", "b.safetensors"], {}]}},
               "output": ["MODEL"], "output_name": ["MODEL"], "output_node": False},
    "Sampler": {"input": {"required": {"model": ["MODEL"], "steps": ["INT", {"default": 20, "min": 1, "max": 100}]},
                          "optional": {"note": ["STRING", {}]}},
                "output": ["LATENT"], "output_name": ["LATENT"], "output_node": False},
    "Gone": {"input": {}, "output": [], "output_node": True},
}


def _diff(tmp_path: Path, new: dict[str, Any], *args: str) -> tuple[int, str]:
    old_path, new_path = tmp_path / "old.json", tmp_path / "new.json"
    old_path.write_text(json.dumps(OLD), encoding="utf-8")
    new_path.write_text(json.dumps(new), encoding="utf-8")
    result = CliRunner().invoke(main, ["catalog", "diff", str(old_path), str(new_path), *args])
    return result.exit_code, result.output


def _changes(tmp_path: Path, new: dict[str, Any]) -> dict[tuple[str, str | None, str], bool]:
    exit_code, output = _diff(tmp_path, new, "--format", "json")
    report = json.loads(output)
    return {(change["class_type"], change["input"], change["kind"]): change["breaking"] for change in report["changes"]}


def test_diff_identical_is_clean(tmp_path: Path):
    exit_code, output = _diff(tmp_path, OLD)
    assert exit_code == 0
    assert output.strip().endswith("0 changes, 0 breaking")


def test_diff_breaking_changes(tmp_path: Path):
    new = copy.deepcopy(OLD)
    del new["Gone"]
    new["Sampler"]["input"]["required"]["cfg"] = ["FLOAT", {"default": 7.0}]
    new["Sampler"]["input"]["required"]["steps"][1]["max"] = 50
    new["Sampler"]["input"]["required"]["model"] = ["LATENT"]
    new["Loader"]["input"]["required"]["name"] = [["a.safetensors"], {}]
    del new["Sampler"]["input"]["optional"]["note"]
    changes = _changes(tmp_path, new)
    assert changes == {
        ("Gone", None, "class_removed"): True,
        ("Sampler", "cfg", "input_added"): True,
        ("Sampler", "steps", "range_narrowed"): True,
        ("Sampler", "model", "type_changed"): True,
        ("Loader", "name", "options_removed"): True,
        ("Sampler", "note", "input_removed"): True,
    }
    assert _diff(tmp_path, new)[0] == 1


def test_diff_compatible_changes(tmp_path: Path):
    new = copy.deepcopy(OLD)
    new["Added"] = {"input": {}, "output": ["IMAGE"], "output_node": False}
    new["Sampler"]["input"]["optional"]["seed"] = ["INT", {}]
    new["Sampler"]["input"]["required"]["steps"][1]["max"] = 1000
    new["Sampler"]["input"]["required"]["steps"][1]["default"] = 30
    new["Loader"]["input"]["required"]["name"][0].append("c.safetensors")
    new["Sampler"]["input"]["required"]["model"] = ["MODEL,LATENT"]
    changes = _changes(tmp_path, new)
    assert changes == {
        ("Added", None, "class_added"): False,
        ("Sampler", "seed", "input_added"): False,
        ("Sampler", "steps", "range_widened"): False,
        ("Sampler", "steps", "default_changed"): False,
        ("Loader", "name", "options_added"): False,
        ("Sampler", "model", "type_changed"): False,
    }
    exit_code, output = _diff(tmp_path, new)
    assert exit_code == 0
    assert output.splitlines()[0].startswith("compatible ")


def test_diff_optional_made_required(tmp_path: Path):
    new = copy.deepcopy(OLD)
    new["Sampler"]["input"]["required"]["note"] = new["Sampler"]["input"]["optional"].pop("note")
    assert _changes(tmp_path, new) == {("Sampler", "note", "input_section_changed"): True}


def test_diff_outputs(tmp_path: Path):
    new = copy.deepcopy(OLD)
    new["Loader"]["output"] = ["CLIP"]
    new["Gone"]["output_node"] = False
    changes = _changes(tmp_path, new)
    assert changes == {("Loader", None, "output_type_changed"): True, ("Gone", None, "output_node_changed"): True}


def test_diff_text_marks_breaking(tmp_path: Path):
    new = copy.deepcopy(OLD)
    del new["Gone"]
    exit_code, output = _diff(tmp_path, new)
    assert output.splitlines()[0].startswith("BREAKING   Gone: class removed")


def test_diff_text_names_each_change_once(tmp_path: Path):
    new = copy.deepcopy(OLD)
    new["Loader"]["input"]["required"]["name"][0].append("c.safetensors")
    new["Sampler"]["input"]["required"]["note"] = new["Sampler"]["input"]["optional"].pop("note")
    new["Loader"]["output"] = ["MODEL", "CLIP"]
    exit_code, output = _diff(tmp_path, new)
    lines = output.splitlines()
    assert "compatible Loader.name: 1 option added: 'c.safetensors'" in lines
    assert "BREAKING   Sampler.note: moved from optional to required inputs; workflows without it now fail" in lines
    assert "compatible Loader output 1: new output (CLIP)" in lines
    assert not any("added: 1 option" in line or "output 1: new output 1" in line for line in lines)


def test_diff_real_catalogs(shared: Path):
    result = CliRunner().invoke(main, ["catalog", "diff", str(ROOT / "worker" / "catalog.json"),
                                       str(shared / "catalog" / "comfyui-0.3.64-core.object_info.json"),
                                       "--format", "json"])
    report = json.loads(result.output)
    removed = {change["class_type"] for change in report["changes"] if change["kind"] == "class_removed"}
    assert "NunchakuQwenImageLoraLoader" in removed
    assert len(removed) == 17
    assert result.exit_code == 1


# --- pull -------------------------------------------------------------------------------------


class _ComfyHandler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        status, body = self.routes.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, tuple[int, bytes]]]]:
    routes: dict[str, tuple[int, bytes]] = {}
    handler = type("Handler", (_ComfyHandler,), {"routes": routes})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_pull_writes_catalog(server, tmp_path: Path):
    from wfc.catalog import load_catalog

    url, routes = server
    routes["/object_info"] = (200, json.dumps(OLD).encode())
    routes["/system_stats"] = (200, json.dumps({"system": {"comfyui_version": "0.3.64"}}).encode())
    output = tmp_path / "catalog.json"
    result = CliRunner().invoke(main, ["catalog", "pull", url + "/", "-o", str(output), "--timeout", "5"])
    assert result.exit_code == 0, result.output
    catalog = load_catalog(output)
    assert sorted(catalog.classes) == ["Gone", "Loader", "Sampler"]
    assert catalog.source == {"comfyui": "0.3.64", "url": url}


def test_pull_without_system_stats(server, tmp_path: Path):
    url, routes = server
    routes["/object_info"] = (200, json.dumps(OLD).encode())
    result = CliRunner().invoke(main, ["catalog", "pull", url, "-o", str(tmp_path / "c.json"), "--timeout", "5"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("status, body, message", [
    (500, b"boom", "HTTP 500"),
    (200, b"<html>", "did not return JSON"),
    (200, b"[1, 2]", "expected a JSON object"),
])
def test_pull_errors(server, tmp_path: Path, status, body, message):
    url, routes = server
    routes["/object_info"] = (status, body)
    output = tmp_path / "c.json"
    result = CliRunner().invoke(main, ["catalog", "pull", url, "-o", str(output), "--timeout", "5"])
    assert result.exit_code == 2
    assert message in result.output
    assert not output.exists()


def test_pull_unreachable(tmp_path: Path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(main, ["catalog", "pull", f"http://127.0.0.1:{port}", "-o", str(tmp_path / "c.json"),
                                       "--timeout", "2"])
    assert result.exit_code == 2
    assert "is ComfyUI running" in result.output


def test_pull_rejects_non_http(tmp_path: Path):
    result = CliRunner().invoke(main, ["catalog", "pull", "file:///etc/passwd", "-o", str(tmp_path / "c.json")])
    assert result.exit_code == 2
    assert "invalid server URL" in result.output
