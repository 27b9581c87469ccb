"""The editor's saved workflow format (UI format), read into plain objects.

An editor file has top-level ``nodes`` and ``links`` (version 0.4) and, since subgraphs arrived,
``definitions.subgraphs``: each definition is a graph of its own whose links go to and from two
pseudo nodes, the subgraph's input node (id -10) and output node (id -20). A link is either an
array ``[id, origin_id, origin_slot, target_id, target_slot, type]`` or an object with those keys;
both encodings occur, also inside subgraph definitions.

Reading is tolerant: a malformed node or link is skipped or read as far as it can be, and
recorded as a problem with the node's id and title, so the caller can report it instead of
raising. Each malformed field gets one problem, and the node remembers which fields were reported
(``UINode.unreadable``) so later steps do not report the same fault again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from wfc.diagnostics import Severity
from wfc.graph import json_type_name

# Node ids of the subgraph boundary pseudo nodes inside a subgraph definition.
SUBGRAPH_INPUT_ID = "-10"
SUBGRAPH_OUTPUT_ID = "-20"

# Node modes as litegraph numbers them.
MODE_ALWAYS = 0
MODE_NEVER = 2  # "muted" in the editor
MODE_BYPASS = 4


@dataclass
class InputSlot:
    """One input socket of a node: its name, type, the link feeding it and its widget, if any."""

    name: str
    type: str
    link: int | None = None
    widget: str | None = None  # name of the widget this socket belongs to


@dataclass
class OutputSlot:
    """One output socket of a node and the ids of the links leaving it."""

    name: str
    type: str
    links: list[int] = field(default_factory=list)
    widget: str | None = None  # PrimitiveNode outputs name the widget they feed


@dataclass
class UINode:
    """One node as the editor saved it."""

    id: str
    type: str
    mode: int
    title: str | None
    inputs: list[InputSlot]
    outputs: list[OutputSlot]
    widgets_values: list[Any] | dict[str, Any] | None
    properties: dict[str, Any]
    index: int  # position in the file's node list
    unreadable: frozenset[str] = frozenset()  # fields already reported as malformed


@dataclass(frozen=True)
class UILink:
    """A link from output ``origin_slot`` of ``origin_id`` into input ``target_slot`` of ``target_id``."""

    id: int
    origin_id: str
    origin_slot: int
    target_id: str
    target_slot: int
    type: str


@dataclass
class BoundarySlot:
    """An input or output of a subgraph definition, as its instances show it."""

    name: str
    type: str
    link_ids: list[int] = field(default_factory=list)


@dataclass
class UIGraph:
    """The nodes and links of the root graph or of one subgraph definition."""

    nodes: dict[str, UINode]
    links: dict[int, UILink]
    id: str = ""  # the definition's id, empty for the root graph
    pointer: str = ""  # JSON pointer of the graph in the file: "" or "/definitions/subgraphs/N"
    name: str = ""
    inputs: list[BoundarySlot] = field(default_factory=list)
    outputs: list[BoundarySlot] = field(default_factory=list)
    # Ids of node entries that were reported and skipped, so links to them are not reported again.
    skipped_nodes: set[str] = field(default_factory=set)
    # Ids of link entries that were reported as malformed, so inputs naming them are not reported again.
    skipped_links: set[int] = field(default_factory=set)


@dataclass
class ReadProblem:
    """A part of the document that could not be read."""

    message: str
    node: str | None = None
    title: str | None = None
    pointer: str = ""
    class_type: str | None = None
    severity: Severity = Severity.ERROR


@dataclass
class UIDocument:
    """A whole editor file: the root graph and the subgraph definitions by id."""

    root: UIGraph
    subgraphs: dict[str, UIGraph]
    problems: list[ReadProblem] = field(default_factory=list)


def _node_key(value: Any) -> str | None:
    """Normalise a node id (int, or a string in some exports) to the string used as key."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)  # the key JavaScript's String() gives a fractional number
    if isinstance(value, str) and value:
        return value
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _type_name(value: Any) -> str:
    """Return a slot type as a string; litegraph stores -1 or 0 for "any" in old files."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "COMBO"
    return "*"


# Number of items in a link of the array encoding.
LINK_ARRAY_LENGTH = 6


def read_link(raw: Any) -> UILink | None:
    """Read one link in either encoding; return None when it is malformed.

    An array needs at least the first five items; a missing type reads as ``*``.
    """
    if isinstance(raw, list) and len(raw) >= 5:
        link_id, origin, origin_slot, target, target_slot = raw[:5]
        link_type = raw[5] if len(raw) > 5 else "*"
    elif isinstance(raw, dict):
        link_id = raw.get("id")
        origin, origin_slot = raw.get("origin_id"), raw.get("origin_slot")
        target, target_slot = raw.get("target_id"), raw.get("target_slot")
        link_type = raw.get("type", "*")
    else:
        return None

    values = (_int(link_id), _node_key(origin), _int(origin_slot), _node_key(target), _int(target_slot))
    if any(value is None for value in values):
        return None
    link_id, origin, origin_slot, target, target_slot = values
    return UILink(link_id, origin, origin_slot, target, target_slot, _type_name(link_type))  # type: ignore[arg-type]


def _read_link_entry(entry: Any, index: int, problems: list[ReadProblem], where: str) -> UILink | None:
    """Read link entry ``index`` of a graph, recording a problem when it is malformed."""
    pointer = f"{where}/links/{index}"
    link = read_link(entry)
    if link is None:
        problems.append(ReadProblem(
            f"link entry {index} is malformed: {entry!r}; a link is an array [id, origin_id, origin_slot, "
            "target_id, target_slot, type] or an object with those keys, so this link is left out",
            pointer=pointer))
        return None
    if isinstance(entry, list) and len(entry) != LINK_ARRAY_LENGTH:
        problems.append(ReadProblem(
            f"link entry {index} has {len(entry)} items instead of {LINK_ARRAY_LENGTH} [id, origin_id, "
            f"origin_slot, target_id, target_slot, type]; it is read as link {link.id} from node "
            f"{link.origin_id} to node {link.target_id} of type {link.type}",
            pointer=pointer, severity=Severity.WARNING))
    return link


def _raw_link_id(entry: Any) -> Any:
    """Return the id field of a link entry in either encoding, or None."""
    if isinstance(entry, dict):
        return entry.get("id")
    if isinstance(entry, list) and entry:
        return entry[0]
    return None


def _read_inputs(raw: list[Any]) -> tuple[list[InputSlot], list[int]]:
    """Read a node's input sockets; also return the positions of entries that are not objects."""
    slots = []
    bad_entries = []
    for position, entry in enumerate(raw):
        if not isinstance(entry, dict):
            bad_entries.append(position)
            slots.append(InputSlot(name="", type="*"))
            continue
        widget = entry.get("widget")
        widget_name = widget.get("name") if isinstance(widget, dict) else None
        slots.append(InputSlot(
            name=str(entry.get("name") or ""),
            type=_type_name(entry.get("type")),
            link=_int(entry.get("link")),
            widget=widget_name if isinstance(widget_name, str) else None,
        ))
    return slots, bad_entries


