"""Codes of the findings of spec compilation (WFC7xx) and artifact checks (WFC8xx).

The lint rule families own WFC1xx to WFC5xx and conversion owns WFC6xx. These codes follow the
same form, so reporters, ``--select`` and ``# wfc: ignore[CODE]`` treat them alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wfc.diagnostics import Diagnostic, Severity

# code -> (rule name, default severity, one-line summary)
CODES: dict[str, tuple[str, Severity, str]] = {
    "WFC701": ("spec-build-failed", Severity.ERROR, "the spec raised an error while it was built"),
    "WFC702": ("spec-unknown-class", Severity.ERROR, "a spec node uses a class type the catalog does not have"),
    "WFC703": ("spec-unknown-input", Severity.ERROR, "a spec node sets an input its class does not declare"),
    "WFC704": ("spec-invalid-value", Severity.ERROR, "a spec node input is neither a JSON literal, a link nor a parameter"),
    "WFC705": ("spec-duplicate-node-id", Severity.ERROR, "two spec nodes have the same id"),
    "WFC706": ("spec-invalid-link", Severity.ERROR, "a spec link reads a node of another workflow or a node with several outputs"),
    "WFC707": ("parameter-unbound", Severity.ERROR, "a parameter is bound to no node input"),
    "WFC708": ("parameter-invalid", Severity.ERROR, "a parameter does not fit the inputs it is bound to"),
    "WFC709": ("output-invalid", Severity.ERROR, "a named output is not an output node"),
    "WFC710": ("no-named-outputs", Severity.WARNING, "the spec names no output, so the manifest lists none"),
    "WFC711": ("parameter-duplicate", Severity.ERROR, "two parameters (or aliases) have the same name"),
    "WFC800": ("manifest-invalid", Severity.ERROR, "the manifest cannot be read or lacks a required field"),
    "WFC801": ("graph-digest-mismatch", Severity.ERROR, "the graph file changed after it was compiled"),
    "WFC802": ("catalog-digest-mismatch", Severity.WARNING, "the artifact was compiled against another catalog"),
    "WFC803": ("binding-invalid", Severity.ERROR, "a parameter binding points at a node or input the graph lacks"),
    "WFC804": ("schema-inconsistent", Severity.ERROR, "the input schema does not match the parameters"),
    "WFC805": ("source-stale", Severity.WARNING, "the spec changed after the artifact was compiled"),
    "WFC806": ("manifest-graph-mismatch", Severity.ERROR, "the manifest's outputs or models do not match the graph"),
    "WFC807": ("parameter-catalog-mismatch", Severity.ERROR, "a parameter's type, bounds or options no longer fit the catalog input it is bound to"),
}


def display_path(path: str | Path, root: Path | None) -> str:
    """Return ``path`` relative to ``root`` with ``/`` separators when it lies under it."""
    resolved = Path(path).resolve()
    if root is not None:
        try:
            return resolved.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def make_diagnostic(
    code: str,
    message: str,
    *,
    path: str = "",
    line: int | None = None,
    severity: Severity | None = None,
    **fields: Any,
) -> Diagnostic:
    """Build a Diagnostic for one of the codes above."""
    name, default_severity, _ = CODES[code]
    return Diagnostic(
        code=code,
        rule=name,
        severity=default_severity if severity is None else severity,
        message=message,
        path=path,
        line=line,
        **fields,
    )
