"""Compiled artifacts: the API-format graph, its manifest, the job input schema, digest checks.

``wfc compile`` writes two files per spec into ``workflows/``:

- ``<name>.json``: the API-format graph, ready to POST to ComfyUI's ``/prompt`` as is;
- ``<name>.manifest.json``: what a consumer needs to run it without guessing::

    {"format": "wfc-artifact/1", "name", "wfc_version", "description", "graph": "<name>.json",
     "graph_digest": "sha256:<hex of the graph file bytes>", "catalog_digest",
     "source": {"path", "digest"},
     "parameters": {NAME: {"kind", "type", "default", "minimum", "maximum", "enum",
                           "description", "required", "aliases", "folder" (model kind only),
                           "bindings": [{"node", "input"}]}},
     "input_schema": <JSON Schema 2020-12 of the job's input object>,
     "outputs": {NAME: {"node", "class_type"}},
     "models": [{"folder", "name", "node", "input", "parameter" (when bound)}]}

Both files are UTF-8 JSON with two-space indent, non-ASCII kept as written and a trailing
newline, so the same spec and catalog give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wfc.catalog import Catalog
from wfc.config import Config
from wfc.diagnostics import Diagnostic

ARTIFACT_FORMAT = "wfc-artifact/1"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
MANIFEST_SUFFIX = ".manifest.json"

# Job input keys the worker reserves: the artifact to run, and the job's deadline in seconds.
RESERVED_INPUTS = ("workflow", "timeout")
TIMEOUT_RANGE = (1, 3600)

# Fields every manifest has, in the order they are written.
MANIFEST_FIELDS = (
    "format", "name", "wfc_version", "description", "graph", "graph_digest", "catalog_digest",
    "source", "parameters", "input_schema", "outputs", "models",
)


class ArtifactError(Exception):
    """An artifact cannot be read, or its graph does not match its manifest."""


def dump_json(data: Any) -> bytes:
    """Serialise ``data`` the way every artifact file is written."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def manifest_path_for(graph_path: Path) -> Path:
    """Return ``workflows/x.manifest.json`` for ``workflows/x.json``."""
    return graph_path.with_name(graph_path.name[: -len(".json")] + MANIFEST_SUFFIX)


# --- input schema ----------------------------------------------------------------------------


def image_schema(name: str, description: str) -> dict[str, Any]:
    """Return the schema of an image parameter: a string (base64, data URI, https URL) or a one-key object."""
    return {
        "title": name,
        "description": description or f"image parameter {name}",
        "anyOf": [
            {"type": "string", "minLength": 1},
            {
                "type": "object",
                "properties": {
                    "base64": {"type": "string", "minLength": 1},
                    "url": {"type": "string", "pattern": "^https://"},
                    "s3_key": {"type": "string", "minLength": 1},
                },
                "additionalProperties": False,
                "minProperties": 1,
                "maxProperties": 1,
            },
        ],
    }


def parameter_schema(name: str, entry: dict[str, Any]) -> dict[str, Any]:
    """Return the JSON Schema of one parameter's job value."""
    if entry["kind"] == "image":
        return image_schema(name, entry.get("description") or "")
    schema: dict[str, Any] = {"title": name}
    if entry.get("description"):
        schema["description"] = entry["description"]
    schema["type"] = entry["type"]
    if entry["kind"] == "model":
        schema["minLength"] = 1
    for key in ("minimum", "maximum", "enum", "default"):
        if entry.get(key) is not None:
            schema[key] = entry[key]
    return schema


