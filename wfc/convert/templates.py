"""Locate the official workflow templates of the ``comfyui-workflow-templates`` package, when installed.

The package (a test and benchmark dependency) ships the editor files ComfyUI offers as
templates. Its index files are in the same folder but are not workflows.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def templates_folder() -> Path | None:
    """Return the package's templates folder, or None when the package is not installed."""
    spec = importlib.util.find_spec("comfyui_workflow_templates")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "templates"
    return folder if folder.is_dir() else None


def template_files(folder: Path) -> list[Path]:
    """List the workflow files of a templates folder, leaving out its index files."""
    return sorted(path for path in folder.glob("*.json") if not path.name.startswith("index."))
