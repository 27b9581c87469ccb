"""Helpers for the lint tests: lint a graph dict against the committed worker catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from wfc.config import Config
from wfc.diagnostics import Diagnostic


@pytest.fixture
def lint_dict(worker_catalog) -> Callable[..., list[Diagnostic]]:
    """Lint an API graph held in memory with no settings (no contract, no model profile)."""
    from wfc.lint.runner import lint_graph

    def run(data: Any, config: Config | None = None, **kwargs: Any) -> list[Diagnostic]:
        return lint_graph(data, worker_catalog, config or Config(root=Path.cwd()), **kwargs)

    return run


def codes(diagnostics: list[Diagnostic]) -> list[tuple[str, str | None, str | None]]:
    """Return (code, node, input) for each diagnostic, in report order."""
    return [(diag.code, diag.node, diag.input) for diag in diagnostics]
