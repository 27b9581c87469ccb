"""``wfc models check``: resolve the model inputs of compiled workflows and raw API files.

A compiled workflow is ``workflows/<name>.manifest.json`` plus the graph it names. Its
``models`` list gives the folder each model input reads, so inputs of loaders unknown to the
built-in table are checked too. A raw API file uses ``model_folders`` alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wfc.config import Config
from wfc.diagnostics import FileResult, Report, Severity
from wfc.graph import graph_from_json, is_ui_format, parse_document
from wfc.models.deployment import Deployment
from wfc.models.inputs import map_legacy
from wfc.models.rules import InputResolution, model_paths_diagnostics, resolve_graph

MANIFEST_SUFFIX = ".manifest.json"


class CheckInputError(Exception):
    """A path given to ``wfc models check`` is not a workflow it can read."""


@dataclass
class CheckedFile:
    path: str
    resolutions: list[InputResolution] = field(default_factory=list)


@dataclass
class CheckOutcome:
    report: Report
    files: list[CheckedFile]


def collect_targets(paths: list[Path], config: Config) -> list[Path]:
    """Expand folders to their ``*.manifest.json`` files (or ``*.json`` when there are none)."""
    if not paths:
        folder = config.path("workflows", "workflows")
        if folder is None or not folder.is_dir():
            raise CheckInputError("no paths given and the workflows folder does not exist; "
                                  "pass API JSON files or compiled workflows")
        paths = [folder]
    targets: list[Path] = []
    for path in paths:
        if path.is_dir():
            manifests = sorted(path.glob(f"*{MANIFEST_SUFFIX}"))
            targets.extend(manifests or sorted(path.glob("*.json")))
        elif path.is_file():
            targets.append(path)
        else:
            raise CheckInputError(f"{path}: no such file or folder")
    return targets


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckInputError(f"{path}: cannot read it as JSON: {exc}") from None


def _artifact_graph(manifest_path: Path) -> tuple[Path, dict[tuple[str, str], list[str]]]:
    manifest = _read_json(manifest_path)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("graph"), str):
        raise CheckInputError(f"{manifest_path}: not a wfc artifact manifest (no 'graph' field)")
    overrides: dict[tuple[str, str], list[str]] = {}
    for index, model in enumerate(manifest.get("models") or []):
        if not isinstance(model, dict) or not all(isinstance(model.get(key), str) for key in ("folder", "node", "input")):
            raise CheckInputError(f"{manifest_path}: models[{index}] needs string folder, node and input")
        overrides.setdefault((model["node"], model["input"]), []).append(map_legacy(model["folder"]))
    return manifest_path.parent / manifest["graph"], overrides


def check_file(path: Path, deployment: Deployment, config: Config, catalog: Any = None) -> CheckedFile:
    """Resolve the model inputs of one compiled workflow or raw API file."""
    overrides: dict[tuple[str, str], list[str]] = {}
    graph_path = path
    if path.name.endswith(MANIFEST_SUFFIX):
        graph_path, overrides = _artifact_graph(path)
    try:
        raw = graph_path.read_bytes()
    except OSError as exc:
        raise CheckInputError(f"{graph_path}: cannot read the workflow: {exc.strerror}") from None
    document = parse_document(raw)
    if document.data is None:
        problem = document.problems[0].message if document.problems else "unreadable"
        raise CheckInputError(f"{graph_path}: {problem}")
    if is_ui_format(document.data):
        raise CheckInputError(f"{graph_path}: this is an editor-format (UI) workflow; convert it with "
                              "'wfc convert' or export it in API format")
    if not isinstance(document.data, dict):
        raise CheckInputError(f"{graph_path}: an API workflow is a JSON object of nodes")
    graph = graph_from_json(document.data)
    display_path = str(graph_path)
    resolutions = resolve_graph(graph, deployment, config, path=display_path, document=document,
                                folders_override=overrides, catalog=catalog)
    return CheckedFile(display_path, resolutions)


def check_paths(paths: list[Path], deployment: Deployment, config: Config, *, strict: bool = False,
                catalog: Any = None) -> CheckOutcome:
    """Check every target; the YAML's own warnings come first, under the YAML's path."""
    report = Report(fail_on=Severity.WARNING if strict else Severity.ERROR)
    if deployment.model_paths is not None and deployment.model_paths.problems:
        report.files.append(FileResult(deployment.model_paths.source, "model-paths",
                                       model_paths_diagnostics(deployment.model_paths)))
    checked = []
    for target in collect_targets(paths, config):
        result = check_file(target, deployment, config, catalog)
        checked.append(result)
        diagnostics = [diag for item in result.resolutions for diag in item.diagnostics]
        report.files.append(FileResult(result.path, "api", sorted(diagnostics, key=lambda diag: diag.sort_key())))
    return CheckOutcome(report, checked)


def describe_resolution(item: InputResolution) -> str:
    """Return one line saying where an input resolved, or that it did not."""
    head = f"node {item.node} ({item.class_type}) {item.input} {item.value!r}"
    if item.location is None:
        return f"{head}: not resolved"
    search = item.location.search
    return f"{head} -> {item.location.full_path} via {item.folder} path {search.describe()}"


def apply_fixes(path: Path, fixes: list[tuple[str, str, str, str]]) -> int:
    """Rewrite model-input values in a raw API file; return how many were changed.

    ``fixes`` holds ``(node, input, old value, new value)``. Only the JSON string of the old value
    after the input's key is replaced, so the rest of the file keeps its bytes. The file is
    written to a temporary name and renamed.
    """
    text = path.read_text(encoding="utf-8")
    document = parse_document(text)
    changed = 0
    for node, name, old, new in fixes:
        position = document.positions.get(f"/{node}/inputs/{name}")
        if position is None:
            continue
        lines = text.split("\n")
        offset = sum(len(line) + 1 for line in lines[: position.line - 1]) + position.column - 1
        old_json = json.dumps(old, ensure_ascii=False)
        found = text.find(old_json, offset)
        if found < 0:
            old_json = json.dumps(old)
            found = text.find(old_json, offset)
        if found < 0:
            continue
        text = text[:found] + json.dumps(new, ensure_ascii=False) + text[found + len(old_json):]
        document = parse_document(text)
        changed += 1
    if changed:
        temporary = path.with_name(f".{path.name}.wfc-tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    return changed


def fixes_of(checked: CheckedFile) -> list[tuple[str, str, str, str]]:
    """Return the rewrites the diagnostics of one file allow (a Windows separator with one match)."""
    result = []
    for item in checked.resolutions:
        for diagnostic in item.diagnostics:
            fix = diagnostic.extra.get("fix")
            if isinstance(fix, dict) and isinstance(fix.get("value"), str):
                result.append((item.node, item.input, item.value, fix["value"]))
    return result