def _read_outputs(raw: list[Any]) -> tuple[list[OutputSlot], list[int]]:
    """Read a node's output sockets; also return the positions of entries that are not objects."""
    slots = []
    bad_entries = []
    for position, entry in enumerate(raw):
        if not isinstance(entry, dict):
            bad_entries.append(position)
            slots.append(OutputSlot(name="", type="*"))
            continue
        links = entry.get("links")
        widget = entry.get("widget")
        widget_name = widget.get("name") if isinstance(widget, dict) else None
        slots.append(OutputSlot(
            name=str(entry.get("name") or ""),
            type=_type_name(entry.get("type")),
            links=[link for link in (_int(item) for item in links) if link is not None]
            if isinstance(links, list) else [],
            widget=widget_name if isinstance(widget_name, str) else None,
        ))
    return slots, bad_entries


class _NodeReader:
    """Reader of one node entry that records one problem per malformed field, naming the node."""

    def __init__(self, raw: dict[str, Any], index: int, problems: list[ReadProblem], where: str) -> None:
        self.raw = raw
        self.index = index
        self.problems = problems
        self.pointer = f"{where}/{index}"
        title = raw.get("title")
        self.title = title if isinstance(title, str) and title else None
        node_type = raw.get("type")
        self.class_type = node_type if isinstance(node_type, str) and node_type else None
        self.node_id: str | None = None
        self.unreadable: set[str] = set()

    def problem(self, field_name: str, message: str, severity: Severity = Severity.ERROR) -> None:
        self.unreadable.add(field_name)
        self.problems.append(ReadProblem(
            message, node=self.node_id, title=self.title, class_type=self.class_type,
            pointer=f"{self.pointer}/{field_name}", severity=severity))

    def label(self) -> str:
        text = f"node {self.node_id}" if self.node_id is not None else f"node entry {self.index}"
        if self.title is not None:
            text += f" ({self.title!r})"
        if self.class_type is not None:
            text += f" of class {self.class_type}"
        return text

    def read_id(self) -> str | None:
        """Read the node id: an integer is expected, and any other number or a string is read with a warning."""
        raw_id = self.raw.get("id")
        self.node_id = _node_key(raw_id)
        if self.node_id is None:
            self.problem("id", f"{self.label()} has no usable id ({raw_id!r}); an id is an integer, so the "
                               "node and its links are left out")
            return None
        if isinstance(raw_id, float):
            self.problem("id", f"{self.label()} has the number {raw_id!r} as id instead of an integer; it is "
                               f"read as {self.node_id}", Severity.WARNING)
        elif isinstance(raw_id, str):
            self.problem("id", f"{self.label()} has the string {raw_id!r} as id instead of an integer; it is "
                               f"read as {self.node_id}, and links must name it the same way", Severity.WARNING)
        return self.node_id

    def read_mode(self) -> int:
        """Read the node mode; anything but an integer is reported, and a number string is read as that mode."""
        raw_mode = self.raw.get("mode", MODE_ALWAYS)
        if isinstance(raw_mode, int) and not isinstance(raw_mode, bool):
            return raw_mode
        mode = _int(raw_mode)
        used = mode if mode is not None else MODE_ALWAYS
        self.problem("mode", f"{self.label()} has mode {raw_mode!r}, which is not an integer (0 always, "
                             f"2 muted, 4 bypassed); it is read as mode {used}")
        return used

    def read_inputs(self, links_into: dict[str, list[int]]) -> list[InputSlot]:
        raw_inputs = self.raw.get("inputs")
        if raw_inputs is None:
            return []
        if not isinstance(raw_inputs, list):
            self.problem("inputs", f"{self.label()} has {json_type_name(raw_inputs)} as 'inputs' instead of an "
                                   "array of input sockets; none of its links are read" +
                                   self._lost_links(links_into) +
                                   ", so open the workflow in the editor and save it again")
            return []
        slots, bad_entries = _read_inputs(raw_inputs)
        for position in bad_entries:
            self.problem(f"inputs/{position}", f"{self.label()} has {json_type_name(raw_inputs[position])} as input "
                                               f"socket {position} instead of an object; that input is not read")
        return slots

    def _lost_links(self, links_into: dict[str, list[int]]) -> str:
        ids = links_into.get(self.node_id or "", [])
        if not ids:
            return ""
        return f" (the file's links {', '.join(map(str, ids))} end at this node)"

    def read_outputs(self) -> list[OutputSlot]:
        raw_outputs = self.raw.get("outputs")
        if raw_outputs is None:
            return []
        if not isinstance(raw_outputs, list):
            self.problem("outputs", f"{self.label()} has {json_type_name(raw_outputs)} as 'outputs' instead of an "
                                    "array of output sockets; its output types and the links it lists are not read")
            return []
        slots, bad_entries = _read_outputs(raw_outputs)
        for position in bad_entries:
            self.problem(f"outputs/{position}", f"{self.label()} has {json_type_name(raw_outputs[position])} as "
                                                f"output socket {position} instead of an object; that output is not read")
        return slots

    def read_widget_values(self) -> list[Any] | dict[str, Any] | None:
        values = self.raw.get("widgets_values")
        if values is None or isinstance(values, (list, dict)):
            return values
        self.problem("widgets_values", f"{self.label()} has {json_type_name(values)} as 'widgets_values' instead of "
                                       "an array or object; its widgets keep their default values")
        return None


