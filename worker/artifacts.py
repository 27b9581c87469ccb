"""Compiled artifacts: load and verify them at start-up, validate and bind job input per job.

An artifact is ``workflows/<name>.json`` (the API-format graph) plus
``workflows/<name>.manifest.json`` (format ``wfc-artifact/1``: parameters with their bindings,
the job input's JSON Schema, outputs and required model files). The worker runs only graphs that
load, match their recorded sha256 digest and have a usable schema.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from worker.errors import JobError

log = logging.getLogger(__name__)

ARTIFACT_FORMAT = "wfc-artifact/1"
RESERVED_INPUTS = ("workflow", "timeout")


class ArtifactError(Exception):
    """An artifact on disk is missing, corrupt or inconsistent."""


@dataclass
class Parameter:
    """One job parameter of an artifact and the node inputs it is bound to."""

    name: str
    kind: str  # "value", "image" or "model"
    bindings: list[tuple[str, str]]
    default: Any = None
    required: bool = False
    aliases: list[str] = field(default_factory=list)


@dataclass
class Artifact:
    """One compiled workflow: its graph, manifest and compiled schema validator."""

    name: str
    graph: dict[str, Any]
    manifest: dict[str, Any]
    parameters: dict[str, Parameter]
    outputs: dict[str, dict[str, Any]]
    validator: Draft202012Validator
    path: Path

    @property
    def image_parameters(self) -> list[Parameter]:
        return [param for param in self.parameters.values() if param.kind == "image"]

    def parameter_for(self, key: str) -> Parameter | None:
        """Find the parameter a job input key names, by name or alias."""
        if key in self.parameters:
            return self.parameters[key]
        for param in self.parameters.values():
            if key in param.aliases:
                return param
        return None

    def fresh_graph(self) -> dict[str, Any]:
        return copy.deepcopy(self.graph)


def load_artifact(manifest_path: Path) -> Artifact:
    """Read one manifest and its graph; raise ArtifactError naming the file and the fault."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{manifest_path}: cannot read the manifest: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != ARTIFACT_FORMAT:
        raise ArtifactError(f"{manifest_path}: not a {ARTIFACT_FORMAT} manifest (format {manifest.get('format')!r})"
                            if isinstance(manifest, dict) else f"{manifest_path}: the manifest is not a JSON object")

    name = manifest.get("name")
    graph_name = manifest.get("graph")
    if not isinstance(name, str) or not isinstance(graph_name, str) or "/" in graph_name or "\\" in graph_name:
        raise ArtifactError(f"{manifest_path}: the manifest needs string fields 'name' and 'graph' (a file name)")

    graph_path = manifest_path.parent / graph_name
    try:
        graph_bytes = graph_path.read_bytes()
    except OSError as exc:
        raise ArtifactError(f"{graph_path}: cannot read the graph of artifact {name!r}: {exc}") from None

    digest = "sha256:" + hashlib.sha256(graph_bytes).hexdigest()
    if digest != manifest.get("graph_digest"):
        raise ArtifactError(
            f"{graph_path}: digest {digest} does not match the manifest's graph_digest "
            f"{manifest.get('graph_digest')!r}; recompile with 'wfc compile'"
        )

    try:
        graph = json.loads(graph_bytes)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{graph_path}: the graph is not valid JSON: {exc}") from None
    if not isinstance(graph, dict) or not all(isinstance(node, dict) and "class_type" in node for node in graph.values()):
        raise ArtifactError(f"{graph_path}: not an API-format graph (node id -> {{class_type, inputs}})")

    parameters = _read_parameters(manifest_path, manifest, graph)
    schema = manifest.get("input_schema")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise ArtifactError(f"{manifest_path}: input_schema is not a valid JSON Schema: {exc.message}") from None

    outputs = manifest.get("outputs") or {}
    for output_name, output in outputs.items():
        if output.get("node") not in graph:
            raise ArtifactError(f"{manifest_path}: output {output_name!r} names node {output.get('node')!r}, which the graph lacks")

    return Artifact(
        name=name,
        graph=graph,
        manifest=manifest,
        parameters=parameters,
        outputs=outputs,
        validator=Draft202012Validator(schema),
        path=manifest_path,
    )


def _read_parameters(manifest_path: Path, manifest: dict[str, Any], graph: dict[str, Any]) -> dict[str, Parameter]:
    parameters = {}
    for name, raw in (manifest.get("parameters") or {}).items():
        bindings = []
        for binding in raw.get("bindings") or []:
            node_id, input_name = str(binding.get("node")), binding.get("input")
            node = graph.get(node_id)
            if node is None or input_name not in (node.get("inputs") or {}):
                raise ArtifactError(
                    f"{manifest_path}: parameter {name!r} is bound to node {node_id} input {input_name!r}, "
                    "which the graph lacks"
                )
            bindings.append((node_id, input_name))
        parameters[name] = Parameter(
            name=name,
            kind=raw.get("kind", "value"),
            bindings=bindings,
            default=raw.get("default"),
            required=bool(raw.get("required", False)),
            aliases=list(raw.get("aliases") or []),
        )
    return parameters


