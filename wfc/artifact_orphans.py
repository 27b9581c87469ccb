"""Find and remove orphan artifacts: compiled files in the output folder that no spec builds any more.

The worker serves every artifact in its workflows folder, so an artifact left behind after its
spec was deleted or renamed stays live. An artifact is an orphan when its manifest's source spec
no longer exists, or when no spec of the compiled set builds a workflow of its name. Only wfc
artifacts count: a ``<name>.manifest.json`` whose format is ``wfc-artifact/1``, and the graph
file it names in the same folder. Other files in the folder are never reported or removed.

An artifact whose source spec exists but failed to build is kept, because the compiler cannot
tell which workflow that spec builds. The build failure already fails the run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wfc.artifact import ARTIFACT_FORMAT, MANIFEST_SUFFIX
from wfc.spec.codes import display_path


@dataclass
class Orphan:
    """One orphan artifact: its name, its files and why no spec builds it."""

    name: str
    manifest: Path
    graph: Path | None  # None when the manifest names no graph file in its folder
    reason: str

    @property
    def files(self) -> list[Path]:
        """Return the files of the artifact, graph first, so the manifest goes last on removal."""
        return [path for path in (self.graph, self.manifest) if path is not None]


def _read_manifest(path: Path) -> dict[str, Any] | None:
    """Return the manifest at ``path`` when it is a wfc artifact manifest, else None."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != ARTIFACT_FORMAT:
        return None
    return data


def _graph_file(manifest_path: Path, manifest: dict[str, Any]) -> Path | None:
    """Return the graph file a manifest names, when it is a plain ``.json`` name in the same folder."""
    graph = manifest.get("graph")
    if not isinstance(graph, str) or not graph.endswith(".json") or graph.endswith(MANIFEST_SUFFIX):
        return None
    if Path(graph).name != graph or graph in (".", ".."):
        return None
    path = manifest_path.with_name(graph)
    return path if path.is_file() else None


def _source_path(manifest: dict[str, Any], root: Path) -> Path | None:
    source = manifest.get("source")
    path = source.get("path") if isinstance(source, dict) else None
    if not isinstance(path, str) or not path:
        return None
    return (root / path).resolve()


def find_orphans(out_dir: Path, built: dict[Path, str], unbuilt: set[Path], root: Path) -> list[Orphan]:
    """Return the orphan artifacts of ``out_dir``, in file name order.

    ``built`` maps each spec that built (resolved path) to the workflow name it builds, and
    ``unbuilt`` contains the resolved paths of the specs that failed to build. Together they must
    be the whole spec set, because an artifact that none of them builds is an orphan.
    """
    if not out_dir.is_dir():
        return []
    produced = set(built.values())
    orphans = []
    for manifest_path in sorted(out_dir.glob(f"*{MANIFEST_SUFFIX}")):
        name = manifest_path.name[: -len(MANIFEST_SUFFIX)]
        manifest = _read_manifest(manifest_path)
        if manifest is None or name in produced:
            continue

        source = _source_path(manifest, root)
        if source is not None and source in unbuilt:
            continue
        source_label = display_path(source, root) if source is not None else None
        if source is None:
            reason = f"its manifest names no source spec, and no spec builds workflow {name!r}"
        elif not source.is_file():
            reason = f"its source spec {source_label} no longer exists"
        elif source in built:
            reason = f"its source spec {source_label} now builds workflow {built[source]!r}"
        else:
            reason = f"no spec builds workflow {name!r}; its source spec {source_label} is not among the compiled specs"
        orphans.append(Orphan(name, manifest_path, _graph_file(manifest_path, manifest), reason))
    return orphans


def remove_orphan(orphan: Orphan) -> list[Path]:
    """Delete the files of ``orphan``, graph first; return the files removed.

    Removing the manifest last means an interrupted removal leaves a manifest that the next run
    still finds. Raises OSError when a file cannot be removed.
    """
    removed = []
    for path in orphan.files:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed
