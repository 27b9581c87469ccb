"""The state one lint run over one graph shares between rule families.

``LintContext.report`` turns a rule code and a message into a ``Diagnostic``. It adds the
severity and ComfyUI error type from the registry, the JSON pointer, and the line and column in
the source JSON (or the spec line the node came from), plus the node's class type and title.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wfc.catalog import Catalog
from wfc.config import Config
from wfc.diagnostics import Diagnostic, Severity
from wfc.graph import Document, Graph, Link, pointer
from wfc.lint.registry import RULES, rule


@rule("WFC000", "internal-error")
def _internal_error() -> None:
    """A check crashed; the finding names the check and the exception.

    Why:
        A bug in one check must not hide the findings of the others or end in a traceback.
        The run continues and exits 1, so the crash is not mistaken for a clean result.

    Bad:
        (any input that makes a check raise)

    Good:
        (report the message with the input that caused it)
    """


def load_model_inputs(config: Config | None) -> dict[str, dict[str, list[str]]]:
    """Return ``{class type: {input: [folder, ...]}}``: the built-in table plus ``[tool.wfc.model_inputs]``."""
    try:
        from wfc.models.inputs import model_inputs
    except ImportError:
        pass
    else:
        return model_inputs(config)

    import json
    from pathlib import Path

    table = Path(__file__).resolve().parent.parent / "data" / "model-inputs.json"
    with table.open(encoding="utf-8") as handle:
        data: dict[str, dict[str, list[str]]] = json.load(handle)
    return data


class NodeSubject:
    """A node's name for messages, formatted only when a message uses it (most nodes have none)."""

    __slots__ = ("_context", "_node_id", "_text")

    def __init__(self, context: "LintContext", node_id: str) -> None:
        self._context = context
        self._node_id = node_id
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = self._context.node_subject(self._node_id)
        return self._text

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


@dataclass
class LintContext:
    """One graph under lint, its catalog and settings, and the findings so far."""

    path: str
    catalog: Catalog | None
    config: Config | None
    data: Any
    graph: Graph = field(default_factory=lambda: Graph({}))
    document: Document | None = None
    # {api node id: (spec file, line)} when the graph was compiled from a spec
    spec_origins: dict[str, tuple[str, int]] | None = None
    # {api node id: (editor node id, editor title)} when the graph was converted from UI format
    ui_origins: dict[str, tuple[str, str | None]] | None = None
    # image inputs the worker supplies (node id, input) whose values are not checked
    supplied_inputs: set[tuple[str, str]] = field(default_factory=set)
    # model-file inputs checked by the models family instead of the catalog lists
    models_checked: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _model_inputs: dict[str, dict[str, list[str]]] | None = None
    _edges: tuple[Graph, list[tuple[str, str, Link]]] | None = None

    def edges(self) -> list[tuple[str, str, Link]]:
        """Return every well-formed link of the graph as (consumer id, input, link), computed once."""
        if self._edges is None or self._edges[0] is not self.graph:
            found = [(node.id, name, link) for node in self.graph for name, link in node.links()]
            self._edges = (self.graph, found)
        return self._edges[1]

    def subject(self, node_id: str) -> NodeSubject:
        return NodeSubject(self, node_id)

    def model_folders(self, class_type: str, input_name: str) -> list[str] | None:
        """Return the model folders an input lists files of, or None when it is not a model-file input."""
        if self._model_inputs is None:
            self._model_inputs = load_model_inputs(self.config)
        return self._model_inputs.get(class_type, {}).get(input_name)

    def node_subject(self, node_id: str) -> str:
        """Name a node for a message: id, class type and title (kept as written)."""
        node = self.graph.nodes.get(node_id)
        class_type = node.class_type if node else None
        title = node.title if node else None
        if self.ui_origins and node_id in self.ui_origins:
            ui_id, ui_title = self.ui_origins[node_id]
            title = ui_title or title
            subject = f"node {node_id} (editor node {ui_id})"
        else:
            subject = f"node {node_id}"
        if class_type:
            subject += f" {class_type}"
        if title and title != class_type:
            subject += f' "{title}"'
        return subject

    def report(
        self,
        code: str,
        message: str,
        *,
        node: str | None = None,
        input: str | None = None,
        at: str | None = None,
        hint: str | None = None,
        severity: Severity | None = None,
        comfy_type: str | None = None,
        line: int | None = None,
        column: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Diagnostic:
        """Record one finding of rule ``code``; ``at`` overrides the JSON pointer."""
        declared = RULES[code]
        if at is None:
            if node is not None and input is not None:
                at = pointer(node, "inputs", input)
            elif node is not None:
                at = pointer(node)
            else:
                at = ""

        node_entry = self.graph.nodes.get(node) if node is not None else None
        diagnostic = Diagnostic(
            code=code,
            rule=declared.name,
            severity=severity if severity is not None else declared.severity,
            message=message,
            path=self.path,
            pointer=at,
            node=node,
            class_type=node_entry.class_type if node_entry else None,
            input=input,
            comfy_type=comfy_type if comfy_type is not None else declared.comfy_type,
            hint=hint,
            title=node_entry.title if node_entry else None,
            extra=dict(extra or {}),
        )
        self._locate(diagnostic, line, column)
        self.diagnostics.append(diagnostic)
        return diagnostic

    def _locate(self, diagnostic: Diagnostic, line: int | None, column: int | None) -> None:
        if line is not None:
            diagnostic.line, diagnostic.column = line, column
            return
        if self.spec_origins is not None and diagnostic.node in self.spec_origins:
            spec_path, spec_line = self.spec_origins[diagnostic.node]
            diagnostic.extra.setdefault("json_path", self.path)
            diagnostic.path = spec_path
            diagnostic.line = spec_line
            return
        if self.document is not None and diagnostic.pointer:
            position = self.document.position(diagnostic.pointer)
            if position is not None:
                diagnostic.line, diagnostic.column = position.line, position.column