def load_artifacts(directory: Path) -> tuple[dict[str, Artifact], list[str]]:
    """Load every ``*.manifest.json`` in ``directory``; return the artifacts and the problems found."""
    artifacts: dict[str, Artifact] = {}
    problems: list[str] = []
    if not directory.is_dir():
        return artifacts, [f"{directory}: the workflows folder does not exist (set WFC_WORKFLOWS_DIR)"]

    for manifest_path in sorted(directory.glob("*.manifest.json")):
        try:
            artifact = load_artifact(manifest_path)
        except ArtifactError as exc:
            problems.append(str(exc))
            continue
        if artifact.name in artifacts:
            problems.append(f"{manifest_path}: artifact name {artifact.name!r} is used twice")
            continue
        artifacts[artifact.name] = artifact
        log.info("loaded artifact %s (%d nodes, %d parameters)", artifact.name, len(artifact.graph), len(artifact.parameters))

    if not artifacts and not problems:
        problems.append(f"{directory}: no artifacts (*.manifest.json) found; run 'wfc compile'")
    return artifacts, problems


# --- per job ------------------------------------------------------------------------------


def select_artifact(artifacts: dict[str, Artifact], job_input: Any, default: str | None) -> Artifact:
    """Pick the artifact a job runs: ``input.workflow`` by name, else the default or the only one."""
    if not isinstance(job_input, dict):
        raise JobError("invalid_input", f"the job input must be a JSON object, got {type(job_input).__name__}")

    requested = job_input.get("workflow")
    if isinstance(requested, dict):
        raise _inline_workflow_error(requested)
    if requested is not None and not isinstance(requested, str):
        raise JobError(
            "invalid_input",
            f"input.workflow must be the name of an artifact, got {type(requested).__name__}",
            [{"path": "input.workflow", "message": f"expected one of {sorted(artifacts)}"}],
        )

    name = requested or default
    if name is None:
        if len(artifacts) == 1:
            return next(iter(artifacts.values()))
        raise JobError(
            "invalid_input",
            f"input.workflow is required because this worker serves several artifacts: {sorted(artifacts)}",
            [{"path": "input.workflow", "message": "missing"}],
        )
    if name not in artifacts:
        raise JobError(
            "unknown_workflow",
            f"input.workflow {name!r} is not an artifact of this worker; expected one of {sorted(artifacts)}",
            [{"path": "input.workflow", "message": f"unknown artifact {name!r}"}],
        )
    return artifacts[name]


def _inline_workflow_error(document: dict[str, Any]) -> JobError:
    """Reject a graph sent inline: the worker runs only compiled, checked artifacts."""
    ui_keys = [key for key in ("nodes", "links", "version", "last_node_id", "last_link_id", "groups") if key in document]
    if ui_keys:
        detail = (
            f"found UI/save-format keys: {', '.join(ui_keys[:4])}; "
            "expected a mapping of node id -> {class_type, inputs}"
        )
        return JobError(
            "workflow_not_api_format",
            "input.workflow is an editor (UI) workflow, not a compiled artifact name; nothing was sent to ComfyUI",
            [{"class": "workflow_not_api_format", "path": "input.workflow", "detail": detail,
              "message": detail, "suggestion": "export with 'Export (API)' or compile with wfc"}],
        )
    return JobError(
        "inline_workflow_rejected",
        "input.workflow must name a compiled artifact; this worker does not run graphs sent in the job",
        [{"path": "input.workflow", "message": "compile the graph with 'wfc compile' and bake it into the image",
          "suggestion": "compile with wfc"}],
    )


ELIDED_PREFIX = 40  # characters of a long string that error messages show
ELIDE_OVER = 256  # characters; shorter strings keep their full repr in messages


class ElidedString(str):
    """A long job-input string whose repr() shows only its start and length.

    jsonschema builds every error message eagerly with ``repr(instance)``, also in the failing
    branch of a ``oneOf`` or ``anyOf`` that a valid image value passes. For a job with two
    1024x1024 PNGs in base64 that took 20 to 40 ms (``bench/worker.py``). The subclass is still a
    ``str``, so every keyword checks the same value as before. Only the message is shorter.
    """

    def __repr__(self) -> str:
        return f"{str.__repr__(self[:ELIDED_PREFIX])}... ({len(self)} characters)"