def build_input_schema(name: str, parameters: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Return the JSON Schema (2020-12) of the job ``input`` object for an artifact.

    One property per parameter and per alias, plus ``workflow`` and ``timeout``; unknown keys
    are rejected. A parameter and its aliases exclude each other; a required parameter is
    satisfied by any of its names. Every error jsonschema reports has the parameter's name in its
    path, or, for an unknown key, in its message.
    """
    properties: dict[str, Any] = {}
    required: list[str] = []
    exclusions: dict[str, Any] = {}
    alternatives: list[dict[str, Any]] = []

    for param_name, entry in parameters.items():
        property_schema = parameter_schema(param_name, entry)
        properties[param_name] = property_schema
        aliases = list(entry.get("aliases") or [])
        for alias in aliases:
            alias_schema = dict(property_schema)
            alias_schema["title"] = alias
            alias_schema["description"] = f"alias of {param_name}"
            properties[alias] = alias_schema
        names = [param_name, *aliases]
        # A `not` schema rather than `false`, because jsonschema (4.26) drops the path of an
        # error raised by a `false` subschema, and the path names the parameter.
        conflict = {"not": {"title": f"send only one of {', '.join(names)}"}}
        for spelling in aliases:
            exclusions[spelling] = {"properties": {other: conflict for other in names if other != spelling}}
        if entry.get("required"):
            if aliases:
                alternatives.append({
                    "if": {"anyOf": [{"required": [alias]} for alias in aliases]},
                    "else": {"required": [param_name]},
                })
            else:
                required.append(param_name)

    properties["workflow"] = {
        "title": "workflow",
        "description": "name of the artifact to run",
        "type": "string",
        "const": name,
    }
    properties["timeout"] = {
        "title": "timeout",
        "description": "deadline of the job in seconds",
        "type": "number",
        "minimum": TIMEOUT_RANGE[0],
        "maximum": TIMEOUT_RANGE[1],
    }

    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "title": f"{name} job input",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if exclusions:
        schema["dependentSchemas"] = exclusions
    if alternatives:
        schema["allOf"] = alternatives
    return schema


def input_errors(schema: dict[str, Any], payload: Any) -> list[str]:
    """Validate a job input against an artifact's schema; return every error as ``path: message``.

    The path starts with the parameter's name (``steps: 100000 is greater than the maximum of
    10000``); errors about the whole object (an unknown key, a missing parameter) have no path.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    messages = []
    for error in sorted(validator.iter_errors(payload), key=lambda error: (list(map(str, error.absolute_path)), error.message)):
        location = "/".join(str(part) for part in error.absolute_path)
        messages.append(f"{location}: {error.message}" if location else error.message)
    return messages


# --- reading -------------------------------------------------------------------------------


@dataclass
class Artifact:
    """A compiled workflow read from disk, its digest verified."""

    name: str
    manifest: dict[str, Any]
    graph: dict[str, Any]
    manifest_path: Path
    graph_path: Path


def load_artifact(manifest_path: str | Path) -> Artifact:
    """Read a manifest and its graph; raise ArtifactError when either is unusable or they differ."""
    manifest_path = Path(manifest_path)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ArtifactError(f"{manifest_path}: cannot read the manifest: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != ARTIFACT_FORMAT:
        raise ArtifactError(f"{manifest_path}: not a wfc artifact manifest (expected format {ARTIFACT_FORMAT!r})")
    graph_name = manifest.get("graph")
    if not isinstance(graph_name, str) or "/" in graph_name or "\\" in graph_name:
        raise ArtifactError(f"{manifest_path}: field 'graph' must be the file name of the graph, not {graph_name!r}")
    graph_path = manifest_path.parent / graph_name
    try:
        raw = graph_path.read_bytes()
    except OSError as exc:
        raise ArtifactError(f"{graph_path}: cannot read the graph of artifact {manifest.get('name')!r}: {exc}") from None
    digest = sha256_digest(raw)
    if digest != manifest.get("graph_digest"):
        raise ArtifactError(
            f"{graph_path}: digest {digest} does not match the manifest's {manifest.get('graph_digest')}; "
            "the graph was edited after compiling; run `wfc compile`"
        )
    try:
        graph = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ArtifactError(f"{graph_path}: the graph is not valid JSON: {exc}") from None
    return Artifact(str(manifest.get("name")), manifest, graph, manifest_path, graph_path)


def check_manifest(manifest_path: str | Path, catalog: Catalog | None, config: Config | None) -> list[Diagnostic]:
    """Check a manifest against its graph, the catalog and itself; see ``wfc.artifact_check``."""
    from wfc.artifact_check import check_manifest as check

    return check(Path(manifest_path), catalog, config)