def read_node(
    raw: Any, index: int, problems: list[ReadProblem], where: str, links_into: dict[str, list[int]] | None = None
) -> UINode | None:
    """Read one node object; record a problem and return None when it cannot be used.

    ``links_into`` maps node ids to the ids of the graph's links that end at them, so a problem
    with a node's inputs can name the links it loses.
    """
    if not isinstance(raw, dict):
        problems.append(ReadProblem(f"node entry {index} is {json_type_name(raw)} instead of an object; it is left out",
                                    pointer=f"{where}/{index}"))
        return None
    reader = _NodeReader(raw, index, problems, where)
    node_id = reader.read_id()
    if node_id is None:
        return None
    if reader.class_type is None:
        reader.problem("type", f"{reader.label()} has no class type (its 'type' is {raw.get('type')!r}); the "
                               "node is left out, and so are the links from and to it")
        return None

    mode = reader.read_mode()
    inputs = reader.read_inputs(links_into or {})
    outputs = reader.read_outputs()
    values = reader.read_widget_values()
    properties = raw.get("properties")
    return UINode(
        id=node_id,
        type=reader.class_type,
        mode=mode,
        title=reader.title,
        inputs=inputs,
        outputs=outputs,
        widgets_values=values,
        properties=properties if isinstance(properties, dict) else {},
        index=index,
        unreadable=frozenset(reader.unreadable),
    )


