"""The editor's saved workflow format (UI format), read into plain objects.

An editor file has top-level ``nodes`` and ``links`` (version 0.4) and, since subgraphs arrived,
``definitions.subgraphs``: each definition is a graph of its own whose links go to and from two
pseudo nodes, the subgraph's input node (id -10) and output node (id -20). A link is either an
array ``[id, origin_id, origin_slot, target_id, target_slot, type]`` or an object with those keys;
both encodings occur, also inside subgraph definitions.

Reading is tolerant: a malformed node or link is skipped and recorded as a problem with the
node's id and title, so the caller can report it instead of raising.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class ReadProblem:
    """A part of the document that could not be read."""

    message: str
    node: str | None = None
    title: str | None = None
    pointer: str = ""


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


def read_link(raw: Any) -> UILink | None:
    """Read one link in either encoding; return None when it is malformed."""
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


def _read_inputs(raw: Any) -> list[InputSlot]:
    slots = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
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
    return slots


def _read_outputs(raw: Any) -> list[OutputSlot]:
    slots = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
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
    return slots


def read_node(raw: Any, index: int, problems: list[ReadProblem], where: str) -> UINode | None:
    """Read one node object; record a problem and return None when it cannot be used."""
    if not isinstance(raw, dict):
        problems.append(ReadProblem(f"node entry {index} is not an object", pointer=f"{where}/{index}"))
        return None
    node_id = _node_key(raw.get("id"))
    title = raw.get("title") if isinstance(raw.get("title"), str) else None
    if node_id is None:
        problems.append(ReadProblem(
            f"node entry {index} has no usable id ({raw.get('id')!r})", title=title, pointer=f"{where}/{index}/id"))
        return None
    node_type = raw.get("type")
    if not isinstance(node_type, str) or not node_type:
        problems.append(ReadProblem(
            f"node {node_id} has no class type (its 'type' is {node_type!r})",
            node=node_id, title=title, pointer=f"{where}/{index}/type"))
        return None

    mode = _int(raw.get("mode"))
    values = raw.get("widgets_values")
    properties = raw.get("properties")
    return UINode(
        id=node_id,
        type=node_type,
        mode=mode if mode is not None else MODE_ALWAYS,
        title=title,
        inputs=_read_inputs(raw.get("inputs")),
        outputs=_read_outputs(raw.get("outputs")),
        widgets_values=values if isinstance(values, (list, dict)) else None,
        properties=properties if isinstance(properties, dict) else {},
        index=index,
    )


def read_graph(raw: dict[str, Any], problems: list[ReadProblem], where: str = "") -> UIGraph:
    """Read the nodes and links of the root graph or of one subgraph definition."""
    nodes: dict[str, UINode] = {}
    raw_nodes = raw.get("nodes")
    for index, entry in enumerate(raw_nodes if isinstance(raw_nodes, list) else []):
        node = read_node(entry, index, problems, f"{where}/nodes")
        if node is None:
            continue
        if node.id in nodes:
            problems.append(ReadProblem(
                f"node id {node.id} appears more than once; the later node is ignored",
                node=node.id, title=node.title, pointer=f"{where}/nodes/{index}/id"))
            continue
        nodes[node.id] = node

    links: dict[int, UILink] = {}
    raw_links = raw.get("links")
    for index, entry in enumerate(raw_links if isinstance(raw_links, list) else []):
        if entry is None:
            continue  # litegraph writes null for deleted links in old files
        link = read_link(entry)
        if link is None:
            problems.append(ReadProblem(f"link entry {index} is malformed: {entry!r}", pointer=f"{where}/links/{index}"))
            continue
        links[link.id] = link

    graph = UIGraph(nodes=nodes, links=links, pointer=where)
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
