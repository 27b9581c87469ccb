"""Which output files that a history entry reports the worker may read, upload and delete.

The worker moves every literal ``filename_prefix`` into the job's own subfolder ``wfc-<token>``
of ComfyUI's output folder (``isolate_outputs``), so every file those nodes write is inside it.
A history entry that reports a file of such a node anywhere else is wrong, and reading that file
could return another job's output, so the file is rejected with a logged warning. A node whose
prefix comes from a link (for example a ``PrimitiveString`` node) writes where that prefix names,
so its files are read from any subfolder except another job's ``wfc-`` subfolder. Paths with
``..``, absolute subfolders and file names with separators are always rejected.

Only the job's own subfolder is ever deleted, so a wrong history entry cannot delete other files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JOB_SUBFOLDER_PREFIX = "wfc-"


@dataclass(frozen=True)
class OutputScope:
    """The job's output subfolder and the nodes of its prompt."""

    job_subfolder: str
    isolated_nodes: frozenset[str]  # nodes whose literal filename_prefix was moved into job_subfolder
    prompt_nodes: frozenset[str]

    def place(self, node_id: str, subfolder: str, filename: str) -> tuple[str | None, str]:
        """Return (normalised subfolder, "") for a file the job may read, or (None, reason) otherwise."""
        if node_id not in self.prompt_nodes:
            return None, f"node {node_id} is not in the prompt"
        if not filename or filename in (".", "..") or any(char in filename for char in "/\\\0"):
            return None, f"file name {filename!r} is not a plain file name"
        if subfolder.startswith(("/", "\\")) or "\0" in subfolder:
            return None, f"subfolder {subfolder!r} is absolute"
        parts = [part for part in subfolder.replace("\\", "/").split("/") if part not in ("", ".")]
        if ".." in parts:
            return None, f"subfolder {subfolder!r} contains '..'"

        normalised = "/".join(parts)
        if parts and parts[0] == self.job_subfolder:
            return normalised, ""
        if node_id in self.isolated_nodes:
            return None, f"subfolder {subfolder!r} is outside the job's subfolder {self.job_subfolder}"
        if parts and parts[0].startswith(JOB_SUBFOLDER_PREFIX):
            return None, f"subfolder {subfolder!r} belongs to another job"
        return normalised, ""


def isolate_outputs(graph: dict[str, Any], token: str) -> OutputScope:
    """Prefix every literal ``filename_prefix`` with the job's subfolder; return the job's output scope."""
    subfolder = f"{JOB_SUBFOLDER_PREFIX}{token}"
    isolated = set()
    for node_id, node in graph.items():
        prefix = (node.get("inputs") or {}).get("filename_prefix")
        if isinstance(prefix, str):
            base = prefix.replace("\\", "/").split("/")[-1]
            if base in ("", ".", ".."):
                base = "output"
            node["inputs"]["filename_prefix"] = f"{subfolder}/{base}"
            isolated.add(str(node_id))
    return OutputScope(subfolder, frozenset(isolated), frozenset(str(node_id) for node_id in graph))