def read_graph(raw: dict[str, Any], problems: list[ReadProblem], where: str = "") -> UIGraph:
    """Read the nodes and links of the root graph or of one subgraph definition."""
    links: dict[int, UILink] = {}
    skipped_links: set[int] = set()
    raw_links = raw.get("links")
    for index, entry in enumerate(raw_links if isinstance(raw_links, list) else []):
        if entry is None:
            continue  # litegraph writes null for deleted links in old files
        link = _read_link_entry(entry, index, problems, where)
        if link is not None:
            links[link.id] = link
            continue
        skipped_id = _int(_raw_link_id(entry))
        if skipped_id is not None:
            skipped_links.add(skipped_id)

    links_into: dict[str, list[int]] = {}
    for link in links.values():
        links_into.setdefault(link.target_id, []).append(link.id)

    nodes: dict[str, UINode] = {}
    skipped: set[str] = set()
    raw_nodes = raw.get("nodes")
    for index, entry in enumerate(raw_nodes if isinstance(raw_nodes, list) else []):
        node = read_node(entry, index, problems, f"{where}/nodes", links_into)
        if node is None:
            if isinstance(entry, dict) and _node_key(entry.get("id")) is not None:
                skipped.add(_node_key(entry.get("id")))  # type: ignore[arg-type]
            continue
        if node.id in nodes:
            problems.append(ReadProblem(
                f"node id {node.id} appears more than once; the later node is ignored",
                node=node.id, title=node.title, class_type=node.type, pointer=f"{where}/nodes/{index}/id"))
            continue
        nodes[node.id] = node

    graph = UIGraph(nodes=nodes, links=links, pointer=where, skipped_nodes=skipped - set(nodes),
                    skipped_links=skipped_links - set(links))
    graph.id = str(raw.get("id") or "")
    graph.name = str(raw.get("name") or "")
    graph.inputs = _read_boundary(raw.get("inputs"))
    graph.outputs = _read_boundary(raw.get("outputs"))
    return graph


def _read_boundary(raw: Any) -> list[BoundarySlot]:
    slots = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
            slots.append(BoundarySlot(name="", type="*"))
            continue
        link_ids = entry.get("linkIds")
        slots.append(BoundarySlot(
            name=str(entry.get("name") or ""),
            type=_type_name(entry.get("type")),
            link_ids=[link for link in (_int(item) for item in link_ids) if link is not None]
            if isinstance(link_ids, list) else [],
        ))
    return slots


def read_document(data: dict[str, Any]) -> UIDocument:
    """Read an editor file into a UIDocument, recording malformed entries in its ``problems``."""
    problems: list[ReadProblem] = []
    root = read_graph(data, problems)

    subgraphs: dict[str, UIGraph] = {}
    definitions = data.get("definitions")
    raw_subgraphs = definitions.get("subgraphs") if isinstance(definitions, dict) else None
    for index, entry in enumerate(raw_subgraphs if isinstance(raw_subgraphs, list) else []):
        where = f"/definitions/subgraphs/{index}"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            problems.append(ReadProblem(f"subgraph definition {index} has no id", pointer=where))
            continue
        subgraphs[entry["id"]] = read_graph(entry, problems, where)
    return UIDocument(root=root, subgraphs=subgraphs, problems=problems)
