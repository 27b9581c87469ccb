"""Lower an editor (UI-format) workflow to an API-format prompt, as ComfyUI's frontend does.

The steps follow the frontend's ``graphToPrompt`` (ComfyUI_frontend 1.27.10). First, subgraph
instances are flattened into execution nodes and PrimitiveNode values are written into the
widgets they feed. Then every node that is sent (not virtual, not muted, not bypassed) gets its
widget values, and each of its input sockets is resolved to a link or a literal. A last pass drops inputs whose source was not
sent. Every fault the frontend would raise or hide becomes a diagnostic on the UI node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wfc.catalog import Catalog
from wfc.convert import codes
from wfc.convert.document import (
    MODE_BYPASS,
    MODE_NEVER,
    InputSlot,
    UIDocument,
    UIGraph,
    UINode,
    read_document,
)
from wfc.convert.frontend_nodes import CORE_VIRTUAL, DATALESS_NODES, PASS_THROUGH_NODES, describe_frontend_only
from wfc.convert.order import execution_order
from wfc.convert.primitives import apply_primitive_nodes
from wfc.convert.resolve import ExecNode, ResolveError, Resolver
from wfc.convert.subgraphs import instance_inputs, promoted_widget_values
from wfc.convert.titles import class_title, node_title
from wfc.convert.text import SAVE_NODE_TYPES, apply_text_replacements, process_dynamic_prompt
from wfc.convert.widgets import Widget, WidgetValues, node_widget_values, socket_order
from wfc.diagnostics import Diagnostic, Severity

# Node property that names a node for ``%Name.widget%`` replacements.
SEARCH_NAME_PROPERTY = "Node name for S&R"

# Subgraphs nested deeper than this are reported instead of expanded (the editor nests a few levels).
MAX_SUBGRAPH_DEPTH = 32


@dataclass
class Conversion:
    """The result of lowering one editor file."""

    prompt: dict[str, dict[str, Any]]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    origins: dict[str, tuple[str, str]] = field(default_factory=dict)  # API id -> (UI node id, title)


class Lowering:
    """One conversion run: the execution nodes, their widget values and the diagnostics."""

    def __init__(self, document: UIDocument, catalog: Catalog, now: datetime | None = None) -> None:
        self.document = document
        self.catalog = catalog
        self.now = now if now is not None else datetime.now()
        self.diagnostics: list[Diagnostic] = []
        # (code, node, input) of every diagnostic so far: a fault reached from several inputs or
        # passes (a Reroute loop, say) is reported once.
        self.reported: set[tuple[str, str | None, str | None]] = set()
        self.exec_nodes: dict[str, ExecNode] = {}
        # Widget values per UI node, keyed by (graph id, node id): every instance of a subgraph
        # shares the inner nodes of its definition, so they share widget values too.
        self.widget_values: dict[tuple[str, str], WidgetValues] = {}

    # --- flattening ---------------------------------------------------------------------------

    def flatten(self, graph: UIGraph, path: tuple[str, ...], parent: ExecNode | None, ancestry: tuple[str, ...]) -> None:
        for node in graph.nodes.values():
            exec_id = ":".join((*path, node.id))
            exec_node = ExecNode(exec_id, node, graph, path, parent, inputs=self.node_inputs(node))
            self.exec_nodes[exec_id] = exec_node

            definition = self.document.subgraphs.get(node.type)
            if definition is not None:
                self._add_instance(exec_node, definition, path, ancestry)
            elif node.type in CORE_VIRTUAL or node.type in PASS_THROUGH_NODES or node.type in DATALESS_NODES:
                exec_node.virtual = True

    def node_inputs(self, node: UINode) -> list[InputSlot]:
        """Return a node's input sockets as the frontend rebuilds them on load.

        For a catalog class the frontend creates the sockets from the class (bare inputs first,
        then widget inputs), takes each one's link from the saved socket of the same name, and
        appends saved sockets the class does not define. Other nodes keep their saved sockets.
        """
        node_class = self.catalog.get(node.type)
        if node_class is None:
            return node.inputs
        saved: dict[str, InputSlot] = {}
        for slot in node.inputs:
            saved.setdefault(slot.name, slot)
        inputs = []
        defined = set()
        for name, input_type, has_widget in socket_order(node_class):
            defined.add(name)
            saved_slot = saved.get(name)
            link = saved_slot.link if saved_slot is not None else None
            inputs.append(InputSlot(name=name, type=input_type, link=link, widget=name if has_widget else None))
        inputs.extend(slot for slot in node.inputs if slot.name not in defined)
        return inputs

    def _add_instance(self, exec_node: ExecNode, definition: UIGraph, path: tuple[str, ...], ancestry: tuple[str, ...]) -> None:
        exec_node.virtual = True
        exec_node.subgraph = definition
        exec_node.inputs = instance_inputs(exec_node.node, definition)
        if definition.id in ancestry or len(ancestry) >= MAX_SUBGRAPH_DEPTH:
            self.report(codes.UNREADABLE_ENTRY, exec_node,
                        f"subgraph {definition.name!r} contains itself (or nests deeper than "
                        f"{MAX_SUBGRAPH_DEPTH} levels); its inner nodes are not converted")
            exec_node.subgraph = None
            return
        self.flatten(definition, (*path, exec_node.node.id), exec_node, (*ancestry, definition.id))

    # --- diagnostics ----------------------------------------------------------------------------

    def report(self, code: codes.Code, exec_node: ExecNode | None, message: str, **fields: Any) -> None:
        """Add a diagnostic on ``exec_node``, unless one of the same code, node and input exists."""
        if exec_node is not None:
            fields.setdefault("node", exec_node.id)
            fields.setdefault("pointer", f"{exec_node.graph.pointer}/nodes/{exec_node.node.index}")
            fields.setdefault("title", node_title(exec_node.node, self.catalog))
            fields.setdefault("class_type", exec_node.node.type)
        key = (code.code, fields.get("node"), fields.get("input"))
        if key in self.reported:
            return
        self.reported.add(key)
        self.diagnostics.append(codes.make(code, message, **fields))

    def report_read_problems(self) -> None:
        """Turn the problems met while reading the file into WFC601 diagnostics."""
        for problem in self.document.problems:
            title = problem.title
            if title is None and problem.class_type is not None:
                title = class_title(problem.class_type, self.catalog)
            self.diagnostics.append(codes.make(
                codes.UNREADABLE_ENTRY, problem.message, node=problem.node, title=title,
                class_type=problem.class_type, pointer=problem.pointer, severity=problem.severity,
                hint="fix the entry by hand, or open the workflow in the editor and save it again"))

    def describe(self, exec_node: ExecNode) -> str:
        title = node_title(exec_node.node, self.catalog)
        return f"node {exec_node.id} ({title!r}, {exec_node.node.type})"

    # --- widget values --------------------------------------------------------------------------

    def values_of(self, exec_node: ExecNode) -> WidgetValues | None:
        key = (exec_node.graph.id, exec_node.node.id)
        if key not in self.widget_values:
            node_class = self.catalog.get(exec_node.node.type)
            if node_class is None:
                return None
            values, problem = node_widget_values(exec_node.node, node_class)
            if problem is not None and "widgets_values" not in exec_node.node.unreadable:
                self.report(codes.WIDGET_COUNT, exec_node, f"{self.describe(exec_node)}: {problem.message}",
                            severity=Severity.ERROR if problem.shifted else Severity.WARNING,
                            hint="check that the catalog matches the ComfyUI and node packs the workflow "
                                 "was saved with, then open and save the workflow in that editor")
            self.widget_values[key] = values
        return self.widget_values[key]

    def inner_value(self, instance: ExecNode) -> Any:
        def lookup(node: UINode, name: str) -> tuple[bool, Any]:
            inner = self.exec_nodes.get(":".join((*instance.path, instance.node.id, node.id)))
            values = self.values_of(inner) if inner is not None else None
            if values is None:
                return False, None
            return values.get(name)
        return lookup

    # --- the run --------------------------------------------------------------------------------

    def run(self) -> Conversion:
        self.report_read_problems()
        self.flatten(self.document.root, (), None, ())
        self.check_classes()

        for exec_node in self.exec_nodes.values():
            if exec_node.subgraph is not None:
                exec_node.promoted = promoted_widget_values(exec_node.node, exec_node.subgraph, self.inner_value(exec_node))
        apply_primitive_nodes(self)

        resolver = Resolver(self.exec_nodes)
        prompt: dict[str, dict[str, Any]] = {}
        origins: dict[str, tuple[str, str]] = {}
        for exec_node in self.execution_order():
            entry = self.lower_node(exec_node, resolver)
            if entry is None:
                continue
            prompt[exec_node.id] = entry
            origins[exec_node.id] = (exec_node.id, entry["_meta"]["title"])

        self.drop_inputs_from_unsent(prompt)
        return Conversion(prompt=order_like_javascript(prompt), diagnostics=self.diagnostics, origins=origins)

    def check_classes(self) -> None:
        """Report nodes whose class the catalog lacks and frontend-only nodes of other packs."""
        for exec_node in self.exec_nodes.values():
            node_type = exec_node.node.type
            if exec_node.virtual or node_type in self.catalog:
                if node_type in DATALESS_NODES:
                    self.report(codes.UI_ONLY_NODE_DROPPED, exec_node,
                                f"{self.describe(exec_node)} only changes the editor; it is left out of the prompt")
                continue
            if exec_node.mode == MODE_NEVER:
                continue  # the frontend never sends it, so its class does not matter
            frontend_only = describe_frontend_only(node_type)
            if frontend_only is not None:
                self.report(codes.FRONTEND_ONLY_NODE, exec_node, f"{self.describe(exec_node)}: {frontend_only}",
                            hint="replace it with direct links in the editor, then save again")
            elif exec_node.mode == MODE_BYPASS:
                continue  # bypassed nodes are resolved through their inputs, whatever their class
            else:
                self.report(codes.UNKNOWN_CLASS, exec_node,
                            f"{self.describe(exec_node)}: class {node_type!r} is not in the catalog and is not "
                            "a subgraph of this file, so the prompt cannot include it",
                            hint="install the node pack that provides it and refresh the catalog, or remove the node")

    def execution_order(self) -> list[ExecNode]:
        """List execution nodes in the order the frontend lowers them: root nodes in execution
        order, each subgraph instance followed by its inner nodes."""
        root = self.document.root
        inputs_of = {exec_node.node.id: exec_node.inputs for exec_node in self.exec_nodes.values()
                     if not exec_node.path}
        ordered: list[ExecNode] = []
        for node in execution_order(root, inputs_of):
            exec_node = self.exec_nodes[node.id]
            ordered.append(exec_node)
            ordered.extend(self.inner_nodes(exec_node))
        return ordered

    def inner_nodes(self, instance: ExecNode) -> list[ExecNode]:
        """List a subgraph instance's inner execution nodes, depth first in definition order."""
        if instance.subgraph is None:
            return []
        prefix = (*instance.path, instance.node.id)
        inner: list[ExecNode] = []
        for node in instance.subgraph.nodes.values():
            exec_node = self.exec_nodes.get(":".join((*prefix, node.id)))
            if exec_node is None:
                continue
            inner.append(exec_node)
            inner.extend(self.inner_nodes(exec_node))
        return inner

    def lower_node(self, exec_node: ExecNode, resolver: Resolver) -> dict[str, Any] | None:
        node = exec_node.node
        if exec_node.virtual or node.mode in (MODE_NEVER, MODE_BYPASS):
            return None
        if node.type not in self.catalog:
            return None

        inputs: dict[str, Any] = {}
        values = self.values_of(exec_node)
        for widget, value in (values.prompt_items() if values is not None else []):
            inputs[widget.name] = wrap_list(self.serialize_widget(exec_node, widget, value))

        for index, slot in enumerate(exec_node.inputs):
            try:
                resolved = resolver.resolve_input(exec_node, index)
            except ResolveError as exc:
                # A fault found upstream (a Reroute loop) is reported once on the node where it is,
                # however many inputs reach it.
                input_name = (slot.name or None) if exc.node is exec_node else exc.input_name
                self.report(codes.BROKEN_LINK, exc.node, str(exc), input=input_name)
                continue
            except RecursionError:
                self.report(codes.BROKEN_LINK, exec_node,
                            f"input {slot.name!r} of {self.describe(exec_node)} passes through too many "
                            "reroutes or bypassed nodes to resolve", input=slot.name or None)
                continue
            if resolved is None:
                self.note_unresolved(exec_node, slot, resolver)
                continue
            if resolved.has_value:
                inputs[slot.name] = wrap_list(resolved.value)
            else:
                inputs[slot.name] = [resolved.origin_id, resolved.origin_slot]

        return {"inputs": inputs, "class_type": node.type, "_meta": {"title": node_title(node, self.catalog)}}

    def serialize_widget(self, exec_node: ExecNode, widget: Widget, value: Any) -> Any:
        """Return the value the frontend sends for a widget: dynamic prompts and file name patterns resolved."""
        if widget.dynamic_prompts and isinstance(value, str):
            processed = process_dynamic_prompt(value)
            if processed.had_choices:
                self.report(codes.DYNAMIC_PROMPT, exec_node,
                            f"input {widget.name!r} of {self.describe(exec_node)} has {{a|b}} choices; the frontend "
                            "picks one at random on each run, and the prompt takes the first option of each",
                            input=widget.name, hint="write the prompt you want without braces, or escape them as \\{ \\}")
            value = processed.text
        if exec_node.node.type in SAVE_NODE_TYPES and widget.name == "filename_prefix" and isinstance(value, str):
            value = self.replace_text(exec_node, widget.name, value)
        return value

    def replace_text(self, exec_node: ExecNode, input_name: str, value: str) -> str:
        """Apply the frontend's ``%Name.widget%`` and ``%date:...%`` replacements to a value."""
        replaced, unresolved = apply_text_replacements(value, self.find_widget_value, self.now)
        if unresolved:
            patterns = ", ".join(dict.fromkeys(unresolved))
            self.report(codes.TEXT_REPLACEMENT, exec_node,
                        f"input {input_name!r} of {self.describe(exec_node)} uses {patterns}, which name no node "
                        "and widget of this workflow; they are sent unchanged", input=input_name)
        return replaced

    def find_widget_value(self, node_name: str, widget_name: str) -> tuple[bool, Any]:
        """Find a widget value by node name (its "Node name for S&R" property, else its title), as the frontend does."""
        candidates = self.all_nodes()
        matches = [exec_node for exec_node in candidates if self.search_name(exec_node) == node_name]
        if not matches:
            matches = [exec_node for exec_node in candidates
                       if node_title(exec_node.node, self.catalog) == node_name]
        if not matches:
            return False, None
        values = self.values_of(matches[0])
        if values is None:
            return False, None
        return values.get(widget_name)

    def search_name(self, exec_node: ExecNode) -> str | None:
        saved = exec_node.node.properties.get(SEARCH_NAME_PROPERTY)
        if isinstance(saved, str):
            return saved
        if exec_node.node.type in self.catalog and exec_node.node.type not in SAVE_NODE_TYPES:
            return exec_node.node.type
        return None

    def all_nodes(self) -> list[ExecNode]:
        """List one execution node per UI node, subgraph contents before their instance, as the frontend visits them."""
        seen: set[tuple[str, str]] = set()
        ordered: list[ExecNode] = []

        def visit(graph: UIGraph, prefix: tuple[str, ...]) -> None:
            for node in graph.nodes.values():
                exec_node = self.exec_nodes.get(":".join((*prefix, node.id)))
                if exec_node is None:
                    continue
                if exec_node.subgraph is not None:
                    visit(exec_node.subgraph, (*prefix, node.id))
                key = (graph.id, node.id)
                if key not in seen:
                    seen.add(key)
                    ordered.append(exec_node)

        visit(self.document.root, ())
        return ordered

    def note_unresolved(self, exec_node: ExecNode, slot: InputSlot, resolver: Resolver) -> None:
        """Report a linked input that resolved to nothing because a bypassed node had no match."""
        if slot.link is None:
            return
        link = exec_node.graph.links.get(slot.link)
        if link is None:
            return
        origin = self.exec_nodes.get(":".join((*exec_node.path, link.origin_id)))
        if origin is not None and origin.mode == MODE_BYPASS:
            self.report(codes.BYPASS_NO_MATCH, exec_node,
                        f"input {slot.name!r} of {self.describe(exec_node)} is fed by bypassed "
                        f"{self.describe(origin)}, which has no input of type {slot.type}; "
                        "the prompt leaves the input unlinked", input=slot.name or None)

    def drop_inputs_from_unsent(self, prompt: dict[str, dict[str, Any]]) -> None:
        """Remove link inputs whose source node is not in the prompt, as the frontend does."""
        for node_id, entry in prompt.items():
            inputs = entry["inputs"]
            for name in list(inputs):
                value = inputs[name]
                if isinstance(value, list) and len(value) == 2 and value[0] not in prompt:
                    del inputs[name]
                    source = self.exec_nodes.get(str(value[0]))
                    source_text = self.describe(source) if source is not None else f"node {value[0]}"
                    self.report(codes.INPUT_FROM_REMOVED, self.exec_nodes[node_id],
                                f"input {name!r} of {self.describe(self.exec_nodes[node_id])} is left out because "
                                f"its source, {source_text}, is muted or not sent", input=name)


def wrap_list(value: Any) -> Any:
    """Box a list value so ComfyUI does not read it as a link; ComfyUI unboxes ``__value__`` itself."""
    if isinstance(value, list):
        return {"__value__": value}
    return value


def order_like_javascript(prompt: dict[str, Any]) -> dict[str, Any]:
    """Order keys as a JavaScript object does: integer-like keys ascending, then the rest as inserted.

    The frontend builds the prompt as a JavaScript object, so this gives the same key order as a
    prompt it exports.
    """
    numeric = sorted((key for key in prompt if key.isdigit() and (key == "0" or not key.startswith("0"))), key=int)
    numeric_set = set(numeric)
    rest = [key for key in prompt if key not in numeric_set]
    return {key: prompt[key] for key in (*numeric, *rest)}


def convert_document(data: dict[str, Any], catalog: Catalog, now: datetime | None = None) -> Conversion:
    """Lower a parsed editor document; see ``convert_ui``."""
    return Lowering(read_document(data), catalog, now).run()
