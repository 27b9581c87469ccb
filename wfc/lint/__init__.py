"""``wfc lint``: rules, the runner and the reporters.

Public entry points for other areas of wfc (imported lazily so ``import wfc.lint`` stays cheap):

- ``lint_graph(data, catalog, config=None, *, path=..., document=..., spec_origins=...,
  ui_origins=..., manifest=..., options=...) -> list[Diagnostic]``: one API-format graph in memory.
- ``lint_file(path, catalog, config, options=None) -> FileResult``: one file of any kind.
- ``lint_paths(paths, catalog, config, options=None, fail_on=...) -> Report``: files and folders.
- ``LintOptions``: select, ignore, convert_ui, profile, use_contract.
- ``RULES`` / ``load_all()``: the registry of rule codes.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LintOptions", "UsageError", "lint_bytes", "lint_file", "lint_graph", "lint_paths", "load_all"]


def __getattr__(name: str) -> Any:
    if name in ("LintOptions", "UsageError", "lint_bytes", "lint_file", "lint_graph", "lint_paths"):
        from wfc.lint import runner

        return getattr(runner, name)
    if name == "load_all":
        from wfc.lint.registry import load_all

        return load_all
    if name == "RULES":
        from wfc.lint.registry import load_all

        return load_all()
    raise AttributeError(f"module 'wfc.lint' has no attribute {name!r}")
