"""Diagnostic codes of the conversion from the editor's format to the API format (family WFC6xx).

Each code names one thing the API format cannot express or one inconsistency of the editor file.
Diagnostics carry the UI node id in ``node`` (for nodes inside a subgraph, the execution id such
as ``12:5``, which is also their id in the prompt) and the node's title in ``title``.
"""

from __future__ import annotations

from dataclasses import dataclass

from wfc.diagnostics import Diagnostic, Severity


@dataclass(frozen=True)
class Code:
    """One conversion diagnostic: its code, rule name, default severity and summary."""

    code: str
    rule: str
    severity: Severity
    summary: str


NOT_UI_FORMAT = Code("WFC600", "not-ui-format", Severity.ERROR,
                     "the document is not an editor (UI-format) workflow")
UNREADABLE_ENTRY = Code("WFC601", "ui-entry-unreadable", Severity.ERROR,
                        "a node, link or subgraph entry of the editor file cannot be read")
UNKNOWN_CLASS = Code("WFC602", "ui-unknown-class", Severity.ERROR,
                     "a node's class is neither in the catalog nor a subgraph of the file")
FRONTEND_ONLY_NODE = Code("WFC603", "ui-frontend-only-node", Severity.ERROR,
                          "a node exists only in a frontend extension and its effect on links is unknown")
WIDGET_COUNT = Code("WFC604", "ui-widget-count-mismatch", Severity.WARNING,
                    "a node saves more or fewer widget values than its class has widgets (an error when they look shifted)")
BROKEN_LINK = Code("WFC605", "ui-broken-link", Severity.ERROR,
                   "an input refers to a link or node that does not exist, or links form a cycle")
BYPASS_NO_MATCH = Code("WFC606", "ui-bypass-no-match", Severity.WARNING,
                       "a bypassed node has no input of the type its consumer needs")
INPUT_FROM_REMOVED = Code("WFC607", "ui-input-from-removed-node", Severity.INFO,
                          "an input is left out because the node feeding it is muted or not sent")
DYNAMIC_PROMPT = Code("WFC608", "ui-dynamic-prompt", Severity.WARNING,
                      "a prompt uses {a|b} choices, which the frontend resolves at random on each run")
UI_ONLY_NODE_DROPPED = Code("WFC609", "ui-only-node-dropped", Severity.INFO,
                            "a frontend extension node that carries no data is left out")
TEXT_REPLACEMENT = Code("WFC610", "ui-text-replacement-unresolved", Severity.WARNING,
                        "a %Name.widget% pattern names no node and widget of the workflow")
PRIMITIVE_UNUSED = Code("WFC611", "ui-primitive-unused", Severity.WARNING,
                        "a PrimitiveNode's output is linked to no input, so its value goes nowhere")

ALL_CODES = (NOT_UI_FORMAT, UNREADABLE_ENTRY, UNKNOWN_CLASS, FRONTEND_ONLY_NODE, WIDGET_COUNT, BROKEN_LINK,
             BYPASS_NO_MATCH, INPUT_FROM_REMOVED, DYNAMIC_PROMPT, UI_ONLY_NODE_DROPPED, TEXT_REPLACEMENT,
             PRIMITIVE_UNUSED)


def make(
    code: Code,
    message: str,
    *,
    node: str | None = None,
    title: str | None = None,
    class_type: str | None = None,
    input: str | None = None,
    pointer: str = "",
    hint: str | None = None,
    severity: Severity | None = None,
) -> Diagnostic:
    """Build a conversion diagnostic of ``code``."""
    return Diagnostic(
        code=code.code,
        rule=code.rule,
        severity=code.severity if severity is None else severity,
        message=message,
        pointer=pointer,
        node=node,
        class_type=class_type,
        input=input,
        title=title,
        hint=hint,
    )
