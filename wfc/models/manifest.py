"""The model manifest (``worker/models.toml``): the files a deployment needs and where they go.

Each ``[[models]]`` entry names a model folder (``text_encoders``), the file's path inside that
folder (``qwen_2.5_vl_7b_fp8_scaled.1.safetensors``), the URL it comes from, and its ``size`` in
bytes and ``sha256``, which ``wfc models lock`` fills from the downloaded file. A file goes under
the first path its folder has in the profile's section of ``extra_model_paths.yaml``, so the same
manifest lays out ``/runpod-volume`` and ``/workspace/data`` alike.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from wfc.config import ConfigError
from wfc.models.inputs import map_legacy

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ManifestError(ConfigError):
    """The model manifest cannot be read or contains an invalid entry."""


@dataclass(frozen=True)
class ModelFile:
    """One file of the manifest."""

    folder: str  # current folder name (``text_encoders``, never ``clip``)
    name: str  # path inside the folder, ``/``-separated, as a model input names it
    url: str
    size: int | None = None
    sha256: str | None = None

    @property
    def locked(self) -> bool:
        return self.size is not None and self.sha256 is not None


@dataclass
class Manifest:
    """A parsed model manifest."""

    path: Path | None
    files: list[ModelFile] = field(default_factory=list)
    header: str = ""  # the comment lines above the first entry, kept by ``write_manifest``

    def find(self, folder: str, name: str) -> ModelFile | None:
        folder = map_legacy(folder)
        for model in self.files:
            if model.folder == folder and model.name == name:
                return model
        return None


def _check_name(name: str, where: str) -> None:
    if not name or name.startswith("/") or "\\" in name:
        raise ManifestError(f"{where}: name {name!r} must be a path inside the folder with '/' separators, "
                            "for example 'clip/model.safetensors'")
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ManifestError(f"{where}: name {name!r} must not contain empty, '.' or '..' parts")


def _entry(raw: Any, index: int, source: str) -> ModelFile:
    where = f"{source}: models[{index}]"
    if not isinstance(raw, dict):
        raise ManifestError(f"{where} must be a table with folder, name and url")
    unknown = sorted(set(raw) - {"folder", "name", "url", "size", "sha256"})
    if unknown:
        raise ManifestError(f"{where}: unknown keys {', '.join(unknown)}; expected folder, name, url, size, sha256")
    for key in ("folder", "name", "url"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ManifestError(f"{where}: {key} is missing or not a string")
    _check_name(raw["name"], where)
    url = raw["url"]
    if not url.startswith(("https://", "http://")):
        raise ManifestError(f"{where}: url {url!r} must start with https:// or http://")
    size = raw.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise ManifestError(f"{where}: size must be a whole number of bytes, not {size!r}")
    sha256 = raw.get("sha256")
    if sha256 is not None and (not isinstance(sha256, str) or not _SHA256.match(sha256)):
        raise ManifestError(f"{where}: sha256 must be 64 lowercase hex digits, not {sha256!r}")
    return ModelFile(map_legacy(raw["folder"]), raw["name"], url, size, sha256)


def parse_manifest(text: str, source: str = "models.toml", path: Path | None = None) -> Manifest:
    """Parse manifest text; raise ManifestError with the file and entry on any fault."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{source}: invalid TOML: {exc}") from None
    unknown = sorted(set(document) - {"models"})
    if unknown:
        raise ManifestError(f"{source}: unknown top-level keys {', '.join(unknown)}; entries go in [[models]] tables")
    raw_files = document.get("models", [])
    if not isinstance(raw_files, list):
        raise ManifestError(f"{source}: 'models' must be an array of tables ([[models]])")
    files = [_entry(raw, index, source) for index, raw in enumerate(raw_files)]

    seen: set[tuple[str, str]] = set()
    for model in files:
        key = (model.folder, model.name)
        if key in seen:
            raise ManifestError(f"{source}: {model.folder}/{model.name} is listed twice")
        seen.add(key)

    header_lines = []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            header_lines.append(line)
        else:
            break
    return Manifest(path, files, "\n".join(header_lines).strip("\n"))


def load_manifest(path: str | Path) -> Manifest:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{path}: model manifest not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read the model manifest: {exc}") from None
    return parse_manifest(text, str(path), path)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def render_manifest(manifest: Manifest) -> str:
    """Return the manifest as TOML in wfc's layout: the header comment, then one table per file."""
    parts = [manifest.header + "\n"] if manifest.header else []
    for model in manifest.files:
        lines = [
            "[[models]]",
            f"folder = {_toml_string(model.folder)}",
            f"name = {_toml_string(model.name)}",
            f"url = {_toml_string(model.url)}",
        ]
        if model.size is not None:
            lines.append(f"size = {model.size}")
        if model.sha256 is not None:
            lines.append(f"sha256 = {_toml_string(model.sha256)}")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def write_manifest(manifest: Manifest, path: Path) -> None:
    """Write the manifest to a temporary name beside ``path`` and rename it into place."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(render_manifest(manifest), encoding="utf-8")
    temporary.replace(path)


def with_lock(manifest: Manifest, model: ModelFile, size: int, sha256: str) -> Manifest:
    """Return a copy of the manifest with ``size`` and ``sha256`` set on one file."""
    files = [replace(item, size=size, sha256=sha256) if item == model else item for item in manifest.files]
    return Manifest(manifest.path, files, manifest.header)


class PlacementError(ConfigError):
    """A manifest file has no place in the profile's layout."""


def placement(model: ModelFile, section: Any) -> str:
    """Return the absolute deployment path of a manifest file in a profile's layout.

    ``section`` is a ``wfc.models.paths.Section``; the file goes under the first path that the
    section registers for the file's folder (``clip`` keys count as ``text_encoders``).
    """
    paths = section.folder_paths(model.folder)
    if not paths:
        raise PlacementError(
            f"section {section.name!r} registers no path for folder {model.folder!r}, so "
            f"{model.folder}/{model.name} has no place in its layout; add a '{model.folder}:' key to it"
        )
    return posixpath.join(paths[0], model.name)