def elide_long_strings(value: Any) -> Any:
    """Copy a JSON value with every string longer than ELIDE_OVER wrapped in ElidedString.

    Iterative, so a deeply nested job input cannot exhaust the recursion limit here.
    """
    def convert(item: Any) -> Any:
        if isinstance(item, str) and len(item) > ELIDE_OVER:
            return ElidedString(item)
        if isinstance(item, dict):
            copied_dict = dict(item)
            pending_dicts.append(copied_dict)
            return copied_dict
        if isinstance(item, list):
            copied_list = list(item)
            pending_lists.append(copied_list)
            return copied_list
        return item

    pending_dicts: list[dict[str, Any]] = []
    pending_lists: list[list[Any]] = []
    root = convert(value)
    while pending_dicts or pending_lists:
        if pending_dicts:
            mapping = pending_dicts.pop()
            for key in mapping:
                mapping[key] = convert(mapping[key])
        else:
            items = pending_lists.pop()
            for index, item in enumerate(items):
                items[index] = convert(item)
    return root


MAX_REPORTED_NON_FINITE = 20  # paths listed in one error; the message counts the rest


def json_path(parts: tuple[str | int, ...]) -> str:
    """Render a path inside the job input as ``input.name[0].field``."""
    return "input" + "".join(f"[{part!r}]" if isinstance(part, int) else f".{part}" for part in parts)


def find_non_finite_numbers(value: Any) -> list[tuple[tuple[str | int, ...], float]]:
    """List (path, number) for every NaN, Infinity or -Infinity inside a JSON value, in document order.

    Python's json module, which parses RunPod jobs (aiohttp on RunPod, Starlette in the SDK's local
    API server), accepts these literals although JSON has none. The jsonschema package checks
    ``minimum`` and ``maximum`` with ``<`` and ``>``, which are false for NaN, so a schema alone
    lets ``"timeout": NaN`` through.

    The walk is iterative and never reads string contents, so long base64 strings and deep
    nesting stay cheap. Each pending item carries its parent's chain ``(parent chain, key)``, and
    a full path is built only for a number that is found.
    """
    found: list[tuple[tuple[str | int, ...], float]] = []
    pending: list[tuple[Any, Any]] = [(None, value)]
    while pending:
        chain, item = pending.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                found.append((_chain_to_path(chain), item))
        elif isinstance(item, dict):
            pending.extend(((chain, key), child) for key, child in reversed(item.items()))
        elif isinstance(item, list):
            pending.extend(((chain, index), child) for index, child in reversed(list(enumerate(item))))
    return found


def _chain_to_path(chain: Any) -> tuple[str | int, ...]:
    parts = []
    while chain is not None:
        chain, key = chain
        parts.append(key)
    return tuple(reversed(parts))


def reject_non_finite_numbers(job_input: dict[str, Any]) -> None:
    """Raise invalid_input naming each parameter whose value is or contains NaN or an infinity."""
    found = find_non_finite_numbers(job_input)
    if not found:
        return

    details = []
    for parts, number in found[:MAX_REPORTED_NON_FINITE]:
        path = json_path(parts)
        literal = json.dumps(number)  # NaN, Infinity or -Infinity, as the job spelled it
        details.append({"path": path, "message": f"{path}: {literal} is not a finite number; send a JSON number",
                        "validator": "finite"})
    if len(found) > MAX_REPORTED_NON_FINITE:
        details.append({"path": "input", "message": f"and {len(found) - MAX_REPORTED_NON_FINITE} more non-finite numbers",
                        "validator": "finite"})
    raise JobError("invalid_input", "the job input contains NaN or Infinity, which are not JSON numbers", details)


def validate_input(artifact: Artifact, job_input: dict[str, Any]) -> None:
    """Check the job input against the artifact's JSON Schema, reporting every error at once.

    NaN and infinities are rejected first, because the schema's range checks pass NaN.
    """
    reject_non_finite_numbers(job_input)
    checked = elide_long_strings(job_input)
    errors = sorted(artifact.validator.iter_errors(checked), key=lambda error: list(error.absolute_path))
    details = []
    for error in errors:
        path = json_path(tuple(error.absolute_path))
        message = error.message
        if len(message) > 300:
            message = message[:300] + "..."
        details.append({"path": path, "message": f"{path}: {message}", "validator": error.validator})

    for param in artifact.parameters.values():
        given = [key for key in (param.name, *param.aliases) if key in job_input]
        if len(given) > 1:
            details.append({
                "path": f"input.{given[1]}",
                "message": f"input.{given[1]}: {given[0]!r} and {given[1]!r} name the same parameter; send one",
                "validator": "alias",
            })

    if details:
        raise JobError("invalid_input", f"the job input does not match the schema of {artifact.name!r}", details)
